#include "report/report_page.h"

#include <algorithm>
#include <cctype>

namespace gansweep::report {
namespace {

// "</script" can end an inline script wherever it appears; inside uPlot it
// can only occur in a string, where "<\/script" means the same.
std::string inline_safe(std::string_view code) {
  std::string out(code);
  for (std::size_t at = 0; (at = out.find("</", at)) != std::string::npos; at += 2) {
    std::string next = out.substr(at + 2, 6);
    std::transform(next.begin(), next.end(), next.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (next == "script" || next.rfind("style", 0) == 0) out.insert(at + 1, "\\");
  }
  return out;
}

// Draws everything from DATA. Kept free of any user text in markup: names
// and values reach the page only through textContent.
constexpr const char* kScript = R"js(
"use strict";
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
                "#17becf", "#bcbd22", "#7f7f7f"];
function logLabel(v) {
  if (v == null) return '';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(0) : String(+v.toPrecision(6));
}
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = String(text);
  return e;
}
// The step charts' lines and bands are drawn as pixels, one column of the plot
// at a time: per column, the span of canvas rows a line or band covers there,
// its first and last row partly covered. A frame then costs the plot's size
// plus the points in view, however they zigzag; stroking and clipping paths
// through thousands of points cost a software-drawn canvas up to a second.
let pixelImage = null;
let pixelLayer = null;
// A series' points without its nulls, as typed arrays: steps, and values on
// the axis' scale (log10 on a log axis).
function packSeries(xs, ys, log) {
  const keep = [];
  for (let i = 0; i < ys.length; i++) {
    if (ys[i] != null && (!log || ys[i] > 0)) keep.push(i);
  }
  const x = new Float64Array(keep.length);
  const y = new Float64Array(keep.length);
  keep.forEach((i, k) => {
    x[k] = xs[i];
    y[k] = log ? Math.log10(ys[i]) : ys[i];
  });
  return {x, y};
}
// The first index of the sorted `xs` whose value is at least `v`.
function lowerBound(xs, v) {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
// Per column, the lowest and highest plot row that the line through a packed
// series reaches there, from the points in view and one on either side.
function columnExtents(u, series, log, column, columns) {
  const top = new Float64Array(columns).fill(Infinity);
  const bottom = new Float64Array(columns).fill(-Infinity);
  // Positions as uPlot's valToPos gives them, without a call per point.
  const sx = u.scales.x;
  const sy = u.scales.y;
  const ty = log ? Math.log10(sy.min) : sy.min;
  const ty1 = log ? Math.log10(sy.max) : sy.max;
  const x0 = (u.valToPos(sx.min, "x", true) - u.bbox.left) / column;
  const kx = (u.valToPos(sx.max, "x", true) - u.bbox.left - x0 * column) /
             (sx.max - sx.min) / column;
  const y0 = u.valToPos(sy.min, "y", true) - u.bbox.top;
  const ky = (u.valToPos(sy.max, "y", true) - u.bbox.top - y0) / (ty1 - ty);
  if (!Number.isFinite(kx) || !Number.isFinite(ky)) return {top, bottom};
  const xs = series.x;
  const ys = series.y;
  const a = Math.max(0, lowerBound(xs, sx.min) - 1);
  const b = Math.min(xs.length - 1, lowerBound(xs, sx.max));
  let px = NaN;
  let py = NaN;
  for (let i = a; i <= b; i++) {
    const x = x0 + (xs[i] - sx.min) * kx;
    const y = y0 + (ys[i] - ty) * ky;
    if (i === a) {
      if (x >= 0 && x < columns) {
        const c = Math.floor(x);
        top[c] = bottom[c] = y;
      }
    } else {
      // The segment from the previous point, column by column.
      const slope = x > px ? (y - py) / (x - px) : 0;
      const last = Math.min(columns - 1, Math.floor(x));
      for (let c = Math.max(0, Math.floor(px)); c <= last; c++) {
        const ya = py + slope * (Math.max(px, c) - px);
        const yb = x > px ? py + slope * (Math.min(x, c + 1) - px) : y;
        const lo = ya < yb ? ya : yb;
        const hi = ya < yb ? yb : ya;
        if (lo < top[c]) top[c] = lo;
        if (hi > bottom[c]) bottom[c] = hi;
      }
    }
    px = x;
    py = y;
  }
  return {top, bottom};
}
// Inserts `value` into the first `n` entries of `sorted`, kept in order.
function insertSorted(sorted, n, value) {
  let e = n;
  for (; e > 0 && sorted[e - 1] > value; e--) sorted[e] = sorted[e - 1];
  sorted[e] = value;
  return n + 1;
}
// Draws the shown `bands` ({rgb, upper, lower}: indices of quartile series),
// then the shown `lines` ({rgb, series, width}) over them, onto the plot;
// `packed` holds every series as packSeries gives it. Where bands overlap,
// each adds opacity 0.15 and their colours mix in equal parts, whatever the
// order of the groups.
function paintColumns(u, packed, log, bands, lines) {
  const ratio = uPlot.pxRatio || 1;
  const column = Math.max(1, Math.round(ratio));
  const w = Math.round(u.bbox.width);
  const h = Math.round(u.bbox.height);
  if (w <= 0 || h <= 0) return;
  if (!pixelLayer || pixelLayer.width !== w || pixelLayer.height !== h) {
    pixelLayer = document.createElement("canvas");
    pixelLayer.width = w;
    pixelLayer.height = h;
    pixelImage = pixelLayer.getContext("2d").createImageData(w, h);
  }
  // RGBA as one little-endian word per pixel; Int32 keeps the words small
  // integers for the engine.
  const px = new Int32Array(pixelImage.data.buffer);
  px.fill(0);
  const columns = Math.ceil(w / column);
  // Bands: per column, the rows where the set of bands changes, sorted, and
  // one colour per run of rows between them.
  const shown = bands.filter(band => u.series[band.upper].show).map(band => ({
    rgb: band.rgb,
    hi: columnExtents(u, packed[band.upper], log, column, columns),
    lo: columnExtents(u, packed[band.lower], log, column, columns),
  }));
  const opacity = [];
  for (let n = 0; n <= shown.length; n++) opacity.push(1 - Math.pow(0.85, n));
  const events = new Int32Array(2 * shown.length);
  for (let c = 0; c < columns; c++) {
    let n = 0;
    for (let i = 0; i < shown.length; i++) {
      const band = shown[i];
      const r0 = Math.max(0, Math.round(Math.min(band.hi.top[c], band.lo.top[c])));
      const r1 = Math.min(h, Math.round(Math.max(band.hi.bottom[c], band.lo.bottom[c])));
      if (!(r1 > r0)) continue;
      // Row, then band, then 1 where it starts and 0 where it ends; kept sorted.
      n = insertSorted(events, n, r0 * 65536 + i * 2 + 1);
      n = insertSorted(events, n, r1 * 65536 + i * 2);
    }
    const x0 = c * column;
    const x1 = Math.min(w, x0 + column);
    let row = 0;
    let count = 0;
    let r = 0;
    let g = 0;
    let b = 0;
    for (let e = 0; e < n; e++) {
      const at = events[e] >> 16;
      if (at > row && count > 0) {
        const colour = ((Math.round(opacity[count] * 255) << 24) |
                        (Math.round(b / count) << 16) | (Math.round(g / count) << 8) |
                        Math.round(r / count)) | 0;
        for (let y = row; y < at; y++) {
          for (let x = x0; x < x1; x++) px[y * w + x] = colour;
        }
      }
      row = at;
      const rgb = shown[(events[e] & 65535) >> 1].rgb;
      const sign = events[e] & 1 ? 1 : -1;
      count += sign;
      r += sign * rgb[0];
      g += sign * rgb[1];
      b += sign * rgb[2];
    }
  }
  // Lines: per column the span they cover, widened by half their width, the
  // first and last row blended by how much of it they cover.
  for (const line of lines) {
    if (!u.series[line.series].show) continue;
    const ext = columnExtents(u, packed[line.series], log, column, columns);
    const pad = (line.width * ratio) / 2;
    const r = line.rgb[0];
    const g = line.rgb[1];
    const b = line.rgb[2];
    const solid = (255 << 24) | (b << 16) | (g << 8) | r;
    for (let c = 0; c < columns; c++) {
      const y0 = Math.max(0, ext.top[c] - pad);
      const y1 = Math.min(h, ext.bottom[c] + pad);
      if (!(y1 > y0)) continue;
      const x1 = Math.min(w, (c + 1) * column);
      for (let y = Math.floor(y0); y < y1; y++) {
        const k = Math.min(y1, y + 1) - Math.max(y0, y);
        if (k >= 1) {
          for (let x = c * column; x < x1; x++) px[y * w + x] = solid;
          continue;
        }
        for (let x = c * column; x < x1; x++) {
          const o = y * w + x;
          const d = px[o];
          const da = ((d >>> 24) / 255) * (1 - k);
          const a = k + da;
          px[o] = ((Math.round(a * 255) << 24) |
                   (Math.round((b * k + ((d >>> 16) & 255) * da) / a) << 16) |
                   (Math.round((g * k + ((d >>> 8) & 255) * da) / a) << 8) |
                   Math.round((r * k + (d & 255) * da) / a)) | 0;
        }
      }
    }
  }
  pixelLayer.getContext("2d").putImageData(pixelImage, 0, 0);
  u.ctx.drawImage(pixelLayer, Math.round(u.bbox.left), Math.round(u.bbox.top));
}
function curveChart(parent, chart, groups) {
  if (chart.x.length === 0) {
    parent.appendChild(el("p", {class: "empty"}, `${chart.title}: no recorded steps.`));
    return;
  }
  const box = el("div", {class: "chart"});
  parent.appendChild(box);
  const series = [{label: "step"}];
  const data = [chart.x];
  const bands = [];
  const lines = [];
  // uPlot keeps the scales, axes, legend and cursor; paintColumns draws.
  const noPaths = () => null;
  chart.series.forEach((s, g) => {
    const color = COLORS[g % COLORS.length];
    const n = parseInt(color.slice(1), 16);
    const rgb = [n >> 16, (n >> 8) & 255, n & 255];
    series.push({label: groups[g].name, stroke: color, width: 1.5, spanGaps: true,
                 paths: noPaths});
    data.push(s.median);
    lines.push({rgb, series: data.length - 1, width: 1.5});
    series.push({label: "", stroke: "transparent", spanGaps: true, paths: noPaths,
                 points: {show: false}, legend: {show: false}});
    data.push(s.q75);
    series.push({label: "", stroke: "transparent", spanGaps: true, paths: noPaths,
                 points: {show: false}, legend: {show: false}});
    data.push(s.q25);
    bands.push({rgb, upper: data.length - 2, lower: data.length - 1});
  });
  const packed = data.map(ys => packSeries(chart.x, ys, chart.log));
  const opts = {
    title: chart.title + (chart.log ? " (log scale)" : ""),
    width: Math.min(1100, window.innerWidth - 40), height: 300,
    scales: {x: {time: false}, y: chart.log ? {distr: 3} : {}},
    // Room for labels such as -1,000 or 1.2e-5 on the y axis.
    // uPlot's own labels round small powers of ten on a log axis to 0.
    axes: [{}, chart.log ? {size: 80, values: (u, vals) => vals.map(logLabel)} : {size: 80}],
    series,
    legend: {live: false},
    hooks: {draw: [u => {
      paintColumns(u, packed, chart.log, bands, lines);
      // Divergences: a red tick at each run's first non-finite step.
      const ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = "#c00";
      ctx.lineWidth = 2;
      groups.forEach(g => g.divergences.forEach(step => {
        const x = u.valToPos(step, "x", true);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + 12);
        ctx.stroke();
      }));
      ctx.restore();
    }]},
  };
  new uPlot(opts, data, box);
}
function theoryCharts(parent) {
  // Generator costs against p = D(G(z)), and their derivatives (REFERENCE:
  // saturation comes from dp/dl = p(1 - p), not from the slope in p).
  const p = [];
  for (let i = 1; i < 1000; i++) p.push(i / 1000);
  const logit = p.map(v => Math.log(v / (1 - v)));
  const specs = [
    {title: "Cost J against D(G(z))",
     series: [["minimax: log(1 - p)", p.map(v => Math.log(1 - v))],
              ["non-saturating: -log p", p.map(v => -Math.log(v))]]},
    {title: "dJ/dp against D(G(z)): minimax tends to -1 as p -> 0, not to 0",
     clip: true,
     series: [["minimax: -1/(1 - p)", p.map(v => Math.max(-10, -1 / (1 - v)))],
              ["non-saturating: -1/p", p.map(v => Math.max(-10, -1 / v))]]},
    {title: "dJ/dl (D's logit) against D(G(z)): minimax -p vanishes as p -> 0",
     series: [["minimax: -p", p.map(v => -v)],
              ["non-saturating: -(1 - p)", p.map(v => -(1 - v))]]},
  ];
  for (const spec of specs) {
    const box = el("div", {class: "chart"});
    parent.appendChild(box);
    const series = [{label: "D(G(z))"}];
    spec.series.forEach(([label], i) => series.push({label, stroke: COLORS[i], width: 2}));
    const title = spec.title + (spec.clip ? " (both clipped at -10)" : "");
    new uPlot({title, width: Math.min(540, window.innerWidth - 40), height: 240,
               scales: {x: {time: false}}, axes: [{}, {size: 60}], series},
              [p, ...spec.series.map(s => s[1])], box);
  }
  void logit;
}
function drawSample(parent, group) {
  const s = group.sample;
  if (!s) return;
  const figure = el("figure", {class: "chart sample"});
  const canvas = el("canvas", {width: 224, height: 224});
  figure.appendChild(canvas);
  figure.appendChild(el("figcaption", {}, `${group.name}, step ${s.step}`));
  parent.appendChild(figure);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, 224, 224);
  const v = s.values;
  if (s.shape.length === 2) {
    // Toy points, scaled to fit.
    let r = 1e-9;
    for (const x of v) if (x !== null) r = Math.max(r, Math.abs(x));
    ctx.fillStyle = "#1f77b4";
    for (let i = 0; i + 1 < v.length; i += 2) {
      if (v[i] === null || v[i + 1] === null) continue;
      ctx.fillRect(112 + v[i] / r * 100 - 1.5, 112 - v[i + 1] / r * 100 - 1.5, 3, 3);
    }
  } else {
    // Images in [-1, 1], an 8x8 grid of 28x28.
    const n = Math.min(64, s.shape[0]);
    const img = ctx.createImageData(224, 224);
    for (let k = 0; k < n; k++) {
      const ox = (k % 8) * 28, oy = Math.floor(k / 8) * 28;
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
        const val = v[k * 784 + y * 28 + x];
        const g = val === null ? 0 : Math.max(0, Math.min(255, (val + 1) * 127.5));
        const o = ((oy + y) * 224 + ox + x) * 4;
        img.data[o] = img.data[o + 1] = img.data[o + 2] = g;
        img.data[o + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
  }
}
// The outcome per lr x d_steps, one table per loss and measure: medians over
// seeds of the last evaluation's toy-data high-quality fraction, or of the
// images' Frechet distance and classes covered; the measures of the data
// kinds in the database (the run table's columns).
const OUTCOMES = [
  {column: "high_quality_fraction", caption: "final high-quality fraction (median over seeds)",
   text: m => m.toPrecision(3), hue: m => 120 * m},
  {column: "frechet_distance",
   caption: "final Fréchet distance to the training set (median over seeds; lower is better)",
   text: m => m.toPrecision(4), hue: null},
  {column: "classes_covered", caption: "final classes covered, of 10 (median over seeds)",
   text: m => Number.isInteger(m) ? String(m) : m.toFixed(1), hue: m => 12 * m},
];
function lowIsGreen(m, lo, hi) {
  // On a log scale: the distances of one sweep span orders of magnitude.
  if (!(lo > 0) || !(hi > lo)) return 120;
  return 120 * (1 - (Math.log(m) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)));
}
function heatmaps(parent, db) {
  const idx = k => db.columns.indexOf(k);
  const loss = idx("train.loss"), lr = idx("train.lr"), ds = idx("train.d_steps");
  for (const spec of OUTCOMES) {
    const col = idx(spec.column);
    if (col < 0) continue;
    const cells = {};
    for (const r of db.runs) {
      const q = parseFloat(r[col]);
      const key = [loss >= 0 ? r[loss] : "", lr >= 0 ? r[lr] : "", ds >= 0 ? r[ds] : ""];
      const k = JSON.stringify(key);
      (cells[k] = cells[k] || []).push(Number.isFinite(q) ? q : NaN);
    }
    const medians = {};
    for (const [k, all] of Object.entries(cells)) {
      const vals = all.filter(Number.isFinite).sort((a, b) => a - b);
      // The median: the middle value, or the mean of the two middle ones.
      const h = vals.length >> 1;
      medians[k] = !vals.length ? NaN : vals.length % 2 ? vals[h] : (vals[h - 1] + vals[h]) / 2;
    }
    const finite = Object.values(medians).filter(Number.isFinite);
    const lo = Math.min(...finite), hi = Math.max(...finite);
    const losses = [...new Set(Object.keys(cells).map(k => JSON.parse(k)[0]))];
    const lrs = [...new Set(Object.keys(cells).map(k => JSON.parse(k)[1]))].sort((a, b) => a - b);
    const dss = [...new Set(Object.keys(cells).map(k => JSON.parse(k)[2]))].sort((a, b) => a - b);
    for (const l of losses) {
      const table = el("table", {class: "heatmap"});
      table.appendChild(el("caption", {}, `${l || "all"}: ${spec.caption}`));
      const head = el("tr");
      head.appendChild(el("th", {}, "lr \\ d_steps"));
      dss.forEach(d => head.appendChild(el("th", {}, d)));
      table.appendChild(head);
      for (const r of lrs) {
        const tr = el("tr");
        tr.appendChild(el("th", {}, r));
        for (const d of dss) {
          const k = JSON.stringify([l, r, d]);
          const m = k in medians ? medians[k] : NaN;
          const td = el("td", {}, Number.isFinite(m) ? spec.text(m) : "n/a");
          if (Number.isFinite(m)) {
            const hue = spec.hue ? spec.hue(m) : lowIsGreen(m, lo, hi);
            td.style.background = `hsl(${hue}, 70%, 75%)`;
          }
          tr.appendChild(td);
        }
        table.appendChild(tr);
      }
      parent.appendChild(table);
    }
  }
}
function differencesTable(parent, db) {
  if (db.differences.length === 0) return;
  parent.appendChild(el("h3", {}, "Differences between groups, steps 0-199"));
  parent.appendChild(el("p", {}, "Each group against the first: the difference of the " +
    "groups' medians of their runs' medians, with a 95% bootstrap interval. Paired " +
    "intervals resample pairs of runs that share their seed and every other setting (the " +
    "same initial weights, data order and noise), which removes the seeds' own spread; " +
    "unpaired ones resample the two groups' runs independently."));
  const table = el("table", {class: "differences"});
  const head = el("tr");
  for (const c of ["group", "against", "metric", "difference", "95% interval", "pairing"]) {
    head.appendChild(el("th", {}, c));
  }
  table.appendChild(head);
  const shown = x => x === null ? "n/a" : String(x);
  for (const d of db.differences) {
    const tr = el("tr");
    for (const c of [d.group, d.against, d.metric, shown(d.difference),
                     `[${shown(d.low)}, ${shown(d.high)}]`, d.pairing]) {
      tr.appendChild(el("td", {}, c));
    }
    table.appendChild(tr);
  }
  parent.appendChild(table);
}
function runsTable(parent, db) {
  const table = el("table", {class: "runs"});
  const head = el("tr");
  db.columns.forEach((c, i) => {
    const th = el("th", {title: "click to sort"}, c);
    th.addEventListener("click", () => sortBy(i));
    head.appendChild(th);
  });
  table.appendChild(head);
  const body = el("tbody");
  table.appendChild(body);
  let rows = db.runs.slice();
  let last = -1, dir = 1;
  function fill() {
    body.textContent = "";
    for (const r of rows) {
      const tr = el("tr", {class: r[2]});
      r.forEach(c => tr.appendChild(el("td", {}, c)));
      body.appendChild(tr);
    }
  }
  function sortBy(i) {
    dir = i === last ? -dir : 1;
    last = i;
    // Unfinished runs and non-numbers stay last in either direction.
    rows.sort((a, b) => {
      const fa = a[2] === "done", fb = b[2] === "done";
      if (fa !== fb) return fa ? -1 : 1;
      const x = parseFloat(a[i]), y = parseFloat(b[i]);
      if (Number.isFinite(x) && Number.isFinite(y)) return dir * (x - y);
      if (Number.isFinite(x) !== Number.isFinite(y)) return Number.isFinite(x) ? -1 : 1;
      return dir * String(a[i]).localeCompare(String(b[i]));
    });
    fill();
  }
  fill();
  parent.appendChild(table);
}
const root = document.getElementById("report");
root.appendChild(el("p", {class: "meta"}, DATA.generated_by));
const theory = el("section");
theory.appendChild(el("h2", {}, "Why minimax saturates"));
root.appendChild(theory);
theoryCharts(theory);
for (const db of DATA.databases) {
  const section = el("section");
  section.appendChild(el("h2", {}, db.path));
  section.appendChild(el("p", {}, "Median across seeds per group (line) and interquartile " +
                                  "band; red ticks mark divergences."));
  root.appendChild(section);
  for (const chart of db.charts) curveChart(section, chart, db.groups);
  section.appendChild(el("h3", {}, "Outcome"));
  heatmaps(section, db);
  differencesTable(section, db);
  section.appendChild(el("h3", {}, "What the generator produced (first run of each group, " +
                                   "last evaluation)"));
  const samples = el("div", {class: "samples"});
  section.appendChild(samples);
  db.groups.forEach(g => drawSample(samples, g));
  section.appendChild(el("h3", {}, "Runs"));
  runsTable(section, db);
}
)js";

constexpr const char* kStyle = R"css(
body { font-family: sans-serif; margin: 20px; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.2em; margin-top: 2em; }
.chart { margin: 10px 0; } section > .chart { display: inline-block; }
.samples { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; } figcaption { font-size: 0.8em; max-width: 224px; }
table { border-collapse: collapse; font-size: 0.8em; margin: 8px 0; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
table.runs th { cursor: pointer; background: #f3f3f3; }
tr.diverged td { color: #c00; } .meta { color: #777; font-size: 0.8em; }
)css";

}  // namespace

std::string render_page(const std::string& title_html, const std::string& data_json,
                        std::string_view uplot_css, std::string_view uplot_js) {
  std::string page;
  page.reserve(data_json.size() + uplot_js.size() + 16384);
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page += "<title>" + title_html + "</title>\n<style>";
  page += inline_safe(uplot_css);
  page += kStyle;
  page += "</style>\n<script>";
  page += inline_safe(uplot_js);
  page += "</script>\n</head>\n<body>\n<h1>" + title_html + "</h1>\n<div id=\"report\"></div>\n";
  page += "<script>const DATA = " + data_json + ";</script>\n<script>";
  page += kScript;
  page += "</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace gansweep::report
