// The shared hostile corpus (scripts/hostile-corpus, issue 15) through the playground's
// WebAssembly build in headless Chromium: the page's own module (playground/dist) is loaded
// and every record of the corpus is analysed, one record per call, under every profile the
// build reports (`profiles(null)`, never hard-coded), exactly as the page analyses a pasted
// line. Checked: no exception or trap; a record that is not blank gives exactly one enriched
// line and one verdict (a blank line gives none: the page skips blank lines); every enriched
// line parses as a JSON object whose `cadet` member is the verdict of that profile, and a line
// that is not a JSON object is carried in `message`: the whole contract, no exception counted
// (issue 15).
//
// The page reads text, so the bytes are decoded as UTF-8 with U+FFFD for invalid bytes
// (TextDecoder, as a paste would), and `\r` stays on its line (the page splits on `\n`).
//
// Environment: HOSTILE_CORPUS (path of the corpus file; default: generated with
// scripts/hostile-corpus into target/tmp/hostile-corpus), CHROMIUM (default /usr/bin/chromium).

import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { openPlayground, repo } from './chromium-page.mjs';

const corpusPath = process.env.HOSTILE_CORPUS || execFileSync('python3', [
  path.join(repo, 'scripts', 'hostile-corpus'), '--cached', path.join(process.env.CARGO_TARGET_DIR || path.join(repo, 'target'), 'tmp', 'hostile-corpus'),
], { encoding: 'utf8' }).trim();

// Runs in the page: everything the playground build does with each record.
async function replayInPage() {
  const mod = await import('/cadet_playground.js');
  await mod.default();
  const bytes = new Uint8Array(await (await fetch('/hostile-corpus')).arrayBuffer());
  const lines = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) { lines.push(bytes.subarray(start, i)); start = i + 1; }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  const decoder = new TextDecoder('utf-8');
  const texts = lines.map((l) => decoder.decode(l));
  const isAsciiWs = (c) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
  const trim = (s) => { let a = 0, b = s.length; while (a < b && isAsciiWs(s[a])) a++; while (b > a && isAsciiWs(s[b - 1])) b--; return s.slice(a, b); };
  const isObject = (s) => { try { const v = JSON.parse(s); return v !== null && typeof v === 'object' && !Array.isArray(v); } catch { return false; } };
  const profiles = mod.profiles(null).profiles.map((p) => p.name);
  const pg = new mod.Playground();
  const out = [];
  for (const profile of profiles) {
    const s = { profile, records: texts.length, blank: 0, enriched: 0, matched: 0, errors: 0, failures: [], ms: 0 };
    const t0 = performance.now();
    texts.forEach((text, i) => {
      const fail = (why) => { if (s.failures.length < 10) s.failures.push(`record ${i}: ${why}`); };
      let a;
      try {
        a = pg.analyze(text, null, profile);
      } catch (e) {
        fail(`analyze threw: ${e}`);
        return;
      }
      if (a.error) { fail(`rule error: ${JSON.stringify(a.error)}`); return; }
      if (trim(text) === '') {
        s.blank++;
        if (a.enriched.length !== 0) fail('a blank line gave a record');
        return;
      }
      if (a.enriched.length !== 1 || a.verdicts.length !== 1) { fail(`${a.enriched.length} enriched lines`); return; }
      s.enriched++;
      s.matched += a.verdicts[0].matched ? 1 : 0;
      s.errors += a.verdicts[0].error ? 1 : 0;
      const line = a.enriched[0];
      if (line.includes('\n')) { fail('enriched line holds a newline'); return; }
      let v;
      try { v = JSON.parse(line); } catch (e) {
        fail(`enriched line is not JSON (${e.message}): ${line.slice(0, 160)}`);
        return;
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) { fail('enriched line is not an object'); return; }
      if (!v.cadet || v.cadet.profile !== profile) { fail(`cadet verdict missing or of another profile: ${JSON.stringify(v.cadet)?.slice(0, 160)}`); return; }
      if (!isObject(trim(text)) && v.message === undefined) fail('a line that is not a JSON object has no message');
    });
    s.ms = Math.round(performance.now() - t0);
    out.push(s);
  }
  return out;
}

let failed = 0;
const { context, page, origin, close } = await openPlayground({ routes: { '/hostile-corpus': corpusPath } });
try {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('crash', () => problems.push('the page crashed'));
  await page.goto(`${origin}/cadet_playground.js`);
  console.log(`cadet playground hostile corpus — ${path.basename(corpusPath)} (${statSync(corpusPath).size} bytes), Chromium ${context.browser()?.version() ?? ''}`);
  const summaries = await page.evaluate(replayInPage);
  console.log('profile (playground) | records | blank | enriched | matched | errors | ms');
  for (const s of summaries) {
    console.log(`${s.profile.padEnd(20)} | ${String(s.records).padStart(7)} | ${String(s.blank).padStart(5)} | ${String(s.enriched).padStart(8)} | ${String(s.matched).padStart(7)} | ${String(s.errors).padStart(6)} | ${s.ms}`);
    const ok = s.failures.length === 0 && s.blank + s.enriched + s.failures.length >= s.records;
    console.log(`  ${ok ? 'ok  ' : 'FAIL'}  hostile corpus under ${s.profile}: one valid JSON line per record`);
    for (const f of s.failures) console.log(`        ${f}`);
    if (!ok) failed++;
  }
  if (summaries.length < 4) { console.log(`  FAIL  only ${summaries.length} profiles reported`); failed++; }
  if (problems.length) { console.log(`  FAIL  page problems: ${problems.join('; ')}`); failed++; }
  console.log(`${summaries.length - Math.min(failed, summaries.length)} passed, ${failed} failed`);
} finally {
  await close();
}
process.exit(failed ? 1 : 0);
