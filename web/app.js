// web/app.js - the logic of lnob serve's page (web/index.html): reads the current official
// extracts from /api/v1 (docs/dashboards.md) and the reference tables from /data/, draws the
// national headline figures, the 61 municipalities as ranked bars and AROP over the years (each
// chart with a table of the same numbers), and follows /api/v1/events to draw again when an
// extract is published or removed. Plain DOM and SVG, no library; it writes text only
// (textContent), never markup. A cell flagged SUPPRESS has no value on the API: the page asks
// /api/v1/current with withheld=1, which lists such cells with value null, and says "withheld";
// a cell the extract does not have at all is absent (an MIS municipality that sent no export).
// Not for: anything the server computes.

const SVG_NS = 'http://www.w3.org/2000/svg';
const CHANNEL = 'official';
const OPEN_WAIT_MS = 3000; // load even if the event stream is slow to open
const LNB_TARGETS = 32;

// ---- what the page shows -------------------------------------------------------------

const HEADLINE = {
  silc: [
    { id: 'arpr', label: 'At-risk-of-poverty rate (AROP)',
      note: 'persons whose equivalised income is below 60 % of the national median' },
    { id: 'arope', label: 'At risk of poverty or social exclusion (AROPE)',
      note: 'at risk of poverty, severely deprived, or in a household of very low work intensity' },
    { id: 'smsd', label: 'Severe material and social deprivation',
      note: 'persons lacking at least 7 of 13 items for want of money' },
    { id: 'lwi', label: 'Very low work intensity',
      note: 'persons aged 0-64 in households whose adults worked 20 % of their potential or less' },
    { id: 'gini', label: 'Gini coefficient', note: 'income inequality, from 0 (equal) to 100' },
    { id: 'qsr', label: 'Income quintile share ratio (S80/S20)',
      note: 'income of the richest fifth over that of the poorest fifth' },
    { id: 'median', label: 'Median equivalised income', note: 'per year' },
    { id: 'arpt', label: 'At-risk-of-poverty threshold', note: '60 % of the median, for one person, per year' },
  ],
  mis: [
    { id: 'mis_ben_all', label: 'Persons receiving social care',
      note: 'distinct persons with an active record, in the municipalities that reported' },
    { id: 'mis_share3', label: 'Vulnerable beneficiaries receiving 3 or more services',
      note: 'the programme aims at 33 % in each municipality' },
    { id: 'mis_mun33', label: 'Municipalities meeting the 33 % bar', of: (c) => `of ${c.n} that reported` },
    { id: 'mis_mun33_pct', breakdown: 'base=lnb_targets', label: 'LNB target municipalities meeting the 33 % bar',
      note: `share of the ${LNB_TARGETS} targets, counting those that did not report as not meeting it` },
  ],
};

const UNITS = {
  arpr: '%', arope: '%', smsd: '%', lwi: '%', gini: '%', median: 'ALL', arpt: 'ALL',
  mis_share3: '%', mis_mun33_pct: '%', mis_ben_all: 'persons',
};

const MUN_FIGURES = {
  mis_rate1000: { kind: 'mis', title: 'Social-care beneficiaries per 1,000 residents', unit: '' },
  mis_share3: { kind: 'mis', title: 'Vulnerable beneficiaries receiving 3 or more services', unit: '%', bar: 33 },
  arpr: { kind: 'silc', title: 'At-risk-of-poverty rate', unit: '%' },
};

const state = {
  refs: null, // { municipalities: [{ code, name }], targets: Set of codes, published: rows }
  current: { silc: null, mis: null }, // { id, seq, period, index }
  extracts: new Map(), // extract id -> index of cells, for the years before the current one
  series: [],
  view: { figure: 'mis_rate1000', lnbOnly: false },
};

// ---- numbers ---------------------------------------------------------------------------

