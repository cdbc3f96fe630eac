// Browser test of the cadet playground: serves playground/dist on 127.0.0.1,
// drives Debian's Chromium with playwright-core and checks the page as a person
// would use it. Expected verdict bytes come from the native build of cadet-core
// (the `native-enrich` example), so the comparison tracks the core as it changes.
//
// Environment: CHROMIUM (default /usr/bin/chromium), NATIVE_ENRICH (path of the
// built native-enrich example; default: `cargo run -q -p cadet-playground --example native-enrich --`),
// SCREENSHOT (default <repo>/target/playground-screenshot.png).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPlayground, repo } from './chromium-page.mjs';

const screenshot = process.env.SCREENSHOT || path.join(repo, 'target', 'playground-screenshot.png');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cadet-playground-test-'));

// ------------------------------------------------------------------ native reference

function native(args) {
  const bin = process.env.NATIVE_ENRICH;
  const [cmd, argv] = bin
    ? [bin, args]
    : ['cargo', ['run', '-q', '-p', 'cadet-playground', '--example', 'native-enrich', '--', ...args]];
  return execFileSync(cmd, argv, { cwd: repo, encoding: 'utf8', maxBuffer: 256 << 20 });
}

function fixtureFiles() {
  const root = path.join(repo, 'core', 'fixtures');
  const out = [];
  const walk = (dir) => {
    let entries = [];
    try { entries = readdirSync(dir); } catch { return; }
    for (const e of entries.sort()) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.jsonl') || e.endsWith('.log')) out.push(p);
    }
  };
  walk(root);
  return out;
}

// ------------------------------------------------------------------ static server

// Files the server sent since the last reset (the first-load figure).
let served = { requests: 0, bytes: 0 };
const countServed = (bytes) => { served.requests += 1; served.bytes += bytes; };

// ------------------------------------------------------------------ test runner

const results = [];
async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ok    ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`  FAIL  ${name}\n        ${String(e.stack || e).split('\n').slice(0, 6).join('\n        ')}`);
  }
}
function assert(cond, message) { if (!cond) throw new Error(message); }
function assertEq(got, want, what) {
  if (got === want) return;
  const short = (v) => { const j = JSON.stringify(v); return j && j.length > 300 ? `${j.slice(0, 300)}… (${j.length} chars)` : j; };
  if (typeof got === 'string' && typeof want === 'string') {
    let i = 0;
    while (i < got.length && got[i] === want[i]) i++;
    throw new Error(`${what}: differs at character ${i}\n  got:  ${short(got.slice(Math.max(0, i - 40), i + 160))}\n  want: ${short(want.slice(Math.max(0, i - 40), i + 160))}`);
  }
  throw new Error(`${what}: got ${short(got)}, want ${short(want)}`);
}

// ------------------------------------------------------------------ page helpers

const ecs = (args) => JSON.stringify({
  '@timestamp': '2026-11-23T10:00:00.000Z',
  event: { kind: 'event', category: ['process'], type: ['start'] },
  host: { name: 'node-7' },
  user: { name: 'tester' },
  process: { pid: 4242, name: args[0], executable: `/usr/bin/${args[0]}`, args, command_line: args.join(' '), parent: { name: 'bash' } },
});

async function runs(page) {
  return Number(await page.evaluate(() => document.body.dataset.runs || 0));
}

// Does something that triggers an analysis and waits until the page has re-scored.
async function settle(page, action) {
  const before = await runs(page);
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.runs || 0) > n, before, { timeout: 10000 });
  // Each action fires one event, so one run; make sure no second one follows.
  await page.waitForTimeout(60);
  const after = await runs(page);
  if (after !== before + 1) throw new Error(`expected one analysis, saw ${after - before}`);
}

