// tests/browser/page_test.mjs CONFIG_JSON - lnob serve's web page in headless Chromium.
//
// Started by browser_test.py, which has a pipeline's Redis and `lnob serve` running; CONFIG_JSON
// names the server (base), Debian's chromium, the directory playwright-core was installed in
// (nodeDir), where the screenshot goes and the command that stores a new SILC extract (store).
// Checked against the API's own answers: the national AROP as the page rounds it, the bars and
// tables of the municipalities (the LNB filter worked with the keyboard), withheld and
// low-reliability cells, the trend table, the page's policy; no console error, no failed
// request; then a new extract is stored and the page must name it, with its number, within 2 s
// of the store. Every wait has a bound. Exits 1 with the failures listed, else 0.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const cfg = JSON.parse(process.argv[2]);
const { chromium } = createRequire(path.join(cfg.nodeDir, 'package.json'))('playwright-core');

const LOAD_MS = 30000; // the first render, with two extracts of ~0.5 MB each
const UPDATE_MS = 2000; // the page names a new extract within this of its store
const STORE_MS = 120000; // lnob run of the four UDB files
const POLL_MS = 50;
const failures = [];

function expect(ok, what, detail = '') {
  const said = typeof detail === 'string' ? detail : JSON.stringify(detail);
  if (!ok) failures.push(said === '' ? what : `${what}: ${said}`);
  return ok;
}

// ---- the API's answers, read by the test itself ------------------------------------------------

async function api(pathname, headers = {}) {
  const r = await fetch(cfg.base + pathname, { headers, signal: AbortSignal.timeout(LOAD_MS) });
  return { status: r.status, etag: r.headers.get('ETag'), body: r.status === 200 ? await r.text() : '' };
}