// Publication rounding of spec §0.6 (half away from zero): 0 decimals for ALL amounts and
// counts, 2 for QSR, 1 for rates and the rest; as `lnob run --format table` prints them.
function decimals(id) {
  const base = id.replace(/_BC0$/, '');
  if (base === 'median' || base === 'mean' || base.startsWith('arpt')) return 0;
  if (['mis_ben_all', 'mis_ben', 'mis_mun33', 'mis_nserv'].includes(base)) return 0;
  return base === 'qsr' ? 2 : 1;
}

function roundHalfAway(v, d) {
  const scale = 10 ** d;
  return (v < 0 ? -Math.floor(-v * scale + 0.5) : Math.floor(v * scale + 0.5)) / scale;
}

function numberText(v, d) {
  return new Intl.NumberFormat('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d })
    .format(roundHalfAway(v, d));
}

function valueText(id, v, unit = UNITS[id.replace(/_BC0$/, '')]) {
  const n = numberText(v, decimals(id));
  return unit ? `${n} ${unit}` : n;
}

// ---- the page's own requests -------------------------------------------------------------

// The answer of path; 404 (nothing there yet) and 403 (an extract not for publication) are
// states to show, not errors.
async function getJson(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  if (r.status === 404 || r.status === 403) return { status: r.status, body: null, etag: '' };
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return { status: r.status, body: await r.json(), etag: r.headers.get('ETag') || '' };
}

async function getText(path) {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.text();
}

// RFC 4180 CSV (quoted fields, doubled quotes) into objects keyed by the header row.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') field += text[i++];
    else if (c === '"') quoted = !quoted;
    else if (quoted || (c !== ',' && c !== '\n' && c !== '\r')) field += c;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
  }
  if (field || row.length) rows.push([...row, field]);
  const [head, ...body] = rows;
  return body.filter((r) => r.length === head.length).map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

async function loadRefs() {
  const [mun, targets, published] = await Promise.all(
    ['municipalities', 'lnb_targets', 'silc_published'].map((t) => getText(`/data/${t}.csv`).then(parseCsv)));
  return {
    municipalities: mun.map((m) => ({ code: m.code, name: m.name })),
    targets: new Set(targets.map((t) => t.code)),
    published,
  };
}

function breakdownKey(breakdown) {
  return Object.keys(breakdown).map((k) => `${k}=${breakdown[k]}`).join(',');
}

const cellKey = (c) => `${c.indicator}|${breakdownKey(c.breakdown)}`;

// The published cells by indicator|breakdown (a withheld one, value null, is not among them).
function indexCells(cells) {
  const index = new Map();
  for (const c of cells) if (c.flag !== 'SUPPRESS') index.set(cellKey(c), c);
  return index;
}

// The current extract of kind, named by the answer's ETag ("<id>.<seq>"); null when none is.
async function loadCurrent(kind) {
  const r = await getJson(`/api/v1/current?kind=${kind}&channel=${CHANNEL}&withheld=1`);
  if (r.status !== 200) return null;
  const tag = r.etag.replace(/^W\//, '').replace(/"/g, '');
  const dot = tag.lastIndexOf('.');
  const id = tag.slice(0, dot);
  const withheld = new Set(r.body.filter((c) => c.flag === 'SUPPRESS').map(cellKey));
  return { kind, id, seq: Number(tag.slice(dot + 1)), period: id.split('-')[1], index: indexCells(r.body), withheld };
}

// The flag of a cell of the current extract: its own when published, SUPPRESS when withheld,
// 'NONE' when the extract has no such cell.
function flagSeen(cur, indicator, breakdown) {
  const key = `${indicator}|${breakdown}`;
  const cell = cur.index.get(key);
  return cell ? cell.flag : cur.withheld.has(key) ? 'SUPPRESS' : 'NONE';
}

// Why a cell is not published, in words: withheld (SUPPRESS), not for publication, or absent.
function withheldWhy(kind, flag) {
  if (flag === 'SUPPRESS')
    return kind === 'silc' ? 'withheld (too few persons of the sample)'
      : 'withheld (small numbers: disclosure control)';
  return flag && flag !== 'NONE' && flag !== 'OK' && flag !== 'U' ? `not published (${flag})` : '';
}

// AROP over the years, and the cells of each year's extract for the pooled lines.
async function loadTrend() {
  const { body } = await getJson(`/api/v1/series?indicator=arpr&kind=silc&channel=${CHANNEL}`);
  state.series = body || [];
  const cur = state.current.silc;
  if (cur) state.extracts.set(cur.id, cur.index);
  for (const p of state.series) {
    if (state.extracts.has(p.extract)) continue;
    const r = await getJson(`/api/v1/extracts/${encodeURIComponent(p.extract)}`);
    if (r.body) state.extracts.set(p.extract, indexCells(r.body));
  }
  const kept = new Set(state.series.map((p) => p.extract));
  for (const id of state.extracts.keys()) if (!kept.has(id)) state.extracts.delete(id);
}

// ---- DOM helpers -------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, v);
  e.append(...children.filter((c) => c !== undefined && c !== null));
  return e;
}

