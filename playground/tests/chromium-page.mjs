// The one setup every playground browser test uses (browser.test.mjs, hostile.test.mjs,
// hostile_rules.test.mjs): playground/dist served on 127.0.0.1 by a static server, and a
// headless Chromium (Debian's, driven by playwright-core) with one page open.
//
// Chromium runs with `--no-sandbox`: the tests run as root in CI and on the shared machine,
// where Chromium refuses to start with its sandbox. The profile lives in a fresh temporary
// folder, removed by `close()`. Nothing is loaded from beyond 127.0.0.1.
//
// Environment: CHROMIUM (default /usr/bin/chromium).

import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const repo = path.resolve(here, '..', '..');
/** The built page (playground/build.sh writes it). */
export const dist = path.join(repo, 'playground', 'dist');

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm' };

// Serves `dist` (`/` is index.html) and each of `routes` (URL path -> file); anything outside
// `dist` is 403, a missing file 404. `onServe(bytes)` is told of every file served.
function serve(routes, onServe) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const routed = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : null;
    const file = routed ?? path.join(dist, path.normalize(decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
    if (routed === null && !file.startsWith(dist + path.sep)) { res.writeHead(403).end(); return; }
    let size;
    try { size = statSync(file).size; } catch { res.writeHead(404).end('not found'); return; }
    onServe(size);
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] || 'application/octet-stream', 'content-length': size, 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Starts the server and Chromium. Options: `routes` (extra URL paths served from files),
 * `onServe(bytes)` (called for every file served), `context` (more playwright
 * `launchPersistentContext` options: viewport, acceptDownloads, ...).
 * Returns `{ origin, context, page, close }`; `close()` stops Chromium and the server and
 * removes the profile folder.
 */
export async function openPlayground({ routes = {}, onServe = () => {}, context: extra = {} } = {}) {
  const server = await serve(routes, onServe);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'cadet-playground-chromium-'));
  const cleanUp = () => { server.close(); rmSync(profileDir, { recursive: true, force: true }); };
  let context;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
      ...extra,
    });
  } catch (e) {
    cleanUp();
    throw e;
  }
  const page = context.pages()[0] || await context.newPage();
  const close = async () => {
    try { await context.close(); } finally { cleanUp(); }
  };
  return { origin, context, page, close };
}
