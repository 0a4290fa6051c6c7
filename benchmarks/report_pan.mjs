// How fast an HTML report opens and how smoothly its charts pan and zoom, in
// Debian's headless Chromium. Prints figures; asserts nothing about time.
//
//   node benchmarks/report_pan.mjs REPORT.html [--frames N] [--loads N] [--dpr R]
//
// Load: a fresh page per load (--loads, default 3), from navigation start to
// the load event and then two animation frames, by when every chart has been
// drawn and painted; the median is printed.
//
// Pan and zoom, one chart at a time as a person would: --frames (default 120)
// animation frames that each move the chart's x range with uPlot's setScale
// (a window a tenth of the steps wide, from the first step to the last), then
// as many frames that zoom in 1000x about the middle and out again. The frame
// time is the interval between the timestamps of consecutive animation frames:
// it holds the redraw and the painting, and it is a whole number of 16.7 ms
// display frames, so "over 16.7 ms" counts frames that missed one (intervals
// over 17.7 ms) and "over 50 ms" intervals over 51 ms. The work is the part
// spent in script (setScale and uPlot's redraw, timed with performance.now()).
// Step charts (the database's curves) are summed up; every chart, the three
// small theory charts too, gets a line. --dpr sets the device pixel ratio
// (default 1). JS heap: V8's heap after a garbage collection, and the
// backing stores of typed arrays, which it does not hold.
//
// Needs /usr/bin/chromium and playwright-core installed in tests/report by
// `npm ci` (tools/setup does both). Every request that is not file:// is
// aborted and counted; the page must make none.

import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS } from '../tests/report/offline_chromium.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'tests/report/package.json'));
const { chromium } = require('playwright-core');

const VIEWPORT = { width: 1280, height: 900 };
const TIMEOUT_MS = 300_000;

function usage(message) {
  console.error(`report_pan: ${message}`);
  console.error(
    'usage: node benchmarks/report_pan.mjs REPORT.html [--frames N] [--loads N] [--dpr R]',
  );
  process.exit(2);
}

const args = process.argv.slice(2);
let reportArg;
let frames = 120;
let loads = 3;
let dpr = 1;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--frames' || a === '--loads') {
    const n = Number(args[++i]);
    if (!Number.isInteger(n) || n < 1 || n > 100000) usage(`${a} needs a whole number >= 1`);
    if (a === '--frames') frames = n;
    else loads = n;
  } else if (a === '--dpr') {
    dpr = Number(args[++i]);
    if (!(dpr >= 0.5 && dpr <= 4)) usage('--dpr needs a number from 0.5 to 4');
  } else if (!reportArg && !a.startsWith('--')) {
    reportArg = a;
  } else {
    usage(`unexpected argument ${a}`);
  }
}
if (!reportArg) usage('expected a report');
const reportPath = path.resolve(reportArg);
if (!existsSync(reportPath) || !statSync(reportPath).isFile()) usage(`${reportArg}: no such file`);
if (!existsSync(CHROMIUM)) {
  console.error(`report_pan: ${CHROMIUM} is missing; install Debian's chromium (tools/setup)`);
  process.exit(1);
}
const reportUrl = pathToFileURL(reportPath).href;

// Runs before the page's scripts: every uPlot the page creates is kept in
// window.__benchCharts, so the benchmark can drive it as a pan or zoom would.
function captureCharts() {
  window.__benchCharts = [];
  let wrapped;
  Object.defineProperty(window, 'uPlot', {
    configurable: true,
    get: () => wrapped,
    set: (real) => {
      wrapped = new Proxy(real, {
        construct(target, argv) {
          const u = Reflect.construct(target, argv);
          window.__benchCharts.push(u);
          return u;
        },
      });
    },
  });
}

// In the page: one chart, `n` frames of panning (a tenth of the range wide,
// left to right) or zooming (1000x in about the middle, then out).
function driveChart([index, kind, n]) {
  const u = window.__benchCharts[index];
  const xs = u.data[0];
  const lo = xs[0];
  const hi = xs[xs.length - 1];
  const span = hi - lo;
  const range = (i) => {
    if (kind === 'pan') {
      const width = span / 10;
      const min = lo + ((span - width) * i) / Math.max(1, n - 1);
      return [min, min + width];
    }
    const half = n / 2;
    const depth = i < half ? i / half : (n - i) / half;
    const width = span * Math.pow(1000, -depth);
    const mid = lo + span / 2;
    return [mid - width / 2, mid + width / 2];
  };
  return new Promise((resolve) => {
    const work = [];
    const intervals = [];
    let previous = null;
    let i = 0;
    const frame = (ts) => {
      if (previous !== null) intervals.push(ts - previous);
      previous = ts;
      if (i === n) {
        u.setScale('x', { min: lo, max: hi });
        resolve({ work, intervals });
        return;
      }
      const t0 = performance.now();
      const [min, max] = range(i++);
      u.setScale('x', { min, max });
      // uPlot redraws in the microtask setScale queued, which runs before this.
      queueMicrotask(() => work.push(performance.now() - t0));
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}

// In the page: the charts, with whether each canvas has two pixel colours.
function describeCharts() {
  return window.__benchCharts.map((u, index) => {
    const c = u.ctx.canvas;
    const px = new Uint32Array(u.ctx.getImageData(0, 0, c.width, c.height).data.buffer);
    return {
      index,
      title: (u.root.querySelector('.u-title') || {}).textContent || '',
      steps: u.series[0].label === 'step',
      series: u.series.length - 1,
      points: u.data[0].length,
      drawn: px.some((p) => p !== px[0]),
    };
  });
}

const nextFrames = () =>
  new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));

function quantile(values, q) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const i = Math.floor(at);
  return i + 1 < s.length ? s[i] + (s[i + 1] - s[i]) * (at - i) : s[i];
}
const share = (values, limit) => values.filter((v) => v > limit).length / values.length;
const ms = (v) => `${v.toFixed(1)} ms`;
const pct = (v) => `${(100 * v).toFixed(0)}%`;
const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;
function frameLine(label, work, intervals) {
  return (
    `${label}: ${intervals.length} frames; frame time median ${ms(quantile(intervals, 0.5))}, ` +
    `p95 ${ms(quantile(intervals, 0.95))}, max ${ms(Math.max(...intervals))}, ` +
    `over 16.7 ms ${pct(share(intervals, 17.7))}, over 50 ms ${pct(share(intervals, 51))}; ` +
    `work median ${ms(quantile(work, 0.5))}, p95 ${ms(quantile(work, 0.95))}`
  );
}