function sv(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, v);
  e.append(...children.filter((c) => c !== undefined && c !== null));
  return e;
}

function uMark() {
  return el('abbr', { class: 'flag-u', title: 'low reliability' }, 'U');
}

function table(caption, head, rows) {
  return el('table', {}, el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {},
      ...r.map((v, i) => el(i ? 'td' : 'th', i ? {} : { scope: 'row' }, v))))));
}

// A round step for about `count` ticks up to max, and the axis end it gives.
function ticks(max, count = 5) {
  const raw = (max > 0 ? max : 1) / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw);
  const end = Math.ceil((max > 0 ? max : 1) / step) * step;
  return { step, end, values: Array.from({ length: Math.round(end / step) + 1 }, (_, i) => i * step) };
}

function clock() {
  return new Date().toTimeString().slice(0, 8);
}

// ---- national headline figures -------------------------------------------------------------

// The cell of a headline figure; a bottom-coded extract has `<id>_BC0` instead of `<id>`.
function headlineCell(cur, def) {
  const b = def.breakdown || '';
  return cur.index.get(`${def.id}|${b}`) || cur.index.get(`${def.id}_BC0|${b}`);
}

function cardValue(cur, def, cell) {
  if (cell && cell.value !== null) {
    const v = el('dd', { class: 'value' }, valueText(cell.indicator, cell.value));
    if (cell.flag === 'U') v.append(' ', uMark());
    return v;
  }
  if (cell) return el('dd', { class: 'value absent' }, 'no value');
  const flag = flagSeen(cur, def.id, def.breakdown || '');
  if (flag === 'SUPPRESS') return el('dd', { class: 'value withheld' }, 'withheld');
  if (withheldWhy(cur.kind, flag)) return el('dd', { class: 'value withheld' }, 'not published');
  return el('dd', { class: 'value absent' }, 'not in this extract');
}

function cardNote(cur, def, cell) {
  const why = cell ? '' : withheldWhy(cur.kind, flagSeen(cur, def.id, def.breakdown || ''));
  if (why) return `${why}: no number is published for it`;
  if (!cell) return "this extract's input has no data for it";
  const parts = [def.of ? def.of(cell) : def.note];
  if (cell.value === null) parts.push(`undefined here (${cell.diagnostic || 'no diagnostic'})`);
  if (cell.flag === 'U') parts.push(`U: low reliability, only ${cell.n} persons of the sample: read with care`);
  if (cell.indicator.endsWith('_BC0')) parts.push('negative incomes counted as 0');
  if (cur.kind === 'silc') parts.push(`${numberText(cell.n, 0)} persons in the sample`);
  return parts.join('; ');
}

