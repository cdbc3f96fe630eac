// Hostile rule packs (issue 15) through the playground's WebAssembly build in headless
// Chromium: the twin of host-tests/tests/hostile_rules.rs (the same packs). Each pack breaks
// one of the core's load limits (pack size, rule count, condition length and depth, list
// length, regex compiled size and nesting, macro cycles, chains, count and expansion,
// prefilter size, TOML nesting, `include` of a host file). For each one, checked:
// - `Playground.analyze` returns the native core's error, word for word (`display`, from the
//   `native-enrich` example with the same pack), naming the rule and its line where the limit
//   is a rule's, and no verdicts; `check` and `profiles` give the same error; `vrl` and
//   `export` throw an `Error` (never a `WebAssembly.RuntimeError`, which would be a trap);
// - each call returns within LOAD_BOUND_MS (no hang);
// - afterwards the default pack scores the records byte for byte as native (nothing broken);
// - in the page itself, a few of the packs pasted into the rules pane show the error under the
//   editor while the verdict rows stay (the last good results), the page reports no failure,
//   and resetting the pack clears the error.
// The playground reads no file: a pack is text, and the page has no file access beyond what
// the person opens.
//
// Environment: CHROMIUM (default /usr/bin/chromium), NATIVE_ENRICH (path of the built
// native-enrich example; default: `cargo run -q -p cadet-playground --example native-enrich --`).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPlayground, repo } from './chromium-page.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cadet-hostile-rules-'));
const LOAD_BOUND_MS = 5000;

// ------------------------------------------------------------------ the packs

const PROFILE = '[[profile]]\nname = "cadet"\ncombine = "max"\nthreshold = 1\n';
const rule = (id, when) => `\n[[rule]]\nid = "${id}"\ntitle = "t"\nscore = 50\nwhen = '''${when}'''\n`;
const pack = (rules) => PROFILE + rules;
const range = (n, f) => Array.from({ length: n }, (_, i) => f(i));

// [name, text, rule the error must name (or null: a limit of the pack), what it must say]
const PACKS = [
  ['pack over 1 MiB', `${pack(rule('ok', 'process.name == "docker"'))}# ${'x'.repeat(1 << 20)}\n`, null, 'larger than 1048576 bytes'],
  ['2001 rules', pack(range(2001, (i) => rule(`r${i}`, 'process.name == "docker"')).join('')), null, 'more than 2000 rules'],
  ['condition nested 40 deep', pack(rule('deep', `${'('.repeat(40)}process.name == "docker"${')'.repeat(40)}`)), 'deep', 'nested deeper than 32'],
  ['condition of 9000 characters', pack(rule('long', `process.command_line contains "${'x'.repeat(9000)}"`)), 'long', 'longer than 8192'],
  ['inline list of 1100 values', pack(rule('list', `process.name in (${range(1100, (i) => `"${i}"`).join(',')})`)), 'list', 'list longer than 1024'],
  ['regex over the 1 MiB compiled-size limit', pack(rule('bigre', 'process.command_line matches "a{1000}{1000}"')), 'bigre', 'bad regular expression'],
  ['regex over the compiled-size limit, case-insensitive', pack(rule('bigire', 'process.command_line imatches "[a-z]{1000}{1000}"')), 'bigire', 'bad regular expression'],
  ['regex nested 100 deep', pack(rule('nestre', `process.command_line matches "${'('.repeat(100)}a${')'.repeat(100)}"`)), 'nestre', 'bad regular expression'],
  ['macro cycle', `${PROFILE}[macros]\nping = '$pong and process.name == "a"'\npong = '$ping'\n${rule('cyc', '$ping')}`, null, 'uses itself'],
  ['macro used by itself', `${PROFILE}[macros]\nself = '$self or true'\n${rule('me', '$self')}`, null, 'macro `$self` uses itself'],
  ['macro expansion bomb (2^26 leaves written in 14 lines)', `${PROFILE}[macros]\nm0 = 'process.name == "docker"'\n${range(13, (i) => `m${i + 1} = '($m${i} and $m${i}) or ($m${i} and $m${i})'\n`).join('')}${rule('bomb', '$m13')}`, null, 'larger than 4096 nodes'],
  ['macro chain of 20', `${PROFILE}[macros]\nc0 = 'process.name == "docker"'\n${range(20, (i) => `c${i + 1} = '$c${i}'\n`).join('')}${rule('chain', '$c20')}`, null, 'more than 16 other macros'],
  ['257 macros', `${PROFILE}[macros]\n${range(257, (i) => `k${i} = 'process.name == "${i}"'\n`).join('')}${rule('ok', 'process.name == "docker"')}`, null, 'more than 256 macros'],
  ['unknown macro', pack(rule('nomac', '$nowhere')), 'nomac', 'unknown macro `$nowhere`'],
  ['prefilter of 513 keywords', `[[profile]]\nname = "cadet"\ncombine = "max"\nprefilter = [${range(513, (i) => `"kw${i}"`).join(',')}]\n${rule('ok', 'process.name == "docker"')}`, null, 'prefilter needs 1 to 512'],
  ['TOML array nested 100 000 deep', `${PROFILE}x = ${'['.repeat(100000)}${']'.repeat(100000)}\n`, null, 'rules.toml'],
  ['TOML inline table nested 100 000 deep', `${PROFILE}x = ${'{a='.repeat(100000)}${'}'.repeat(100000)}\n`, null, 'rules.toml'],
  ['include of a host file', `include = "/etc/passwd"\n${pack(rule('ok', 'process.name == "docker"'))}`, null, 'unknown field `include`'],
  ['rule reading a file path', pack(rule('file', 'process.name in @/etc/passwd')), 'file', 'rule `file`'],
];

