// Replays records through the cadet component transpiled by jco, under node, and compares
// every output with the native core's, byte for byte.
//
//   node jco/replay.mjs <transpiled>/cadet.js <cases-dir>
//
// <cases-dir> holds records.jsonl (one record per line) and, per profile,
// expected.<profile>.jsonl (the native `Engine::enrich` output, line for line).
// Prints one JSON summary line per profile; exits 1 if any output differs.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modulePath, casesDir] = process.argv.slice(2);
if (!modulePath || !casesDir) {
  console.error('usage: node jco/replay.mjs <transpiled>/cadet.js <cases-dir>');
  process.exit(2);
}
const { detector } = await import(pathToFileURL(modulePath).href);

/** Splits a buffer on \n into byte lines (the last one may be empty). */
function lines(buf) {
  const out = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0x0a) {
      out.push(buf.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < buf.length) out.push(buf.subarray(start));
  return out;
}

// ignoreBOM: keep a leading BOM in the string (the default strips it), as the bytes have it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const records = lines(readFileSync(join(casesDir, 'records.jsonl')));
const texts = records.map((r) => {
  try {
    return utf8.decode(r);
  } catch {
    return null;
  }
});
const BATCH = 256;
let failed = false;

for (const file of readdirSync(casesDir).sort()) {
  const m = /^expected\.(.+)\.jsonl$/.exec(file);
  if (!m) continue;
  const profile = m[1];
  const expected = lines(readFileSync(join(casesDir, file)));
  if (expected.length !== records.length) throw new Error(`${file}: ${expected.length} lines for ${records.length} records`);
  detector.configure({ profile, mode: 'enrich-all', stateCapacity: 0 });
  if (detector.profile() !== profile) throw new Error(`configure(${profile}) left ${detector.profile()}`);
  const summary = { profile, records: records.length, utf8: 0, enrich: 0, batch: 0, bytes: 0, mismatches: [] };
  const same = (i, got, call) => {
    const ok = got !== undefined && Buffer.compare(Buffer.from(got), expected[i]) === 0;
    if (!ok && summary.mismatches.length < 3) {
      summary.mismatches.push({ index: i, call, native: expected[i].toString('utf8').slice(0, 300), jco: got === undefined ? null : Buffer.from(got).toString('utf8').slice(0, 300) });
    }
    return ok;
  };
  // Each call replays the records from the start on a fresh engine (configure again), as the
  // native engine did once: a later record of a request (audit ID) already matched is a
  // duplicate in both (scoredRequests omitted: the default set of 4096).
  const text = [];
  records.forEach((r, i) => {
    if (same(i, detector.enrichBytes(r), 'enrich-bytes')) summary.bytes++;
    if (texts[i] !== null) text.push(i);
  });
  detector.configure({ profile, mode: 'enrich-all', stateCapacity: 0 });
  text.forEach((i) => {
    if (same(i, Buffer.from(detector.enrich(texts[i]), 'utf8'), 'enrich')) summary.enrich++;
  });
  summary.utf8 = text.length;
  detector.configure({ profile, mode: 'enrich-all', stateCapacity: 0 });
  for (let b = 0; b < text.length; b += BATCH) {
    const chunk = text.slice(b, b + BATCH);
    const outs = detector.enrichBatch(chunk.map((i) => texts[i]));
    chunk.forEach((i, k) => {
      if (same(i, outs[k] === undefined ? undefined : Buffer.from(outs[k], 'utf8'), 'enrich-batch')) summary.batch++;
    });
  }
  // A bad configuration is an exception carrying the message, and the engine stays.
  let error = null;
  try {
    detector.configure({ profile: 'no-such-profile', mode: 'enrich-all', stateCapacity: 0 });
  } catch (e) {
    error = String(e.payload ?? e.message ?? e);
  }
  summary.configureError = error;
  summary.identical = summary.enrich === summary.utf8 && summary.batch === summary.utf8 && summary.bytes === summary.records && error !== null && detector.profile() === profile;
  if (!summary.identical) failed = true;
  console.log(JSON.stringify(summary));
}
process.exit(failed ? 1 : 0);