function renderHeadline(kind) {
  const cur = state.current[kind];
  const box = document.getElementById(`headline-${kind}`);
  const source = document.getElementById(`${kind}-source`);
  const what = kind === 'silc' ? 'Income and living conditions (EU-SILC)'
    : 'Social-care coverage (municipal MIS exports)';
  if (!cur) {
    source.textContent = `${what}: no published ${kind.toUpperCase()} extract is current.`;
    box.replaceChildren();
    return;
  }
  source.textContent = `${what}, year ${cur.period}: extract ${cur.id}, publication ${cur.seq}.`;
  box.replaceChildren(...HEADLINE[kind].map((def) => {
    const cell = headlineCell(cur, def);
    return el('div', { class: 'card', 'data-indicator': def.id },
      el('dt', {}, def.label), cardValue(cur, def, cell), el('dd', { class: 'note' }, cardNote(cur, def, cell)));
  }));
}

// ---- municipalities --------------------------------------------------------------------------

function whyNoValue(cur, figure, code, cell) {
  const b = `municipality=${code}`;
  if (cell && cell.value === null)
    return cell.diagnostic === 'NO_POPULATION' ? 'no population figure to divide by' : `undefined (${cell.diagnostic})`;
  const why = withheldWhy(cur.kind, flagSeen(cur, figure, b));
  if (why) return why;
  if (cur.kind === 'silc') return 'nobody of the sample lives there';
  return flagSeen(cur, 'mis_ben_all', b) === 'NONE' ? 'no MIS export from it in this extract' : 'none computed for it';
}

// One row per municipality shown: its figure, or why it has none.
function munRows(figure) {
  const cur = state.current[MUN_FIGURES[figure].kind];
  return state.refs.municipalities
    .filter((m) => !state.view.lnbOnly || state.refs.targets.has(m.code))
    .map((m) => {
      const cell = cur.index.get(`${figure}|municipality=${m.code}`);
      const has = cell && cell.value !== null;
      return { ...m, target: state.refs.targets.has(m.code), cell: has ? cell : null,
        why: has ? '' : whyNoValue(cur, figure, m.code, cell) };
    });
}

function barLabel(figure, row) {
  return valueText(figure, row.cell.value, MUN_FIGURES[figure].unit) + (row.cell.flag === 'U' ? ' U' : '');
}

function barChart(figure, rows) {
  const W = 760, LABEL = 200, VALUE = 90, ROW = 22, TOP = 30;
  const fig = MUN_FIGURES[figure];
  const axis = ticks(Math.max(fig.bar || 0, ...rows.map((r) => r.cell.value)));
  const x = (v) => LABEL + (v / axis.end) * (W - LABEL - VALUE);
  const H = TOP + rows.length * ROW + 8;
  const svg = sv('svg', { viewBox: `0 0 ${W} ${H}`, class: 'bars', role: 'img', 'aria-labelledby': 'mun-caption' });
  for (const t of axis.values)
    svg.append(sv('line', { class: 'grid', x1: x(t), x2: x(t), y1: TOP - 6, y2: H - 8 }),
      sv('text', { class: 'tick', x: x(t), y: TOP - 12, 'text-anchor': 'middle' }, numberText(t, t % 1 ? 1 : 0)));
  rows.forEach((r, i) => {
    const y = TOP + i * ROW;
    const cls = `bar-row${r.target ? ' target' : ''}${r.cell.flag === 'U' ? ' u' : ''}`;
    svg.append(sv('g', { class: cls, 'data-code': r.code },
      sv('text', { class: 'name', x: LABEL - 8, y: y + 15, 'text-anchor': 'end' }, (r.target ? '◆ ' : '') + r.name),
      sv('rect', { class: 'bar', x: LABEL, y: y + 4, width: Math.max(1, x(r.cell.value) - LABEL), height: ROW - 8 }),
      sv('text', { class: 'val', x: x(r.cell.value) + 6, y: y + 15 }, barLabel(figure, r))));
  });
  if (fig.bar)
    svg.append(sv('line', { class: 'goal', x1: x(fig.bar), x2: x(fig.bar), y1: TOP - 6, y2: H - 8 }),
      sv('text', { class: 'goal-label', x: x(fig.bar) + 4, y: H - 12 }, `${fig.bar} % bar`));
  return svg;
}