async function current(kind) {
  const r = await api(`/api/v1/current?kind=${kind}`);
  if (r.status !== 200) throw new Error(`/api/v1/current?kind=${kind}: ${r.status}`);
  const [id, seq] = r.etag.replace(/"/g, '').split(/\.(?=\d+$)/);
  const cells = JSON.parse(r.body);
  const cell = (ind, b = {}) =>
    cells.find((c) => c.indicator === ind && JSON.stringify(c.breakdown) === JSON.stringify(b));
  return { id, seq: Number(seq), etag: r.etag, cells, cell };
}

// Spec §0.6 publication rounding (half away from zero), as the page must show it.
function rounded(v, d) {
  const s = 10 ** d;
  return ((v < 0 ? -Math.floor(-v * s + 0.5) : Math.floor(v * s + 0.5)) / s).toFixed(d);
}

function csvCodes(text) {
  const [head, ...rows] = text.trim().split('\n');
  const at = head.split(',').indexOf('code');
  return new Set(rows.map((r) => r.split(',')[at]));
}

// ---- the page ----------------------------------------------------------------------------------

function watch(page) {
  const seen = { errors: [], active: true, series: 0 };
  const note = (what) => seen.active && seen.errors.push(what);
  page.on('request', (r) => r.url().includes('/api/v1/series') && seen.series++);
  page.on('console', (m) => m.type() === 'error' && note(`console error: ${m.text()}`));
  page.on('pageerror', (e) => note(`page error: ${e.message}`));
  page.on('requestfailed', (r) => note(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && note(`HTTP ${r.status()}: ${r.url()}`));
  return seen;
}

const text = (page, selector) => page.locator(selector).first().textContent({ timeout: LOAD_MS });

async function statusNames(page, id, seq, timeout) {
  const want = `extract ${id}, seq ${seq}`;
  try {
    await page.waitForFunction((w) => document.getElementById('status').textContent.includes(w), want,
      { timeout: Math.max(1, timeout), polling: 20 });
    return true;
  } catch {
    return false;
  }
}

async function checkHeadline(page, silc) {
  const arpr = silc.cell('arpr');
  const shown = `${rounded(arpr.value, 1)} %`;
  const card = await text(page, '[data-indicator="arpr"] .value');
  expect(card.trim() === shown, 'the national AROP card shows the API value as published', { card, shown });
  expect((await page.locator('main').innerText()).includes(shown), 'the page text contains the AROP', shown);
  const arope = (await text(page, '[data-indicator="arope"] .value')).trim();
  expect(silc.cell('arope') ? arope === `${rounded(silc.cell('arope').value, 1)} %` : arope === 'not in this extract',
    'AROPE as the extract has it', arope);
}

async function barCodes(page) {
  return page.locator('#mun-chart g.bar-row').evaluateAll((gs) => gs.map((g) => g.dataset.code));
}

// The municipalities' bars against the API's cells: each municipality with a value has a bar,
// in order of value; the table has a row per municipality shown.
async function checkBars(page, cells, figure, only) {
  const rows = cells.filter((c) => c.indicator === figure && Object.keys(c.breakdown).join() === 'municipality' &&
    c.value !== null && (!only || only.has(c.breakdown.municipality)));
  const want = rows.sort((a, b) => b.value - a.value).map((c) => c.breakdown.municipality);
  const got = await barCodes(page);
  expect(got.length === want.length && new Set(got).size === want.length && got.every((c) => want.includes(c)),
    `${figure}: one bar per municipality with a value${only ? ', LNB targets only' : ''}`, { got, want });
  const values = await page.locator('#mun-chart g.bar-row rect')
    .evaluateAll((r) => r.map((e) => Number(e.getAttribute('width'))));
  expect(values.every((w, i) => i === 0 || w <= values[i - 1]), `${figure}: bars ranked, longest first`, values);
  const tableRows = await page.locator('#mun-table tbody tr').count();
  expect(tableRows === (only ? only.size : 61), `${figure}: the table has a row per municipality shown`, tableRows);
  const u = rows.filter((c) => c.flag === 'U').map((c) => c.breakdown.municipality).sort();
  const gotU = (await page.locator('#mun-chart g.bar-row.u').evaluateAll((gs) => gs.map((g) => g.dataset.code))).sort();
  expect(JSON.stringify(u) === JSON.stringify(gotU), `${figure}: low-reliability bars marked U`, { u, gotU });
}

async function checkWithheld(page, silc, names) {
  const have = new Set(silc.cells.filter((c) => c.indicator === 'arpr' && c.breakdown.municipality)
    .map((c) => c.breakdown.municipality));
  const missing = [...names.keys()].filter((code) => !have.has(code));
  let withheld = 0;
  const said = await text(page, '#mun-missing');
  for (const code of missing) {
    const r = await api(`/api/v1/series?indicator=arpr&breakdown=municipality%3D${code}`);
    const point = JSON.parse(r.body).find((p) => p.extract === silc.id);
    if (point?.flag !== 'SUPPRESS') continue;
    withheld++;
    expect(new RegExp(`withheld[^.]*: [^.]*${names.get(code)}`).test(said), `${code} is said withheld`, said);
  }
  expect(withheld > 0, 'the demo has a withheld municipality AROP cell to show (else this check tests nothing)');
}

async function checkMunicipalities(page, mis, silc) {
  const targets = csvCodes((await api('/data/lnb_targets.csv')).body);
  const mun = (await api('/data/municipalities.csv')).body.trim().split('\n').slice(1).map((l) => l.split(','));
  const names = new Map(mun.map((r) => [r[0], r[2]]));
  expect(targets.size === 32 && names.size === 61, 'the reference tables at /data/', { t: targets.size, m: names.size });
  await checkBars(page, mis.cells, 'mis_rate1000', null);
  await page.focus('#lnb-only');
  await page.keyboard.press('Space');
  expect(await page.isChecked('#lnb-only'), 'the LNB filter is worked with the keyboard');
  await checkBars(page, mis.cells, 'mis_rate1000', targets);
  expect((await page.locator('#mun-chart g.bar-row.target').count()) === (await barCodes(page)).length,
    'every bar of the filtered chart is marked as an LNB target');
  await page.focus('input[name="mun-indicator"][value="mis_rate1000"]');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  expect(await page.isChecked('input[value="arpr"]'), 'the figure is chosen with the arrow keys');
  await checkBars(page, silc.cells, 'arpr', targets);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space'); // the filter off again: all 61
  await checkBars(page, silc.cells, 'arpr', null);
  await checkWithheld(page, silc, names);
}

async function checkTrend(page, silc) {
  const summary = page.locator('#trend-figure summary');
  await summary.focus();
  await page.keyboard.press('Enter'); // the table is in a <details>: opened with the keyboard
  const table = await page.locator('#trend-table table').innerText({ timeout: LOAD_MS });
  await page.keyboard.press('Enter');
  const series = JSON.parse((await api('/api/v1/series?indicator=arpr')).body);
  expect(series.length === 2, 'two SILC years stored', series);
  for (const p of series)
    expect(new RegExp(`${p.period}\\t[^\\n]*${rounded(p.value, 1)} %`).test(table),
      `the trend table has lnob's ${p.period} AROP`, { period: p.period, table });
  expect(/2023\t19\.7 %\t19\.8 %/.test(table), "the trend table has INSTAT's 2023 AROP, first and revised", table);
  expect(await page.locator('#trend-chart path.line.lnob').count() === 1, 'the chart draws lnob\'s line');
}

async function checkStructure(page) {
  expect(await page.getAttribute('html', 'lang') === 'en', 'lang="en"');
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  expect(/default-src 'self'/.test(csp || '') && !/unsafe/.test(csp || ''), 'a policy of self only', csp);
  const unlabelled = await page.locator('input').evaluateAll((is) => is.filter((i) => !i.labels.length).length);
  expect(unlabelled === 0, 'every control has a label', unlabelled);
  const charts = await page.locator('svg[role="img"]').evaluateAll((ss) => ss.map((s) => ({
    label: document.getElementById(s.getAttribute('aria-labelledby'))?.textContent.trim() || '',
    table: !!s.closest('figure')?.querySelector('details table'),
  })));
  expect(charts.length === 2 && charts.every((c) => c.label && c.table), 'each chart is labelled, with its table',
    charts);
  expect(await page.locator('main h2').count() === 3 && await page.locator('h1').count() === 1, 'headings');
  expect(await page.getAttribute('#status', 'aria-live') === 'polite', 'the status is a polite live region');
}

// ---- a new extract while the page is open ------------------------------------------------------------

function store() {
  return new Promise((resolve) => {
    const child = spawn(cfg.store[0], cfg.store.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), STORE_MS);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, err }); });
  });
}