// Pasted into the page's rules pane as a person would (the rest go through the API only).
const IN_PAGE = ['macro expansion bomb (2^26 leaves written in 14 lines)', '2001 rules', 'pack over 1 MiB', 'regex over the 1 MiB compiled-size limit'];

const RECORDS = [
  '{"process":{"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"],"command_line":"docker run --privileged -v /:/host alpine sh"}}',
  '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true&tty=true","verb":"create","user":{"username":"alice"},"objectRef":{"resource":"pods","namespace":"default","name":"web","subresource":"exec"},"responseStatus":{"code":101}}',
  'kubectl exec -it web -- /bin/sh',
  '{"message":"hello"}',
  '{"broken": ',
].join('\n');

// ------------------------------------------------------------------ native reference

function nativeCmd(args) {
  const bin = process.env.NATIVE_ENRICH;
  return bin ? [bin, args] : ['cargo', ['run', '-q', '-p', 'cadet-playground', '--example', 'native-enrich', '--', ...args]];
}

// The native error for a pack (native-enrich exits 2 and prints `native-enrich: <error>`).
function nativeError(text) {
  const file = path.join(tmp, 'pack.toml');
  writeFileSync(file, text);
  const [cmd, argv] = nativeCmd(['--rules', file, path.join(tmp, 'records.txt')]);
  const r = spawnSync(cmd, argv, { cwd: repo, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 2) throw new Error(`native-enrich loaded the hostile pack (exit ${r.status}): ${r.stderr}`);
  return r.stderr.replace(/^native-enrich: /, '').replace(/\n$/, '');
}

writeFileSync(path.join(tmp, 'records.txt'), RECORDS);
const [cmd, argv] = nativeCmd([path.join(tmp, 'records.txt')]);
const wantDefault = execFileSync(cmd, argv, { cwd: repo, encoding: 'utf8' }).split('\n').filter((l) => l !== '');
const packs = PACKS.map(([name, text, ruleId, says]) => ({ name, text, ruleId, says, native: nativeError(text) }));

// ------------------------------------------------------------------ in the page: the API

async function apiInPage({ packs, records, wantDefault, bound }) {
  const mod = await import('/cadet_playground.js');
  await mod.default();
  const pg = new mod.Playground();
  const trapped = (e) => e instanceof WebAssembly.RuntimeError || /unreachable|RuntimeError/.test(String(e));
  const out = [];
  for (const p of packs) {
    const r = { name: p.name, failures: [], ms: {} };
    const timed = (what, f) => {
      const t0 = performance.now();
      try { return f(); } finally {
        r.ms[what] = Math.round(performance.now() - t0);
        if (r.ms[what] > bound) r.failures.push(`${what} took ${r.ms[what]} ms`);
      }
    };
    try {
      const a = timed('analyze', () => pg.analyze(records, p.text, 'cadet'));
      if (!a.error) r.failures.push('the pack loaded');
      else {
        r.display = a.error.display;
        if (a.error.display !== p.native) r.failures.push(`error ${JSON.stringify(a.error.display)}, native ${JSON.stringify(p.native)}`);
        if (a.error.file !== 'rules.toml') r.failures.push(`file ${a.error.file}`);
        if (p.ruleId !== null && a.error.rule !== p.ruleId) r.failures.push(`rule ${a.error.rule}, want ${p.ruleId}`);
        if (p.ruleId !== null && !(a.error.line > 0)) r.failures.push(`no line for a rule's error: ${a.error.line}`);
        if (!a.error.display.includes(p.says)) r.failures.push(`the error does not say ${JSON.stringify(p.says)}`);
      }
      if (a.verdicts.length || a.enriched.length) r.failures.push(`${a.verdicts.length} verdicts with a refused pack`);
      const c = timed('check', () => pg.check(p.text, 'cadet'));
      if (c?.display !== p.native) r.failures.push(`check gave ${JSON.stringify(c)}`);
      const pr = timed('profiles', () => mod.profiles(p.text));
      if (pr.error?.display !== p.native) r.failures.push(`profiles gave ${JSON.stringify(pr.error)}`);
    } catch (e) {
      r.failures.push(`${trapped(e) ? 'TRAP' : 'threw'}: ${e}`);
    }
    for (const [what, f] of [['vrl', () => mod.vrl(p.text, 'cadet', 'enrich')], ['export', () => pg.export(records, p.text, 'cadet', 'cadet')]]) {
      try {
        timed(what, f);
        r.failures.push(`${what} accepted the pack`);
      } catch (e) {
        if (trapped(e) || !(e instanceof Error)) r.failures.push(`${what}: TRAP or not an Error: ${e}`);
        else if (!String(e.message).startsWith('rules.toml')) r.failures.push(`${what}: ${e.message.slice(0, 200)}`);
      }
    }
    // Nothing broken: the default pack scores the records as native.
    try {
      const a = timed('default', () => pg.analyze(records, null, 'cadet'));
      if (JSON.stringify(a.enriched) !== JSON.stringify(wantDefault)) r.failures.push('the default pack then scores differently from native');
      r.passed = a.enriched.length;
    } catch (e) {
      r.failures.push(`default pack afterwards: ${trapped(e) ? 'TRAP' : 'threw'}: ${e}`);
    }
    out.push(r);
  }
  return out;
}

// ------------------------------------------------------------------ run

async function fillText(page, selector, text) {
  return page.$eval(selector, (ta, value) => {
    ta.focus();
    ta.value = value;
    ta.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, text);
}

async function settle(page, action) {
  const runs = () => page.evaluate(() => Number(document.body.dataset.runs || 0));
  const before = await runs();
  const t0 = Date.now();
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.runs || 0) > n, before, { timeout: 20000 });
  return Date.now() - t0;
}

