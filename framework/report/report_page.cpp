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
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = String(text);
  return e;
}
function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
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
  chart.series.forEach((s, g) => {
    const color = COLORS[g % COLORS.length];
    series.push({label: groups[g].name, stroke: color, width: 1.5, spanGaps: true});
    data.push(s.median);
    series.push({label: "", stroke: "transparent", spanGaps: true, legend: {show: false}});
    data.push(s.q75);
    series.push({label: "", stroke: "transparent", spanGaps: true, legend: {show: false}});
    data.push(s.q25);
    bands.push({series: [data.length - 2, data.length - 1], fill: alpha(color, 0.15)});
  });
  const opts = {
    title: chart.title + (chart.log ? " (log scale)" : ""),
    width: Math.min(1100, window.innerWidth - 40), height: 300,
    scales: {x: {time: false}, y: chart.log ? {distr: 3} : {}},
    // Room for labels such as -1,000 or 1.2e-5 on the y axis.
    axes: [{}, {size: 80}],
    series, bands,
    legend: {live: false},
    hooks: {draw: [u => {
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
   text: m => m.toFixed(3), hue: m => 120 * m},
  {column: "frechet_distance",
   caption: "final Fréchet distance to the training set (median over seeds; lower is better)",
   text: m => m.toPrecision(4), hue: null},
  {column: "classes_covered", caption: "final classes covered, of 10 (median over seeds)",
   text: m => m.toFixed(0), hue: m => 12 * m},
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
      medians[k] = vals.length ? vals[Math.floor((vals.length - 1) / 2)] : NaN;
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
