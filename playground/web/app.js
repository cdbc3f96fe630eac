// cadet playground: the page around the WebAssembly build of cadet-core.
// Plain ES module, no dependencies; everything runs locally.

import init, { Playground, defaultPack, profiles, version, vrl } from './cadet_playground.js';
import { EXAMPLES, GROUPS } from './examples.js';

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
};

const MAX_ROWS = 1000; // table rows rendered; the enriched output has every record
const FALLBACK_PROFILES = ['cadet', 'qradar-t1609', 'elastic-t1609', 'qradar-t1059-013'];
const FLAG_LABELS = {
  privileged_container: 'privileged',
  host_mount: 'host mount',
  container_exec: 'container exec',
  secrets_access: 'secrets',
  escape: 'escape',
};

const state = {
  pg: null,          // Playground (wasm)
  pack: '',          // the default pack text
  profilesOf: null,  // the pack (text, null: default) whose profiles the selector lists
  last: null,        // last analysis that loaded (shown while the rules are broken)
  lastRecords: null, // the records text it scored
  lastRules: null,   // and the pack (null: default) and profile it scored them with
  lastProfile: null,
  lastError: null,   // current rule error
  open: new Set(),   // record lines whose detail row is open
  broken: false,     // the wasm instance trapped
};

// ---------------------------------------------------------------- helpers

