// Opens an HTML report in Debian's headless Chromium and checks what a person
// would see: that it loads without errors, fetches nothing from a network, and
// draws every chart.
//
//   node tests/report/check_report.mjs REPORT.html [SCREENSHOT.png]
//
// Fails (exit 1, one line per problem) on any console error, any uncaught page
// error, any request to a URL that is not file:// (aborted, so the report must
// work offline), no element with class "chart", or a .chart element without a
// canvas that has at least two different pixel colours. Takes a full-page
// screenshot when SCREENSHOT.png is given, pass or fail. Exits 0 with a
// one-line summary otherwise; 2 on a usage error.
//
// Needs /usr/bin/chromium (Debian's chromium package) and playwright-core
// installed here with `npm ci` (tools/setup does both). Playwright never
// downloads a browser here: it drives the system's Chromium.

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './offline_chromium.mjs';

const TIMEOUT_MS = 60_000;

function usage(message) {
  console.error(`check_report: ${message}`);
  console.error('usage: node tests/report/check_report.mjs REPORT.html [SCREENSHOT.png]');
  process.exit(2);
}

const [reportArg, screenshotArg, ...extra] = process.argv.slice(2);
if (!reportArg || extra.length > 0) usage('expected a report and at most a screenshot path');
const reportPath = path.resolve(reportArg);
if (!existsSync(reportPath) || !statSync(reportPath).isFile()) {
  usage(`${reportArg}: no such file`);
}
if (!existsSync(CHROMIUM)) {
  console.error(`check_report: ${CHROMIUM} is missing; install Debian's chromium (tools/setup)`);
  process.exit(1);
}
const reportUrl = pathToFileURL(reportPath).href;

// A hung browser must not hang the test suite.
const watchdog = setTimeout(() => {
  console.error(`check_report: FAILED ${reportArg}: gave up after ${(2 * TIMEOUT_MS) / 1000} s`);
  process.exit(1);
}, 2 * TIMEOUT_MS);
watchdog.unref();

const problems = [];
const where = (loc) => (loc && loc.url ? ` (${loc.url}:${loc.lineNumber + 1})` : '');

// Runs in the page: one entry per .chart element, saying whether any of its
// canvases has two different pixels. Canvases are copied onto a 2D canvas, so
// WebGL canvases and HiDPI backing stores are read the same way.
function inspectCharts() {
  const label = (el, i) => {
    const name =
      el.id ||
      el.getAttribute('data-title') ||
      el.getAttribute('aria-label') ||
      (el.querySelector('.u-title') || {}).textContent ||
      '';
    return `.chart #${i + 1}${name ? ` "${String(name).trim().slice(0, 60)}"` : ''}`;
  };
  return [...document.querySelectorAll('.chart')].map((el, i) => {
    const canvases = [...el.querySelectorAll('canvas')];
    const result = { label: label(el, i), canvases: canvases.length, drawn: 0, notes: [] };
    for (const c of canvases) {
      if (c.width === 0 || c.height === 0) {
        result.notes.push(`a ${c.width}x${c.height} canvas`);
        continue;
      }
      try {
        const copy = document.createElement('canvas');
        copy.width = c.width;
        copy.height = c.height;
        const ctx = copy.getContext('2d');
        ctx.drawImage(c, 0, 0);
        const px = new Uint32Array(ctx.getImageData(0, 0, c.width, c.height).data.buffer);
        const first = px[0];
        if (px.some((p) => p !== first)) result.drawn += 1;
        else result.notes.push(`a ${c.width}x${c.height} canvas all one colour`);
      } catch (e) {
        result.notes.push(`a canvas that cannot be read: ${e && e.message}`);
      }
    }
    return result;
  });
}

let browser;
let charts = [];
let differences = { expected: 0, rows: 0, shown: 0 };
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: TIMEOUT_MS,
  });
  // A new context is a fresh profile: launch() gives Chromium a temporary
  // user-data dir of its own, removed on close.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(TIMEOUT_MS);

  // Everything but file:// is aborted and reported: the report must be offline.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    problems.push(`request to a non-file URL: ${url}`);
    return route.abort('blockedbyclient');
  });

  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}${where(msg.location())}`);
  });
  page.on('pageerror', (err) => {
    problems.push(`page error: ${err.message}`);
  });
  page.on('websocket', (ws) => {
    problems.push(`WebSocket opened to ${ws.url()}`);
  });
  page.on('requestfailed', (req) => {
    if (req.url().startsWith('file:')) {
      problems.push(`could not load ${req.url()}: ${(req.failure() || {}).errorText}`);
    }
  });

  await page.goto(reportUrl, { waitUntil: 'load', timeout: TIMEOUT_MS });
  // Charts drawn in a later frame (uPlot commits its first draw after a
  // microtask, a report may wait for requestAnimationFrame) get two frames.
  await page.evaluate(
    () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))),
  );

  charts = await page.evaluate(inspectCharts);
  if (charts.length === 0) problems.push('no element with class "chart"');
  for (const c of charts) {
    if (c.drawn > 0) continue;
    const found = c.canvases === 0 ? 'no canvas' : c.notes.join('; ');
    problems.push(`${c.label} has no drawn canvas (${found})`);
  }

  // A report whose data holds group differences shows them as rows a
  // person can read, each saying whether its interval is paired by seed.
  differences = await page.evaluate(() => {
    const data = typeof DATA === 'undefined' ? { databases: [] } : DATA;
    const expected = data.databases.reduce((n, db) => n + (db.differences || []).length, 0);
    const rows = [...document.querySelectorAll('table.differences tr')].slice(1);
    const shown = rows.filter((r) => /^(paired, \d+ pairs|unpaired, \d+ runs)$/.test(
      (r.lastElementChild || {}).textContent || '')).length;
    return { expected, rows: document.querySelectorAll('table.differences tr td:last-child').length,
             shown };
  });
  if (differences.rows !== differences.expected || differences.shown !== differences.expected) {
    problems.push(`differences: ${differences.expected} in the data, ${differences.rows} rows ` +
                  `shown, ${differences.shown} saying their pairing`);
  }

  if (screenshotArg) {
    await page.screenshot({ path: path.resolve(screenshotArg), fullPage: true });
  }
} catch (e) {
  problems.push(`browser: ${e && e.message ? e.message.split('\n')[0] : e}`);
} finally {
  if (browser) await browser.close().catch(() => {});
}

if (problems.length > 0) {
  console.error(`check_report: FAILED ${reportArg}: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
const canvases = charts.reduce((n, c) => n + c.drawn, 0);
console.log(
  `check_report: OK ${reportArg}: ${charts.length} charts checked, ${canvases} drawn canvases, ` +
    `${differences.shown} group differences shown, no errors, no network requests${screenshotArg ? `, screenshot ${screenshotArg}` : ''}`,
);