function missingText(rows) {
  const groups = new Map();
  for (const r of rows) if (!r.cell) groups.set(r.why, [...(groups.get(r.why) || []), r.name]);
  return [...groups].map(([why, names]) => `${names.length} without a figure, ${why}: ${names.join(', ')}.`).join(' ');
}

function munTable(figure, ranked, rest) {
  const rows = [...ranked, ...rest].map((r, i) => [
    r.name, r.code, r.target ? 'yes' : 'no', r.cell ? String(i + 1) : '',
    r.cell ? barLabel(figure, r) : r.why, r.cell ? numberText(r.cell.n, 0) : '']);
  const head = ['Municipality', 'Code', 'LNB target', 'Rank', 'Figure', 'Persons (n)'];
  return table(MUN_FIGURES[figure].title, head, rows);
}

function renderMunicipalities() {
  const figure = state.view.figure;
  const fig = MUN_FIGURES[figure];
  const cur = state.current[fig.kind];
  const caption = document.getElementById('mun-caption');
  const parts = ['mun-chart', 'mun-missing', 'mun-table'].map((id) => document.getElementById(id));
  if (!cur || !state.refs) {
    caption.textContent = `${fig.title}: no published ${fig.kind.toUpperCase()} extract is current.`;
    parts.forEach((p) => p.replaceChildren());
    parts[2].append(el('p', {}, 'No figures.'));
    return;
  }
  const rows = munRows(figure);
  const ranked = rows.filter((r) => r.cell).sort((a, b) => b.cell.value - a.cell.value || a.name.localeCompare(b.name));
  const rest = rows.filter((r) => !r.cell);
  const which = `the ${rows.length}${state.view.lnbOnly ? ' LNB target' : ''} municipalities`;
  caption.textContent = `${fig.title}, ${which}, highest first: ${ranked.length} with a figure ` +
    `(extract ${cur.id}, year ${cur.period}). ◆ marks an LNB target municipality; U, low reliability.`;
  parts[0].replaceChildren(ranked.length ? barChart(figure, ranked) : el('p', {}, 'No municipality has a figure.'));
  parts[1].textContent = missingText(rest);
  parts[2].replaceChildren(munTable(figure, ranked, rest));
}

// ---- AROP over the years -------------------------------------------------------------------------

// AROP pooled over the published municipality cells of codes (weighted by their population
// weight): exact for those municipalities together; withheld cells are not in it.
function pooled(index, codes) {
  let w = 0, vw = 0, k = 0;
  for (const code of codes) {
    const c = index.get(`arpr|municipality=${code}`);
    if (!c || c.value === null) continue;
    w += c.weight;
    vw += c.value * c.weight;
    k++;
  }
  return k && w > 0 ? { value: vw / w, k } : null;
}

function trendLines() {
  const published = (vintage) => state.refs.published
    .filter((r) => r.indicator === 'arop_rate' && r.vintage === vintage)
    .map((r) => ({ year: Number(r.survey_year), value: Number(r.value) }));
  const codes = state.refs.municipalities.map((m) => m.code);
  const groups = [codes.filter((c) => state.refs.targets.has(c)), codes.filter((c) => !state.refs.targets.has(c))];
  const own = (f) => state.series.map((p) => ({ year: Number(p.period), ...f(p) }));
  const pool = (g) => own((p) => {
    const index = state.extracts.get(p.extract);
    const r = index && pooled(index, g);
    return r ? { value: r.value, k: r.k, of: g.length } : { value: null };
  });
  return [
    { key: 'instat', label: "INSTAT's published AROP, first release", points: published('first_release') },
    { key: 'revised', label: "INSTAT's figure as revised in its 2024 release",
      points: published('revised_in_2024_release') },
    { key: 'lnob', label: "lnob: national AROP of each year's current extract here",
      points: own((p) => ({ value: p.value, flag: p.flag })) },
    { key: 'targets', label: 'lnob: the LNB target municipalities pooled (their published cells)',
      points: pool(groups[0]) },
    { key: 'others', label: 'lnob: the other municipalities pooled (their published cells)', points: pool(groups[1]) },
  ];
}