function debounce(fn, ms) {
  let t = 0;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

function rulesArg() {
  const text = $('rules').value;
  return text === state.pack ? null : text;
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function fatal(message, { reload = false } = {}) {
  const box = $('fatal');
  box.replaceChildren(document.createTextNode(message));
  if (reload) {
    const b = el('button', { class: 'btn', type: 'button', text: 'Reload with this state' });
    b.onclick = async () => { location.hash = await shareFragment(); location.reload(); };
    box.append(b);
  }
  box.hidden = false;
}

// ASCII-only lower-casing keeps string offsets intact (unlike toLowerCase on all of Unicode).
const asciiLower = (s) => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
const isWord = (c) => c !== undefined && /[A-Za-z0-9_]/.test(c);

// The spans of `text` where an indicator occurs (as written, or JSON-escaped),
// case-insensitively and not inside a longer word.
function indicatorSpans(text, indicators) {
  const hay = asciiLower(text);
  const spans = [];
  const missing = [];
  for (const ind of indicators || []) {
    if (!ind) continue;
    let found = false;
    const forms = new Set([ind, JSON.stringify(ind).slice(1, -1), encodeURIComponent(ind)]);
    // `field=value` evidence (audit events): the JSON member it came from.
    const kv = /^([A-Za-z_][\w.-]*)=(.+)$/.exec(ind);
    if (kv) {
      const key = kv[1].split('.').pop();
      forms.add(`"${key}":${kv[2]}`);
      forms.add(`"${key}":${JSON.stringify(kv[2])}`);
    }
    for (const form of forms) {
      const needle = asciiLower(form);
      for (let at = hay.indexOf(needle); at !== -1; at = hay.indexOf(needle, at + 1)) {
        const end = at + needle.length;
        if (isWord(needle[0]) && isWord(hay[at - 1])) continue;
        if (isWord(needle[needle.length - 1]) && isWord(hay[end])) continue;
        spans.push([at, end]);
        found = true;
      }
    }
    if (!found) missing.push(ind);
  }
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else merged.push([...s]);
  }
  return { spans: merged, missing };
}

// The record with its indicators marked. A long record that is not opened starts
// a little before its first indicator, so the evidence is in view.
function highlighted(text, indicators, whole) {
  const { spans, missing } = indicatorSpans(text, indicators);
  const frag = document.createDocumentFragment();
  let pos = 0;
  if (!whole && spans.length && spans[0][0] > 160) {
    const first = spans[0][0];
    pos = Math.max(text.lastIndexOf(',', first - 60) + 1, first - 200);
    frag.append(el('span', { class: 'elided', text: '…' }));
  }
  for (const [a, b] of spans) {
    if (b <= pos) continue;
    if (a > pos) frag.append(text.slice(pos, a));
    frag.append(el('mark', { text: text.slice(a, b) }));
    pos = b;
  }
  if (pos < text.length) frag.append(text.slice(pos));
  return { frag, missing };
}

// ---------------------------------------------------------------- share links

function toB64url(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(s) {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pipe(bytes, stream) {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
}

function currentState() {
  const s = { v: 1, p: $('profile').value, r: $('records').value };
  const rules = rulesArg();
  if (rules !== null) s.k = rules;
  return s;
}

// `s=z<deflate-raw, base64url>` (or `s=j<base64url>` where CompressionStream is missing).
async function shareFragment() {
  const json = new TextEncoder().encode(JSON.stringify(currentState()));
  if (typeof CompressionStream === 'function') {
    return 's=z' + toB64url(await pipe(json, new CompressionStream('deflate-raw')));
  }
  return 's=j' + toB64url(json);
}

async function readFragment(hash) {
  const m = /^#?s=([zj])([A-Za-z0-9_-]*)$/.exec(hash);
  if (!m) return null;
  let bytes = fromB64url(m[2]);
  if (m[1] === 'z') bytes = await pipe(bytes, new DecompressionStream('deflate-raw'));
  const s = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof s !== 'object' || s === null || typeof s.r !== 'string') throw new Error('not a playground state');
  return s;
}

async function applyFragment(hash) {
  if (!hash || hash === '#') return false;
  try {
    const s = await readFragment(hash);
    if (!s) return false;
    $('records').value = s.r;
    $('rules').value = typeof s.k === 'string' ? s.k : state.pack;
    if (typeof s.p === 'string') setProfile(s.p);
    return true;
  } catch (e) {
    fatal(`This share link could not be read (${e.message || e}); showing the default state instead.`);
    return false;
  }
}

// ---------------------------------------------------------------- profiles

function setProfile(name) {
  const sel = $('profile');
  if (![...sel.options].some((o) => o.value === name)) sel.append(el('option', { value: name, text: name }));
  sel.value = name;
  describeProfile();
}

function describeProfile() {
  const opt = $('profile').selectedOptions[0];
  const text = opt?.dataset.description || '';
  $('profile').title = text || 'Which detection the rules reproduce';
  $('profile-desc').textContent = text ? `Profile ${opt.value}: ${text}` : '';
}

// The profile selector lists the profiles of the pack in force (the default pack,
// or the edited one once it loads); the current choice is kept when it still exists.
function fillProfiles(rules = null) {
  const sel = $('profile');
  const current = sel.value;
  let list = [];
  try {
    const res = profiles(rules);
    list = res.profiles;
  } catch (e) {
    console.error(e);
  }
  if (!list.length && rules !== null) return;
  if (!list.length) list = FALLBACK_PROFILES.map((name) => ({ name, description: '' }));
  state.profilesOf = rules;
  sel.replaceChildren(...list.map((p) => {
    const o = el('option', { value: p.name, text: p.name });
    o.dataset.description = p.description;
    return o;
  }));
  if (current && !list.some((p) => p.name === current)) {
    sel.append(el('option', { value: current, text: `${current} (not in this pack)`, 'data-stale': 'true' }));
  }
  sel.value = current || (list.some((p) => p.name === 'cadet') ? 'cadet' : list[0].name);
  describeProfile();
}

// ---------------------------------------------------------------- rules editor

// Line numbers beside a text area; `marks` maps a line to a class (error, severity).
function paintGutter(textareaId, gutterId, marks = new Map()) {
  const ta = $(textareaId);
  const lines = ta.value.split('\n').length;
  let html = '';
  for (let i = 1; i <= lines; i++) {
    const c = marks.get(i);
    html += (c ? `<span class="${c}">${i}</span>` : String(i)) + '\n';
  }
  const gutter = $(gutterId);
  gutter.innerHTML = html + '\n';
  gutter.scrollTop = ta.scrollTop;
}

function paintRulesGutter() {
  const line = state.lastError?.line;
  paintGutter('rules', 'rules-gutter', line ? new Map([[line, 'gerr']]) : undefined);
  placeErrorLine(line);
}

function paintRecordsGutter() {
  const marks = new Map();
  const a = state.last;
  if (a && !state.lastError) {
    a.verdicts.forEach((v, i) => {
      if (v.error) marks.set(a.lines[i], 'g-error');
      else if (v.matched && v.severity !== 'none') marks.set(a.lines[i], `g-${v.severity}`);
    });
  }
  paintGutter('records', 'records-gutter', marks);
}

function placeErrorLine(line = state.lastError?.line) {
  const band = $('rules-errline');
  if (!line) { band.hidden = true; return; }
  const ta = $('rules');
  const lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
  const padTop = parseFloat(getComputedStyle(ta).paddingTop) || 8;
  band.style.top = `${padTop + (line - 1) * lh - ta.scrollTop}px`;
  band.hidden = false;
}

function goToLine(line) {
  const ta = $('rules');
  const lines = ta.value.split('\n');
  let start = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
  const end = start + (lines[line - 1] || '').length;
  ta.focus();
  ta.setSelectionRange(start, end);
  const lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
  ta.scrollTop = Math.max(0, (line - 4) * lh);
  $('rules-gutter').scrollTop = ta.scrollTop;
  placeErrorLine();
}

function showRuleError(err) {
  state.lastError = err;
  const box = $('rules-error');
  const status = $('rules-status');
  const edited = rulesArg() !== null;
  if (!err) {
    box.hidden = true;
    box.replaceChildren();
    status.textContent = edited ? 'edited' : 'default pack';
    status.className = 'pill' + (edited ? ' edited' : '');
  } else {
    const where = [err.file, err.line ? `line ${err.line}` : null, err.rule ? `rule ${err.rule}` : null].filter(Boolean).join(' · ');
    const w = el('span', { class: 'where', text: where, title: err.line ? 'Go to the line' : '' });
    if (err.line) w.onclick = () => goToLine(err.line);
    box.replaceChildren(el('strong', { text: 'Rule error: ' }), w, el('span', { class: 'msg', text: err.message }));
    box.dataset.line = err.line ?? '';
    box.hidden = false;
    status.textContent = 'error';
    status.className = 'pill bad';
  }
  $('rules-reset').disabled = !edited;
  paintRulesGutter();
}

// ---------------------------------------------------------------- results

function severityBadge(sev) {
  return el('span', { class: `sev ${sev}`, text: sev });
}

function renderRow(line, record, v) {
  const tr = el('tr', {
    class: `row ${v.matched ? 'matched' : 'unmatched'}${state.open.has(line) ? ' open' : ''}`,
    'data-line': line,
    'data-matched': String(v.matched),
    'data-severity': v.severity,
    'data-score': String(v.score),
  });
  const { frag, missing } = highlighted(record, v.matched ? v.indicators : [], state.open.has(line));
  const recCell = el('td', {}, el('div', { class: 'rec' }, frag));
  if (missing.length) {
    const extra = el('div', { class: 'extra-ind' }, 'also matched: ');
    missing.forEach((m, i) => { if (i) extra.append(' '); extra.append(el('code', { text: m })); });
    recCell.append(extra);
  }
  if (v.error) recCell.append(el('div', { class: 'rec-error', text: `⚠ ${v.error}` }));

  const techs = el('td', { class: 'techniques' });
  for (const t of v.techniques) {
    const path = t.replace('.', '/');
    techs.append(el('span', { class: 'tech' }, el('a', { href: `https://attack.mitre.org/techniques/${path}/`, target: '_blank', rel: 'noopener', text: t })));
  }
  if (!v.techniques.length) techs.append(el('span', { class: 'none-text', text: '—' }));

  const rules = el('td', { class: 'rules' });
  const shownRules = state.open.has(line) ? v.rules : v.rules.slice(0, 3);
  for (const r of shownRules) {
    rules.append(el('span', { class: 'rule', title: r.id }, r.title, ' ', el('span', { class: 'pts', text: `+${r.score}` })));
  }
  if (shownRules.length < v.rules.length) rules.append(el('span', { class: 'more', text: `+${v.rules.length - shownRules.length} more` }));
  if (!v.rules.length) rules.append(el('span', { class: 'none-text', text: v.matched ? '—' : 'no match' }));

  const flags = el('td', { class: 'flags' });
  for (const [name, label] of Object.entries(FLAG_LABELS)) {
    if (v.flags[name]) flags.append(el('span', { class: `flag ${name}`, 'data-flag': name, text: label }));
  }
  if (!flags.childNodes.length) flags.append(el('span', { class: 'none-text', text: '—' }));

  tr.append(
    el('td', { class: 'c-line', text: String(line) }),
    recCell,
    el('td', { class: 'score', text: String(v.score) }),
    el('td', {}, severityBadge(v.severity)),
    techs, rules, flags,
  );
  const toggle = () => {
    if (state.open.has(line)) state.open.delete(line); else state.open.add(line);
    render(state.last);
    document.querySelector(`#verdict-rows tr.row[data-line="${line}"]`)?.focus();
  };
  tr.tabIndex = 0;
  tr.setAttribute('aria-expanded', String(state.open.has(line)));
  tr.onclick = (ev) => { if (!ev.target.closest('a')) toggle(); };
  tr.onkeydown = (ev) => { if ((ev.key === 'Enter' || ev.key === ' ') && ev.target === tr) { ev.preventDefault(); toggle(); } };
  return tr;
}

function renderDetail(v, enriched) {
  const dl = el('dl', { class: 'detail-grid' });
  const add = (k, node) => dl.append(el('dt', { text: k }), el('dd', {}, node));
  add('profile', v.profile);
  if (v.source) add('read as', v.source);
  if (v.rules.length) {
    const ul = el('div');
    for (const r of v.rules) {
      ul.append(el('div', {}, el('code', { text: r.id }), ` — ${r.title} (${r.score})`));
      // rule_info is a Map (serde-wasm-bindgen writes Rust maps as ES Maps).
      const infos = state.last?.rule_info;
      const info = infos instanceof Map ? infos.get(r.id) : infos?.[r.id];
      if (!info || (!info.description && !info.references.length && !info.false_positives.length)) continue;
      const card = el('div', { class: 'rule-info' });
      if (info.description) card.append(el('p', { text: info.description }));
      if (info.references.length) {
        const refs = el('ul', { class: 'rule-refs' });
        for (const u of info.references) refs.append(el('li', {}, el('a', { href: u, target: '_blank', rel: 'noopener noreferrer', text: u })));
        card.append(el('div', { text: 'references' }), refs);
      }
      if (info.false_positives.length) {
        const fps = el('ul', { class: 'rule-fps' });
        for (const f of info.false_positives) fps.append(el('li', { text: f }));
        card.append(el('div', { text: 'false positives' }), fps);
      }
      ul.append(card);
    }
    add('rules', ul);
  }
  if (v.indicators.length) add('indicators', v.indicators.join('  ·  '));
  if (v.suppressed_by) add('suppressed by', v.suppressed_by);
  if (v.context) add('context', JSON.stringify(v.context));
  if (v.triage) {
    if (v.triage.escalate?.length) add('escalate because', v.triage.escalate.join('; '));
    if (v.triage.steps?.length) add('response steps', v.triage.steps.join(', '));
  }
  if (v.error) add('error', v.error);
  let pretty = enriched;
  try { pretty = JSON.stringify(JSON.parse(enriched).cadet, null, 2); } catch { /* keep the raw line */ }
  const json = el('details', {}, el('summary', { text: 'Verdict JSON (the "cadet" key of the enriched record)' }), el('pre', { text: pretty }));
  return el('tr', { class: 'detail' }, el('td', { colspan: '7' }, dl, json));
}

function render(a) {
  const tbody = $('verdict-rows');
  const results = $('results');
  if (!a) { tbody.replaceChildren(); return; }
  const records = recordsByLine(state.lastRecords ?? $('records').value);
  const onlyMatched = $('only-matched').checked;
  const rows = [];
  const enrichedLines = [];
  let shown = 0;
  let hidden = 0;
  a.verdicts.forEach((v, i) => {
    const line = a.lines[i];
    if (!onlyMatched || v.matched) {
      if (shown < MAX_ROWS) {
        rows.push(renderRow(line, records.get(line) ?? '', v));
        if (state.open.has(line)) rows.push(renderDetail(v, a.enriched[i]));
        shown += 1;
      } else {
        hidden += 1;
      }
    }
    const lineEl = el('span', { class: v.matched ? 'hit' : '', text: a.enriched[i] });
    enrichedLines.push(lineEl, '\n');
  });
  if (hidden) {
    rows.push(el('tr', { class: 'more-rows' }, el('td', { colspan: '7', text: `${hidden.toLocaleString()} more rows not shown; the enriched output and its download have every record.` })));
  }
  tbody.replaceChildren(...rows);
  $('enriched').replaceChildren(...enrichedLines);
  $('empty').hidden = a.verdicts.length > 0;
  $('empty').textContent = a.verdicts.length ? '' : 'Paste records on the left, or pick an example.';

  const sum = $('summary');
  const bySev = {};
  for (const v of a.verdicts) if (v.matched) bySev[v.severity] = (bySev[v.severity] || 0) + 1;
  const parts = [
    el('span', {}, el('b', { text: String(a.verdicts.length) }), a.verdicts.length === 1 ? ' record' : ' records'),
    el('span', { text: '·' }),
    el('span', { id: 'matched-count' }, el('b', { text: String(a.matched) }), ' matched'),
  ];
  for (const sev of ['critical', 'high', 'medium', 'low']) {
    if (bySev[sev]) parts.push(el('span', { class: `sev ${sev}`, text: `${bySev[sev]} ${sev}` }));
  }
  parts.push(el('span', { text: '·' }), el('span', { text: `${a.profile}: ${a.rule_count} rules, threshold ${a.threshold}` }));
  if (a.skipped) parts.push(el('span', { class: 'pill bad', text: `${a.skipped} records over the limit not analysed` }));
  sum.replaceChildren(...parts);
  results.classList.toggle('stale', !!state.lastError);
  $('stale').hidden = !state.lastError;
  paintRecordsGutter();
}

function recordsByLine(text) {
  const map = new Map();
  text.split('\n').forEach((l, i) => { if (l.trim()) map.set(i + 1, l); });
  return map;
}

// ---------------------------------------------------------------- analysis

function analyze() {
  if (!state.pg || state.broken) return;
  const records = $('records').value;
  const n = records.split('\n').filter((l) => l.trim()).length;
  $('records-count').textContent = `${n} ${n === 1 ? 'record' : 'records'}`;
  let a;
  const t0 = performance.now();
  try {
    a = state.pg.analyze(records, rulesArg(), $('profile').value);
  } catch (e) {
    // A trap inside the engine: never expected, never a blank page.
    state.broken = true;
    console.error(e);
    fatal(`The cadet engine stopped on an internal error (${e.message || e}). Please report it with a share link; reloading restores the page.`, { reload: true });
    return;
  }
  const ms = performance.now() - t0;
  showRuleError(a.error);
  const rules = rulesArg();
  if (rules !== state.profilesOf && (!a.error || a.error.line === null)) fillProfiles(rules);
  if (!a.error) {
    state.last = a;
    state.lastRecords = records;
    state.lastRules = rules;
    state.lastProfile = a.profile;
    render(a);
  } else {
    render(state.last);
  }
  $('status').textContent = `cadet ${version()} (WebAssembly) · ${a.error ? 'rule pack not loaded' : `${a.verdicts.length} records scored in ${ms.toFixed(1)} ms`}`;
  document.body.dataset.runs = String(Number(document.body.dataset.runs || 0) + 1);
}

const analyzeSoon = debounce(analyze, 150);
const analyzeRulesSoon = debounce(analyze, 250);

// ---------------------------------------------------------------- wiring

function fillExamples() {
  const sel = $('examples');
  sel.replaceChildren(el('option', { value: '', text: 'Load example…' }), el('option', { value: 'all', text: 'All examples' }));
  for (const g of GROUPS) {
    const og = el('optgroup', { label: g });
    og.append(el('option', { value: `group:${g}`, text: `All ${g.toLowerCase()}` }));
    EXAMPLES.forEach((e, i) => { if (e.group === g) og.append(el('option', { value: String(i), text: e.title })); });
    sel.append(og);
  }
  sel.onchange = () => {
    const v = sel.value;
    let picked = [];
    if (v === 'all') picked = EXAMPLES;
    else if (v.startsWith('group:')) picked = EXAMPLES.filter((e) => e.group === v.slice(6));
    else if (v !== '') picked = [EXAMPLES[Number(v)]];
    if (picked.length) {
      $('records').value = picked.map((e) => e.record).join('\n') + '\n';
      state.open.clear();
      analyze();
    }
    sel.value = '';
  };
}

function wire() {
  $('records').addEventListener('input', analyzeSoon);
  $('records').addEventListener('input', paintRecordsGutter);
  $('records').addEventListener('scroll', () => { $('records-gutter').scrollTop = $('records').scrollTop; });
  $('rules').addEventListener('input', () => { paintRulesGutter(); analyzeRulesSoon(); });
  $('rules').addEventListener('scroll', () => { $('rules-gutter').scrollTop = $('rules').scrollTop; placeErrorLine(); });
  $('profile').addEventListener('change', () => {
    for (const o of $('profile').querySelectorAll('option[data-stale]')) if (!o.selected) o.remove();
    describeProfile();
    analyze();
  });
  $('only-matched').addEventListener('change', () => render(state.last));
  $('export-vrl').onclick = () => {
    const profile = $('profile').value;
    const mode = $('vrl-mode').value;
    const status = $('vrl-status');
    try {
      const program = vrl(rulesArg(), profile, mode);
      download(`cadet-${profile}${mode === 'matches-only' ? '-matches' : ''}.vrl`, program, 'text/plain');
      status.textContent = `${program.length.toLocaleString()} bytes of VRL`;
      status.className = 'muted';
    } catch (e) {
      status.textContent = `Cannot export: ${e.message || e}`;
      status.className = 'bad';
    }
  };
  const loadFile = async (file) => {
    if (!file) return;
    $('records').value = await file.text();
    state.open.clear();
    analyze();
  };
  $('records-file').addEventListener('change', (e) => { loadFile(e.target.files[0]); e.target.value = ''; });
  $('records-pane').addEventListener('dragover', (e) => { e.preventDefault(); });
  $('records-pane').addEventListener('drop', (e) => {
    if (!e.dataTransfer?.files?.length) return;
    e.preventDefault();
    loadFile(e.dataTransfer.files[0]);
  });
  $('records-clear').onclick = () => { $('records').value = ''; analyze(); $('records').focus(); };
  $('rules-reset').onclick = () => { $('rules').value = state.pack; analyze(); };
  $('export-rules').onclick = () => download('cadet-rules.toml', $('rules').value, 'application/toml');
  $('export-enriched').onclick = () => {
    const a = state.last;
    const format = $('export-format').value;
    const jsonl = (lines) => lines.join('\n') + (lines.length ? '\n' : '');
    if (format === 'cadet') {
      download('cadet-enriched.jsonl', a ? jsonl(a.enriched) : '', 'application/x-ndjson');
      return;
    }
    // ECS / OCSF: one document per matched record of the last analysis that loaded, as
    // `cadet scan --output ecs|ocsf` writes it (dated by each record's own time; no clock).
    let lines = [];
    if (a) {
      try {
        lines = state.pg.export(state.lastRecords, state.lastRules, state.lastProfile, format);
      } catch (e) {
        $('status').textContent = `Cannot export: ${e.message || e}`;
        return;
      }
    }
    download(`cadet-${format}.jsonl`, jsonl(lines), 'application/x-ndjson');
  };
  $('share').onclick = async () => {
    const frag = await shareFragment();
    const url = `${location.origin}${location.pathname}#${frag}`;
    history.replaceState(null, '', `#${frag}`);
    $('share-url').value = url;
    $('share-note').textContent = `${url.length.toLocaleString()} characters${rulesArg() === null ? ' · rules: default pack (not included)' : ' · includes your edited rules'}.`;
    $('share-box').hidden = false;
    $('share-url').select();
  };
  $('share-copy').onclick = async () => {
    const input = $('share-url');
    try {
      await navigator.clipboard.writeText(input.value);
      $('share-copy').textContent = 'Copied';
    } catch {
      input.select();
      document.execCommand('copy');
      $('share-copy').textContent = 'Copied';
    }
    setTimeout(() => { $('share-copy').textContent = 'Copy'; }, 1500);
  };
  $('share-close').onclick = () => { $('share-box').hidden = true; };
  for (const tab of document.querySelectorAll('.tab')) {
    tab.onclick = () => {
      for (const t of document.querySelectorAll('.tab')) {
        const on = t === tab;
        t.classList.toggle('active', on);
        t.setAttribute('aria-selected', String(on));
        $(`panel-${t.dataset.tab}`).hidden = !on;
      }
    };
  }
  window.addEventListener('hashchange', async () => {
    if (await applyFragment(location.hash)) { state.open.clear(); analyze(); }
  });
}

async function main() {
  try {
    await init();
  } catch (e) {
    fatal(`The cadet engine (WebAssembly) could not be loaded: ${e.message || e}.\n` +
      'Serve the playground over HTTP (see playground/README.md); browsers do not load WebAssembly from file:// pages.');
    $('status').textContent = 'Engine not loaded.';
    return;
  }
  state.pg = new Playground();
  state.pack = defaultPack();
  fillProfiles();
  fillExamples();
  wire();
  $('rules').value = state.pack;
  const restored = await applyFragment(location.hash);
  if (!restored) $('records').value = EXAMPLES.map((e) => e.record).join('\n') + '\n';
  analyze();
}

window.addEventListener('error', (e) => fatal(`Unexpected error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => fatal(`Unexpected error: ${e.reason?.message || e.reason}`));
main();