const requests = [];
const errors = [];
let browser;
const watchdog = setTimeout(() => {
  console.error(`report_pan: gave up after ${(2 * TIMEOUT_MS) / 1000} s`);
  process.exit(1);
}, 2 * TIMEOUT_MS);
watchdog.unref();

async function openReport() {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: dpr });
  context.setDefaultTimeout(TIMEOUT_MS);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    requests.push(url);
    return route.abort('blockedbyclient');
  });
  await context.addInitScript(captureCharts);
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console error: ${msg.text()}`);
  });
  const cdp = await context.newCDPSession(page);
  await page.goto(reportUrl, { waitUntil: 'load', timeout: TIMEOUT_MS });
  await page.evaluate(nextFrames);
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return { ready: performance.now(), dom: nav.domContentLoadedEventEnd, load: nav.loadEventEnd };
  });
  return { context, page, cdp, timing };
}

async function heap(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const usage = await cdp.send('Runtime.getHeapUsage');
  return `${mib(usage.usedSize)} used of ${mib(usage.totalSize)}, ` +
    `and ${mib(usage.backingStorageSize)} of typed arrays outside it`;
}

try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: TIMEOUT_MS,
  });
  console.log(`report: ${reportArg} (${(statSync(reportPath).size / 1e6).toFixed(1)} MB)`);
  console.log(
    `browser: Chromium ${browser.version()}, viewport ${VIEWPORT.width}x${VIEWPORT.height}, ` +
      `device pixel ratio ${dpr}; ${os.cpus().length} cores, ` +
      `load average ${os.loadavg()[0].toFixed(2)} at start`,
  );

  const timings = [];
  let opened;
  for (let i = 0; i < loads; i++) {
    if (opened) await opened.context.close();
    opened = await openReport();
    timings.push(opened.timing);
  }
  const { page, cdp } = opened;
  const charts = await page.evaluate(describeCharts);
  const blank = charts.filter((c) => !c.drawn);
  console.log(
    `load (${loads} fresh pages, median): all charts drawn ` +
      `${ms(quantile(timings.map((t) => t.ready), 0.5))} after navigation start ` +
      `(DOMContentLoaded ${ms(quantile(timings.map((t) => t.dom), 0.5))}, ` +
      `load event ${ms(quantile(timings.map((t) => t.load), 0.5))}); ` +
      `each: ${timings.map((t) => ms(t.ready)).join(', ')}`,
  );
  console.log(
    `charts: ${charts.length} (${charts.filter((c) => c.steps).length} of steps), ` +
      `${blank.length ? `${blank.length} NOT drawn` : 'all drawn'}`,
  );
  console.log(`JS heap after load: ${await heap(cdp)}`);

  const all = { pan: { work: [], intervals: [] }, zoom: { work: [], intervals: [] } };
  const perChart = [];
  for (const c of charts) {
    const line = [];
    for (const kind of ['pan', 'zoom']) {
      const r = await page.evaluate(driveChart, [c.index, kind, frames]);
      if (c.steps) {
        all[kind].work.push(...r.work);
        all[kind].intervals.push(...r.intervals);
      }
      line.push(
        `${kind} ${ms(quantile(r.work, 0.5))} / ${ms(quantile(r.work, 0.95))}, ` +
          `frame ${ms(quantile(r.intervals, 0.5))} / ${ms(quantile(r.intervals, 0.95))}`,
      );
    }
    perChart.push(
      `  #${c.index + 1} ${c.series} series x ${c.points} points: ${line.join('; ')}` +
        `  (${c.title.slice(0, 50)})`,
    );
  }
  console.log(`frames per chart: ${frames} panning, ${frames} zooming; the step charts together:`);
  console.log(frameLine('  pan ', all.pan.work, all.pan.intervals));
  console.log(frameLine('  zoom', all.zoom.work, all.zoom.intervals));
  const both = [...all.pan.work, ...all.zoom.work];
  const bothIntervals = [...all.pan.intervals, ...all.zoom.intervals];
  console.log(frameLine('  both', both, bothIntervals));
  console.log('per chart (work, median / p95; frame time, median / p95):');
  for (const l of perChart) console.log(l);
  console.log(`JS heap after panning: ${await heap(cdp)}`);
  console.log(`load average ${os.loadavg()[0].toFixed(2)} at the end`);
} catch (e) {
  errors.push(`browser: ${e && e.message ? e.message.split('\n')[0] : e}`);
} finally {
  if (browser) await browser.close().catch(() => {});
}
const firstRequest = requests.length ? ` (first: ${requests[0]})` : '';
console.log(`network requests: ${requests.length}${firstRequest}`);
if (errors.length > 0) {
  for (const e of errors) console.error(`report_pan: ${e}`);
  process.exit(1);
}