let passed = 0;
let failed = 0;
const report = (ok, what, details = []) => {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'}  ${what}`);
  for (const d of details.slice(0, 10)) console.log(`        ${d}`);
  if (ok) passed++; else failed++;
};

const { context, page, origin, close } = await openPlayground();
try {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('crash', () => problems.push('the page crashed'));
  // A missing resource is reported by its response (the console line does not name it); the
  // browser's own favicon request is not the page's.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console error: ${m.text()}`); });
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()} for ${r.url()}`); });
  console.log(`cadet playground hostile rule packs — ${packs.length} packs, Chromium ${context.browser()?.version() ?? ''}`);

  await page.goto(`${origin}/cadet_playground.js`);
  const results = await page.evaluate(apiInPage, { packs, records: RECORDS, wantDefault, bound: LOAD_BOUND_MS });
  console.log('pack                                                   | analyze ms | check | profiles | vrl | export | records after | error');
  for (const r of results) {
    const ms = (k) => String(r.ms[k] ?? '-').padStart(4);
    console.log(`${r.name.padEnd(54)} | ${ms('analyze').padStart(10)} | ${ms('check')} | ${ms('profiles').padStart(8)} | ${ms('vrl')} | ${ms('export').padStart(6)} | ${String(r.passed ?? '-').padStart(13)} | ${(r.display ?? '').slice(0, 90)}`);
  }
  for (const r of results) report(r.failures.length === 0, `API: ${r.name}: the native error, no trap, no hang, records pass after`, r.failures);

  // The page: paste packs into the rules pane.
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => Number(document.body.dataset.runs || 0) > 0, null, { timeout: 30000 });
  const rowCount = () => page.$$eval('#verdict-rows tr.row', (trs) => trs.length);
  const before = await rowCount();
  for (const name of IN_PAGE) {
    const p = packs.find((x) => x.name === name);
    const details = [];
    const ms = await settle(page, () => fillText(page, '#rules', p.text));
    if (!(await page.isVisible('#rules-error'))) details.push('no error shown under the rules');
    const box = (await page.textContent('#rules-error')) ?? '';
    // The box shows file, line and rule apart, then the message.
    const message = p.native.replace(/^rules\.toml(:\d+)?: (rule `[^`]*`: )?/, '');
    if (!box.includes(message.slice(0, 60)) || (p.ruleId !== null && !box.includes(p.ruleId))) details.push(`shown ${JSON.stringify(box.slice(0, 200))}, native ${JSON.stringify(p.native.slice(0, 200))}`);
    if ((await rowCount()) !== before) details.push(`${await rowCount()} verdict rows, ${before} before (the last good results must stay)`);
    if (await page.isVisible('#fatal')) details.push(`the page reports a failure: ${await page.textContent('#fatal')}`);
    if (ms > LOAD_BOUND_MS) details.push(`took ${ms} ms`);
    await settle(page, () => page.click('#rules-reset'));
    if (await page.isVisible('#rules-error')) details.push('error still shown after reset');
    if ((await rowCount()) !== before) details.push('rows changed after reset');
    report(details.length === 0, `page: ${name} pasted: error shown in ${ms} ms, ${before} rows kept, reset clears it`, details);
  }
  report(problems.length === 0, 'no page error, crash or console error', problems);
} finally {
  await close();
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