// Typing-like input for short texts; long ones (rule packs, fixture files) are
// put in place at once with the same `input` event a paste fires (page.fill
// takes seconds on a 40 kB text area).
async function fillText(page, selector, text) {
  if (text.length < 2000) return page.fill(selector, text);
  return page.$eval(selector, (ta, value) => {
    ta.focus();
    ta.value = value;
    ta.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, text);
}

async function setRecords(page, text) {
  await settle(page, () => fillText(page, '#records', text));
}

async function setRules(page, text) {
  await settle(page, () => fillText(page, '#rules', text));
}

async function setProfile(page, name) {
  if ((await page.inputValue('#profile')) === name) return;
  await settle(page, () => page.selectOption('#profile', name));
}

async function rows(page) {
  return page.$$eval('#verdict-rows tr.row', (trs) => trs.map((tr) => ({
    line: Number(tr.dataset.line),
    matched: tr.dataset.matched === 'true',
    severity: tr.dataset.severity,
    score: Number(tr.dataset.score),
    shownScore: tr.querySelector('td.score').textContent,
    shownSeverity: tr.querySelector('.sev').textContent,
    flags: [...tr.querySelectorAll('[data-flag]')].map((f) => f.dataset.flag),
    flagText: [...tr.querySelectorAll('[data-flag]')].map((f) => f.textContent),
    marks: [...tr.querySelectorAll('mark')].map((m) => m.textContent),
    rulesText: tr.querySelector('td.rules').textContent,
    error: tr.querySelector('.rec-error')?.textContent ?? null,
  })));
}

async function shareLink(page) {
  await page.$eval('#share-url', (i) => { i.value = ''; });
  await page.click('#share');
  await page.waitForFunction(() => document.getElementById('share-url').value !== '', null, { timeout: 5000 });
  return page.inputValue('#share-url');
}

async function enrichedLines(page) {
  const text = await page.$eval('#enriched', (pre) => pre.textContent);
  return text.split('\n').filter((l) => l !== '');
}

// ------------------------------------------------------------------ the test

const PRIVILEGED = ecs(['docker', 'run', '--privileged', '-v', '/:/host', 'alpine', 'sh']);
const BENIGN = [ecs(['docker', 'ps']), ecs(['kubectl', 'get', 'pods', '-n', 'default'])];

async function main() {
  const { origin, context, page, close } = await openPlayground({
    onServe: countServed,
    context: { viewport: { width: 1440, height: 1000 }, acceptDownloads: true },
  });
  const problems = [];
  const offsite = [];
  context.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) offsite.push(u);
  });
  const watch = (page) => {
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  };
  watch(page);

  console.log(`cadet playground browser test — ${origin}, Chromium ${context.browser()?.version() ?? ''}`);

  await check('the page loads the engine and shows the default pack and examples', async () => {
    served = { requests: 0, bytes: 0 };
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => Number(document.body.dataset.runs || 0) > 0, null, { timeout: 20000 });
    console.log(`        first load: ${served.requests} requests, ${served.bytes} bytes (uncompressed)`);
    assert(await page.isHidden('#fatal'), 'an error banner is showing');
    const pack = await page.inputValue('#rules');
    assertEq(pack, native(['--default-pack']), 'rules pane');
    const profiles = await page.$$eval('#profile option', (os) => os.map((o) => o.value));
    for (const p of ['cadet', 'qradar-t1609', 'elastic-t1609', 'qradar-t1059-013']) assert(profiles.includes(p), `profile ${p} missing from ${profiles}`);
    const shown = await rows(page);
    assert(shown.length >= 10, `expected the bundled examples in the table, got ${shown.length} rows`);
    assertEq(await page.textContent('#rules-status'), 'default pack', 'rules status');
  });

  await check('a pasted privileged docker run with / mounted is critical, flagged privileged and host mount', async () => {
    await setRecords(page, `${PRIVILEGED}\ndocker run --privileged -v /:/host alpine sh\n`);
    const r = await rows(page);
    assertEq(r.length, 2, 'rows');
    for (const row of r) {
      assert(row.matched, `line ${row.line} did not match`);
      assertEq(row.severity, 'critical', `severity of line ${row.line}`);
      assertEq(row.shownSeverity, 'critical', `severity shown on line ${row.line}`);
      assert(row.flags.includes('privileged_container') && row.flags.includes('host_mount'), `flags of line ${row.line}: ${row.flags}`);
      assert(row.flagText.includes('privileged') && row.flagText.includes('host mount'), `flag labels: ${row.flagText}`);
      assert(row.marks.some((m) => /privileged/i.test(m)), `--privileged not highlighted on line ${row.line}: ${JSON.stringify(row.marks)}`);
    }
  });

  await check('benign records show no match', async () => {
    await setRecords(page, BENIGN.join('\n'));
    const r = await rows(page);
    assertEq(r.length, 2, 'rows');
    for (const row of r) {
      assert(!row.matched, `line ${row.line} matched`);
      assertEq(row.shownSeverity, 'none', 'severity shown');
      assertEq(row.shownScore, '0', 'score shown');
      assert(row.rulesText.includes('no match'), `rules cell: ${row.rulesText}`);
      assertEq(row.marks.length, 0, 'highlights');
    }
    assertEq(await page.textContent('#matched-count'), '0 matched', 'summary');
  });

  await check('a malformed record gets an error in its row and the others still score', async () => {
    await setRecords(page, `{"process": {"name": "docker", "args": ["docker", "run"\n${PRIVILEGED}`);
    const r = await rows(page);
    assertEq(r.length, 2, 'rows');
    assert(r[0].error && /⚠/.test(r[0].error), `no error shown for the malformed record: ${JSON.stringify(r[0])}`);
    assert(r[1].matched, 'the good record after it did not match');
  });

  await check('a broken rule shows its line and message next to the rules, and the fix clears it', async () => {
    await setRecords(page, PRIVILEGED);
    const pack = await page.inputValue('#rules');
    const broken = `${pack}\n[[rule]]\nid = "test.broken"\ntitle = "Broken on purpose"\nscore = 50\nwhen = 'cmd.tool == '\n`;
    const badLine = broken.split('\n').length - 1;
    await setRules(page, broken);
    assert(await page.isVisible('#rules-error'), 'no rule error shown');
    const box = await page.textContent('#rules-error');
    assert(box.includes(`line ${badLine}`) && box.includes('test.broken'), `error box: ${box}`);
    const near = await page.evaluate(() => {
      const e = document.getElementById('rules-error').getBoundingClientRect();
      const t = document.getElementById('rules-editor').getBoundingClientRect();
      const pane = document.getElementById('rules-pane').getBoundingClientRect();
      return e.left >= pane.left && e.right <= pane.right && (Math.abs(t.top - e.bottom) < 40 || Math.abs(e.top - t.bottom) < 40);
    });
    assert(near, 'the error is not next to the rules editor');
    assertEq(await page.textContent('#rules-gutter .gerr'), String(badLine), 'gutter marks the line');
    assert(await page.isVisible('#rules-errline'), 'offending line not highlighted');
    assert(await page.isVisible('#stale'), 'results not marked stale');
    assertEq((await rows(page)).length, 1, 'last results still shown');
    // A TOML syntax error is located too.
    await setRules(page, `${pack}\n[[rule]\n`);
    const box2 = await page.textContent('#rules-error');
    assert(/line \d+/.test(box2), `TOML error has no line: ${box2}`);
    await settle(page, () => page.click('#rules-reset'));
    assert(await page.isHidden('#rules-error'), 'error still shown after reset');
    assert(await page.isHidden('#stale'), 'results still marked stale');
    assertEq(await page.inputValue('#rules'), pack, 'reset restores the default pack');
  });

  await check('hostile records and rules get clear errors and the page keeps working', async () => {
    const deep = `{"process":{"name":"docker","args":["docker","run"]},"x":${'{"a":'.repeat(50000)}1${'}'.repeat(50001)}`;
    const lines = [deep, `{"docker":${'['.repeat(50000)}${']'.repeat(50000)}}`, '\uD800 docker run --privileged alpine \uDFFF', PRIVILEGED];
    await setRecords(page, lines.join('\n'));
    const r = await rows(page);
    assertEq(r.length, 4, 'rows');
    assert(r[0].error && r[1].error, `deep nesting without an error: ${r[0].error} / ${r[1].error}`);
    assert(r[3].matched, 'a good record after hostile ones did not match');
    const file = path.join(tmp, 'hostile.jsonl');
    // What the page hands the engine: JS strings encoded as UTF-8 (lone surrogates become U+FFFD).
    writeFileSync(file, lines.join('\n'));
    const want = native(['--profile', 'cadet', file]).split('\n').filter((l) => l !== '');
    assertEq(JSON.stringify(await enrichedLines(page)), JSON.stringify(want), 'enriched hostile records');
    const pack = await page.inputValue('#rules');
    for (const when of [`${'('.repeat(4000)}cmd.privileged${')'.repeat(4000)}`, `${'not '.repeat(3000)}cmd.privileged`, 'process.command_line matches "(((a{100}){100}){100}){100}"']) {
      await setRules(page, `${pack}\n[[rule]]\nid = "test.hostile"\ntitle = "t"\nscore = 1\nwhen = '${when}'\n`);
      const box = await page.textContent('#rules-error');
      assert(box.includes('test.hostile'), `hostile rule not reported: ${box}`);
    }
    await setRules(page, `a = ${'['.repeat(100000)}${']'.repeat(100000)}\n`);
    assert(await page.isVisible('#rules-error'), 'deeply nested TOML not reported');
    await settle(page, () => page.click('#rules-reset'));
    assert(await page.isHidden('#fatal'), `the page reports a failure: ${await page.textContent('#fatal')}`);
    assert(await page.isHidden('#rules-error'), 'error still shown after reset');
  });

  await check("qradar-t1609 shows the seed's RiskScore (90 / 80 / 65 / 50)", async () => {
    const cases = [
      [PRIVILEGED, 90],
      [ecs(['docker', 'run', '--pid=host', '-it', 'alpine', 'sh']), 80],
      [ecs(['docker', 'exec', '-it', 'atomic-test-container', '/bin/sh']), 65],
      [ecs(['docker', 'ps']), 50],
    ];
    await setRecords(page, cases.map((c) => c[0]).join('\n'));
    await setProfile(page, 'qradar-t1609');
    const r = await rows(page);
    cases.forEach(([, want], i) => {
      assert(r[i].matched, `record ${i + 1} not matched under qradar-t1609`);
      assertEq(r[i].score, want, `RiskScore of record ${i + 1}`);
      assertEq(r[i].shownScore, String(want), `RiskScore shown for record ${i + 1}`);
    });
    const verdictProfile = await page.$eval('#enriched', (pre) => JSON.parse(pre.textContent.split('\n')[0]).cadet.profile);
    assertEq(verdictProfile, 'qradar-t1609', 'verdict profile');
  });

  await check('a share link reproduces records, edited rules and profile', async () => {
    const pack = native(['--default-pack']);
    const edited = pack.replace(/^threshold = 30$/m, 'threshold = 70');
    assert(edited !== pack, 'could not edit the pack (no `threshold = 30` line)');
    const records = [PRIVILEGED, ...BENIGN, 'kubectl exec -it web-0 -- /bin/bash', 'ünïcödé line with "quotes" and a tab\there'].join('\n');
    await setRecords(page, records);
    await setRules(page, edited);
    await setProfile(page, 'cadet');
    assertEq(await page.textContent('#rules-status'), 'edited', 'rules status');
    const url = await shareLink(page);
    assert(url.startsWith(`${origin}/#s=`), `share url: ${url}`);
    const before = await rows(page);
    const other = await context.newPage();
    watch(other);
    await other.goto(url);
    await other.waitForFunction(() => Number(document.body.dataset.runs || 0) > 0, null, { timeout: 20000 });
    assertEq(await other.inputValue('#records'), records, 'records');
    assertEq(await other.inputValue('#rules'), edited, 'rules');
    assertEq(await other.inputValue('#profile'), 'cadet', 'profile');
    assertEq(JSON.stringify(await rows(other)), JSON.stringify(before), 'verdict rows');
    // Unedited rules stay out of the link; the profile still travels.
    await setRules(page, pack);
    await setProfile(page, 'elastic-t1609');
    const short = await shareLink(page);
    assert(short.length < url.length, 'link with the default pack is not shorter');
    await other.goto('about:blank');
    await other.goto(short);
    await other.waitForFunction(() => Number(document.body.dataset.runs || 0) > 0, null, { timeout: 20000 });
    assertEq(await other.inputValue('#profile'), 'elastic-t1609', 'profile from the second link');
    assertEq(await other.textContent('#rules-status'), 'default pack', 'rules status from the second link');
    // A damaged link says so instead of failing silently.
    await other.goto(`${origin}/#s=zBROKEN`);
    await other.waitForFunction(() => Number(document.body.dataset.runs || 0) > 0, null, { timeout: 20000 });
    assert(await other.isVisible('#fatal'), 'damaged link not reported');
    await other.close();
  });

  await check('the rule pack downloads as shown', async () => {
    const edited = (await page.inputValue('#rules')) + '\n# edited in the playground\n';
    await setRules(page, edited);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-rules')]);
    const file = path.join(tmp, 'rules.toml');
    await dl.saveAs(file);
    assertEq(readFileSync(file, 'utf8'), edited, 'downloaded pack');
    assertEq(dl.suggestedFilename(), 'cadet-rules.toml', 'file name');
    await setRules(page, native(['--default-pack']));
  });

  await check('the VRL download equals the native cadet-vrl export for the pack and profile', async () => {
    const pack = native(['--default-pack']);
    const edited = pack.replace(/^threshold = 30$/m, 'threshold = 60');
    const packFile = path.join(tmp, 'vrl-pack.toml');
    writeFileSync(packFile, edited);
    await setRules(page, edited);
    for (const [profile, mode] of [['qradar-t1609', 'enrich'], ['cadet', 'matches-only']]) {
      await setProfile(page, profile);
      await page.selectOption('#vrl-mode', mode);
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-vrl')]);
      const file = path.join(tmp, dl.suggestedFilename());
      await dl.saveAs(file);
      const want = native(['--vrl', mode, '--profile', profile, '--rules', packFile]);
      assertEq(readFileSync(file, 'utf8'), want, `VRL for ${profile} (${mode})`);
    }
    await setRules(page, `${pack}\n[[rule]\n`);
    await page.click('#export-vrl');
    const status = await page.textContent('#vrl-status');
    assert(/Cannot export: rules\.toml:\d+/.test(status), `broken pack export status: ${status}`);
    await setRules(page, pack);
  });

  // Enriched output equals the native core's, byte for byte, on every fixture file
  // and the bundled examples, under every profile, and once with an edited pack.
  const { EXAMPLES } = await import(path.join(repo, 'playground', 'web', 'examples.js'));
  const examplesFile = path.join(tmp, 'examples.jsonl');
  writeFileSync(examplesFile, EXAMPLES.map((e) => e.record).join('\n') + '\n');
  const files = [...fixtureFiles(), examplesFile];
  const profiles = ['cadet', 'qradar-t1609', 'elastic-t1609', 'qradar-t1059-013'];
  let compared = 0;
  await check(`enriched output equals native cadet-core on ${files.length} fixture files (core/fixtures: *.jsonl, *.log) × ${profiles.length} profiles`, async () => {
    await page.click('.tab[data-tab="enriched"]');
    // One native run per file and profile: the page scores each file with a fresh engine, and
    // the engine remembers scored requests (audit IDs) across records.
    const counts = files.map((f) => readFileSync(f, 'utf8').replace(/\r\n?/g, '\n').split('\n').filter((l) => l.trim() !== '').length);
    const expected = {};
    for (const profile of profiles) {
      expected[profile] = files.map((f, k) => {
        const lines = native(['--profile', profile, f]).split('\n').filter((l) => l !== '');
        assertEq(lines.length, counts[k], `native record count of ${f} [${profile}]`);
        return lines;
      });
    }
    for (const [k, file] of files.entries()) {
      const name = path.relative(repo, file).startsWith('..') ? 'bundled examples' : path.relative(repo, file);
      await setRecords(page, readFileSync(file, 'utf8'));
      for (const profile of profiles) {
        await setProfile(page, profile);
        const want = expected[profile][k];
        const got = await enrichedLines(page);
        assertEq(got.length, want.length, `${name} [${profile}] line count`);
        for (let i = 0; i < want.length; i++) {
          if (got[i] !== want[i]) throw new Error(`${name} [${profile}] record ${i + 1} differs\n  page:   ${got[i].slice(0, 400)}\n  native: ${want[i].slice(0, 400)}`);
        }
        compared += want.length;
      }
    }
    console.log(`        ${compared} enriched records identical`);
    await page.click('.tab[data-tab="verdicts"]');
  });

  await check('the ECS and OCSF downloads equal native cadet-alert (cadet scan --output) on fixture files', async () => {
    const picks = ['core/fixtures/k8s_audit/apiserver.attack.jsonl', 'core/fixtures/ecs/evasions.attack.jsonl', 'core/fixtures/text/lines.attack.log']
      .map((f) => path.join(repo, f)).filter((f) => existsSync(f));
    assert(picks.length >= 2, `fixture files for the alert downloads: ${picks}`);
    let documents = 0;
    for (const file of picks) {
      await setRecords(page, readFileSync(file, 'utf8'));
      for (const profile of ['cadet', 'qradar-t1609']) {
        await setProfile(page, profile);
        for (const format of ['ecs', 'ocsf']) {
          await page.selectOption('#export-format', format);
          const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-enriched')]);
          assertEq(dl.suggestedFilename(), `cadet-${format}.jsonl`, 'file name');
          const saved = path.join(tmp, `${format}-${profile}.jsonl`);
          await dl.saveAs(saved);
          const got = readFileSync(saved, 'utf8');
          const want = native(['--profile', profile, '--output', format, file]);
          assertEq(got, want, `${path.relative(repo, file)} [${profile}] ${format} download`);
          documents += want.split('\n').filter((l) => l !== '').length;
        }
      }
    }
    assert(documents > 0, 'no alert documents at all');
    // cadet: the enriched records, as before
    await page.selectOption('#export-format', 'cadet');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-enriched')]);
    assertEq(dl.suggestedFilename(), 'cadet-enriched.jsonl', 'cadet file name');
    const saved = path.join(tmp, 'enriched.jsonl');
    await dl.saveAs(saved);
    assertEq(readFileSync(saved, 'utf8'), native(['--profile', 'qradar-t1609', picks[picks.length - 1]]), 'cadet download');
    console.log(`        ${documents} ECS/OCSF documents identical`);
  });

  await check('with an edited pack, enriched output still equals native', async () => {
    const pack = native(['--default-pack']);
    const edited = pack.replace(/^threshold = 30$/m, 'threshold = 80');
    const packFile = path.join(tmp, 'edited.toml');
    writeFileSync(packFile, edited);
    await setProfile(page, 'cadet');
    await setRules(page, edited);
    await setRecords(page, readFileSync(examplesFile, 'utf8'));
    const want = native(['--profile', 'cadet', '--rules', packFile, examplesFile]).split('\n').filter((l) => l !== '');
    const got = await enrichedLines(page);
    assertEq(JSON.stringify(got), JSON.stringify(want), 'enriched output with the edited pack');
    await setRules(page, pack);
  });

  await check('a profile added in the edited pack can be chosen and scores like native', async () => {
    const pack = native(['--default-pack']);
    const team = `${pack}\n[[profile]]\nname = "team-exec"\ndescription = "Our own: any exec into a container"\ncombine = "max"\nthreshold = 1\n\n` +
      `[[rule]]\nid = "team.exec"\nprofile = "team-exec"\ntitle = "Exec into a container"\ntechniques = ["T1609"]\nscore = 42\nflags = ["container_exec"]\nwhen = 'cmd.action == "exec"'\n`;
    await setRules(page, team);
    const options = await page.$$eval('#profile option', (os) => os.map((o) => o.value));
    assert(options.includes('team-exec'), `team-exec not offered: ${options}`);
    await setProfile(page, 'team-exec');
    assertEq(await page.textContent('#profile-desc'), 'Profile team-exec: Our own: any exec into a container', 'profile description');
    const packFile = path.join(tmp, 'team.toml');
    writeFileSync(packFile, team);
    const want = native(['--profile', 'team-exec', '--rules', packFile, examplesFile]).split('\n').filter((l) => l !== '');
    assertEq(JSON.stringify(await enrichedLines(page)), JSON.stringify(want), 'enriched under team-exec');
    // Back to the default pack: the profile is gone and the page says so in place.
    await setRules(page, pack);
    const err = await page.textContent('#rules-error');
    assert(/unknown profile/.test(err), `no error for the missing profile: ${err}`);
    await setProfile(page, 'cadet');
    assert(await page.isHidden('#rules-error'), 'error still shown with profile cadet');
    const after = await page.$$eval('#profile option', (os) => os.map((o) => o.value));
    assert(!after.includes('team-exec'), `stale profile list: ${after}`);
  });

  await check('a log file opened from disk is scored like native', async () => {
    const file = files.find((f) => f.endsWith('.log')) || examplesFile;
    await settle(page, () => page.setInputFiles('#records-file', file));
    assertEq(await page.inputValue('#records'), readFileSync(file, 'utf8').replace(/\r\n?/g, '\n'), 'records pane');
    const want = native(['--profile', await page.inputValue('#profile'), file]).split('\n').filter((l) => l !== '');
    assertEq(JSON.stringify(await enrichedLines(page)), JSON.stringify(want), `enriched ${path.basename(file)}`);
  });

  await check('screenshot of the examples under the cadet profile', async () => {
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => Number(document.body.dataset.runs || 0) > 0, null, { timeout: 20000 });
    // Open the critical row's details, as an analyst would.
    const critical = page.locator('#verdict-rows tr.row[data-severity="critical"]').first();
    assert(await critical.count(), 'no critical row in the examples');
    await critical.click();
    // Each matched rule shows its content: description, references (links), false positives.
    const cards = await page.$$eval('tr.detail .rule-info', (cs) => cs.map((c) => ({
      description: c.querySelector('p')?.textContent ?? '',
      links: [...c.querySelectorAll('.rule-refs a')].map((a) => a.href),
      fps: c.querySelectorAll('.rule-fps li').length,
    })));
    assert(cards.length > 0, 'no rule content in the details');
    for (const c of cards) {
      assert(c.description.length > 20, `short description: ${c.description}`);
      assert(c.links.every((u) => u.startsWith('https://')), `references: ${c.links}`);
    }
    // The top rule scores >= 50, so it has all three (core/tests/rule_content.rs).
    assert(cards[0].links.length > 0 && cards[0].fps > 0, `top rule: ${JSON.stringify(cards[0])}`);
    mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    assert(statSync(screenshot).size > 10000, 'screenshot is empty');
    console.log(`        ${path.relative(process.cwd(), screenshot)}`);
  });

  await check('no error in the console and no request beyond 127.0.0.1', async () => {
    assertEq(JSON.stringify(offsite), '[]', 'off-site requests');
    const unexpected = problems.filter((p) => !/share link could not be read/.test(p));
    assertEq(JSON.stringify(unexpected), '[]', 'page errors');
  });

  await close();
}

try {
  await main();
} catch (e) {
  results.push({ name: 'test harness', ok: false });
  console.log(`  FAIL  test harness: ${e.stack || e}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