function marker(key, cx, cy) {
  const r = 4.5;
  if (key === 'lnob') return sv('rect', { class: `mk ${key}`, x: cx - r, y: cy - r, width: 2 * r, height: 2 * r });
  const s = r + 1;
  if (key === 'targets') return sv('path', { class: `mk ${key}`, d: `M${cx},${cy - s}l${s},${s}l${-s},${s}l${-s},${-s}z` });
  if (key === 'others') return sv('path', { class: `mk ${key}`, d: `M${cx},${cy - s}l${s},${2 * s}h${-2 * s}z` });
  return sv('circle', { class: `mk ${key}`, cx, cy, r });
}

function linePath(points, x, y) {
  let d = '', pen = 'M';
  for (const p of points) {
    if (p.value === null) { pen = 'M'; continue; }
    d += `${pen}${x(p.year)},${y(p.value)}`;
    pen = 'L';
  }
  return d;
}

function trendChart(lines) {
  const W = 760, H = 320, L = 52, R = 20, T = 16, B = 40;
  const all = lines.flatMap((l) => l.points).filter((p) => p.value !== null);
  const years = all.map((p) => p.year);
  const y0 = Math.min(...years), y1 = Math.max(...years);
  const axis = ticks(Math.max(...all.map((p) => p.value)) * 1.1);
  const x = (yr) => L + (y1 === y0 ? 0.5 : (yr - y0) / (y1 - y0)) * (W - L - R);
  const y = (v) => T + (1 - v / axis.end) * (H - T - B);
  const svg = sv('svg', { viewBox: `0 0 ${W} ${H}`, class: 'trend', role: 'img', 'aria-labelledby': 'trend-caption' });
  for (const t of axis.values)
    svg.append(sv('line', { class: 'grid', x1: L, x2: W - R, y1: y(t), y2: y(t) }),
      sv('text', { class: 'tick', x: L - 8, y: y(t) + 4, 'text-anchor': 'end' }, `${numberText(t, 0)} %`));
  for (let yr = y0; yr <= y1; yr++)
    svg.append(sv('text', { class: 'tick', x: x(yr), y: H - B + 20, 'text-anchor': 'middle' }, String(yr)));
  for (const l of lines) {
    svg.append(sv('path', { class: `line ${l.key}`, d: linePath(l.points, x, y) }));
    for (const p of l.points.filter((q) => q.value !== null)) {
      svg.append(marker(l.key, x(p.year), y(p.value)));
      if (p.flag === 'U') svg.append(sv('text', { class: 'u-label', x: x(p.year) + 7, y: y(p.value) - 6 }, 'U'));
    }
  }
  return svg;
}

function legend(lines) {
  return lines.map((l) => el('li', {}, sv('svg', { viewBox: '0 0 36 14', class: 'swatch', 'aria-hidden': 'true' },
    sv('path', { class: `line ${l.key}`, d: 'M2,7H34' }), marker(l.key, 18, 7)), ` ${l.label}`));
}

function trendCell(line, year) {
  const p = line.points.find((q) => q.year === year);
  if (!p) return '';
  if (p.value === null) return p.flag === 'SUPPRESS' ? 'withheld' : withheldWhy('silc', p.flag) || 'no value';
  const text = valueText('arpr', p.value);
  return text + (p.flag === 'U' ? ' U (low reliability)' : '') + (p.k ? ` (${p.k} of ${p.of} municipalities)` : '');
}