// The moment the API first answers with another current SILC extract (polled), while the store runs.
async function storedAt(before, done) {
  const until = Date.now() + STORE_MS;
  while (Date.now() < until) {
    const r = await api('/api/v1/current?kind=silc', { 'If-None-Match': before });
    if (r.status === 200 && r.etag !== before) return Date.now();
    if (done.finished && Date.now() > done.finished + 5000) return null;
    await new Promise((ok) => setTimeout(ok, POLL_MS));
  }
  return null;
}

async function checkUpdate(page, before) {
  const done = {};
  const running = store().then((r) => { done.finished = Date.now(); return r; });
  const at = await storedAt(before.etag, done);
  const result = await running;
  if (!expect(result.code === 0, 'the new extract is stored', result.err.slice(-2000)) ||
      !expect(at !== null, 'the API names a new current SILC extract')) return;
  const after = await current('silc');
  expect(after.id !== before.id && after.seq > before.seq, 'a new extract with a higher number', { before, after });
  const inTime = await statusNames(page, after.id, after.seq, at + UPDATE_MS - Date.now());
  const took = Date.now() - at;
  expect(inTime, `the page names extract ${after.id}, seq ${after.seq} within ${UPDATE_MS} ms of the store`,
    await text(page, '#status'));
  if (inTime) console.log(`page_test: the page named the new extract ${took} ms after the API did`);
  expect(/^updated \d\d:\d\d:\d\d, extract /.test((await text(page, '#status')).trim()),
    'the status says "updated HH:MM:SS"');
  await checkHeadline(page, after); // AROPE appears: the UDB files have the deprivation items
}

// The policy holds: an inline script added at run time does not run.
async function checkPolicy(page) {
  const ran = await page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('securitypolicyviolation', () => resolve(window.inlineRan === true), { once: true });
    const s = document.createElement('script');
    s.textContent = 'window.inlineRan = true;';
    document.head.append(s);
    setTimeout(() => resolve(window.inlineRan === true ? true : 'no violation reported'), 2000);
  }));
  expect(ran === false, 'an inline script is refused by the page\'s policy', ran);
}

async function main() {
  const browser = await chromium.launch({ executablePath: cfg.chromium, headless: true, timeout: LOAD_MS,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.setDefaultTimeout(LOAD_MS);
    const seen = watch(page);
    const [silc, mis] = [await current('silc'), await current('mis')];
    await page.goto(`${cfg.base}/`, { waitUntil: 'load', timeout: LOAD_MS });
    expect(await statusNames(page, silc.id, silc.seq, LOAD_MS), 'the page loads the current extracts',
      await text(page, '#status'));
    expect(seen.series === 1, 'one /series request (the trend), not one per municipality', seen.series);
    await checkStructure(page);
    await checkHeadline(page, silc);
    await checkMunicipalities(page, mis, silc);
    await checkTrend(page, silc);
    await checkUpdate(page, silc);
    await page.evaluate(() => document.activeElement?.blur());
    await page.screenshot({ path: cfg.screenshot, fullPage: true, timeout: LOAD_MS });
    seen.active = false;
    expect(seen.errors.length === 0, 'no console error, page error or failed request', seen.errors);
    await checkPolicy(page);
  } finally {
    await browser.close();
  }
  if (failures.length) {
    console.error(`page_test: FAIL\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`page_test: ok (screenshot ${cfg.screenshot})`);
}

main().catch((e) => {
  console.error(`page_test: FAIL: ${e.stack || e}`);
  process.exit(1);
});