function renderTrend() {
  const lines = trendLines();
  const years = [...new Set(lines.flatMap((l) => l.points.map((p) => p.year)))].sort();
  document.getElementById('trend-caption').textContent = 'At-risk-of-poverty rate (AROP), %, by survey year: ' +
    "INSTAT's published national figures against the figures lnob computed from the extracts stored here.";
  const drawn = lines.filter((l) => l.points.some((p) => p.value !== null));
  const chart = drawn.length ? trendChart(drawn) : el('p', {}, 'No figures yet.');
  document.getElementById('trend-chart').replaceChildren(chart);
  document.getElementById('trend-legend').replaceChildren(...legend(drawn));
  const rows = years.map((yr) => [String(yr), ...lines.map((l) => trendCell(l, yr))]);
  document.getElementById('trend-table').replaceChildren(
    table('AROP, %, by survey year', ['Year', ...lines.map((l) => l.label)], rows));
  document.getElementById('trend-notes').textContent = "lnob's lines are computed from whatever input files were " +
    'run into this store (with the shipped sample data, generated households, not INSTAT\'s survey), each year from ' +
    'its current official extract; they match INSTAT only for the same survey file. The pooled lines combine the ' +
    'municipality cells that are published, weighted by their population weights; withheld cells are left out, ' +
    'so they are not official estimates.';
}

// ---- loading and live updates -------------------------------------------------------------------

function render() {
  renderHeadline('silc');
  renderHeadline('mis');
  renderMunicipalities();
  renderTrend();
}

function say(text) {
  document.getElementById('status').textContent = text;
}

async function refresh(kinds, verb) {
  if (!state.refs) state.refs = await loadRefs();
  for (const kind of kinds) {
    state.current[kind] = await loadCurrent(kind);
  }
  if (kinds.includes('silc')) await loadTrend();
  render();
  const said = kinds.map((k) => state.current[k] ? `extract ${state.current[k].id}, seq ${state.current[k].seq}`
    : `no current ${k.toUpperCase()} extract`);
  say(`${verb} ${clock()}, ${said.join('; ')}`);
}

const queue = { kinds: new Set(), busy: false, loaded: false };

// Refreshes kinds, one refresh at a time; what is asked meanwhile follows in the next round.
async function request(kinds) {
  kinds.forEach((k) => queue.kinds.add(k));
  if (queue.busy) return;
  queue.busy = true;
  try {
    while (queue.kinds.size) {
      const now = [...queue.kinds];
      queue.kinds.clear();
      await refresh(now, queue.loaded ? 'updated' : 'loaded');
      queue.loaded = true;
    }
  } catch (e) {
    say(`The figures could not be read (${e.message}); the page tries again with the next publication.`);
    console.error(e);
  } finally {
    queue.busy = false;
  }
}

function listen() {
  const live = document.getElementById('live');
  const events = new EventSource(`/api/v1/events?channel=${CHANNEL}`);
  const fallback = setTimeout(() => request(['silc', 'mis']), OPEN_WAIT_MS);
  events.addEventListener('open', () => {
    clearTimeout(fallback);
    live.textContent = 'Live updates: on. New publications are shown as they are stored.';
    request(['silc', 'mis']); // from the moment the stream is open no publication is missed
  });
  events.addEventListener('error', () => {
    live.textContent = 'Live updates: reconnecting… (the page catches up when the server answers)';
  });
  const onEvent = (e) => {
    const kind = JSON.parse(e.data).kind;
    if (kind === 'silc' || kind === 'mis') request([kind]);
  };
  events.addEventListener('publication', onEvent);
  events.addEventListener('removed', onEvent);
}

function controls() {
  const form = document.getElementById('mun-controls');
  form.addEventListener('submit', (e) => e.preventDefault());
  const read = () => {
    state.view.figure = form.elements['mun-indicator'].value;
    state.view.lnbOnly = form.elements['lnb-only'].checked;
  };
  form.addEventListener('change', () => {
    read();
    if (queue.loaded) renderMunicipalities();
  });
  read();
}

controls();
listen();
