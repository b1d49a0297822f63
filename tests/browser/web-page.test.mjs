// The web page of `fishtts serve` in a real browser (Debian's chromium, driven by playwright-core): settings from
// the server, keyboard Generate with streaming playback, download of the WAV (equal to the API's non-streamed
// answer for the same request), Stop, adding a voice, phone width, and the API-key path under another host name.
//   node web-page.test.mjs --cli build/tools/fishtts/fishtts --fixture DIR --artifacts DIR
// Exit 0 = passed, 1 = failed, 77 = skipped (chromium or node_modules missing: scripts/setup.sh installs both).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { startServer } from './serve.mjs';
import { readWav } from './wav.mjs';

const CHROMIUM = '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({ options: { cli: { type: 'string' }, fixture: { type: 'string' },
                                                artifacts: { type: 'string' } } });
for (const name of ['cli', 'fixture', 'artifacts']) {
  if (!opts[name]) { console.error(`usage: --cli FISHTTS --fixture DIR --artifacts DIR (missing --${name})`); process.exit(2); }
}

function skip(why) {
  console.log(`SKIPPED: ${why}`);
  process.exit(77);
}
if (!fs.existsSync(CHROMIUM)) skip(`${CHROMIUM} is not installed (bash scripts/setup.sh installs Debian's chromium)`);
const playwrightEntry = path.join(here, 'node_modules', 'playwright-core', 'index.mjs');
if (!fs.existsSync(playwrightEntry)) skip(`${playwrightEntry} is missing (bash scripts/setup.sh runs npm ci in tests/browser)`);
const { chromium } = await import(pathToFileURL(playwrightEntry).href);

// ---- a tiny check runner: every check prints one line; the first failure ends the test ----

let passed = 0;
function check(condition, what, detail = '') {
  if (!condition) throw new Error(`FAILED: ${what}${detail ? `\n  ${detail}` : ''}`);
  passed += 1;
  console.log(`ok ${passed} - ${what}`);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fishtts-web-'));
fs.mkdirSync(opts.artifacts, { recursive: true });
const API_KEY = 'page-test-key-7f3c';
// What Generate says. The tiny model makes audio ~16x faster than real time (~3 ms a frame at one thread), so a
// one-sentence request (48 frames, 2.2 s of audio) was written in ~130 ms: a renderer that read its first piece
// late once got the whole body in one read. This text splits into 4 text chunks at chunk_length 150 (the first
// at most 100 characters), each generated to max_new_tokens in turn after its own prefill: 188 frames, 8.7 s of
// audio, 25 writes of the server spread over ~0.55 s on an idle machine (more under load), while the playback
// this test waits for stays under 10 s.
const SPOKEN = 'Hello from the browser test. This text is long enough to be split into several chunks, and each one is ' +
  'generated in turn. The audio of every chunk leaves the server in writes of its own, while the next chunk is ' +
  'still being made. So the page plays the first words long before the request finishes.';
const MIN_TEXT_CHUNKS = 3;
const serverArgs = (name) => ['--model', opts.fixture, '--cache-dir', path.join(work, 'cache'), '--precision', 'fp32',
  '--threads', '1', '--references-dir', path.join(work, `refs-${name}`), '--max-text-length', '500'];

const servers = [];
let browser = null;
const started = Date.now();
try {
  const open = await startServer(opts.cli, serverArgs('open'));
  servers.push(open);
  browser = await chromium.launchPersistentContext(path.join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1100, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
           // A second host name for the same loopback server: the page must not depend on "127.0.0.1".
           '--host-resolver-rules=MAP fishtts.test 127.0.0.1'],
  });
  const page = browser.pages()[0] ?? await browser.newPage();
  const consoleErrors = [];
  // The refusals this test provokes (409 for a voice added twice, 401 for a wrong key) log a failed load.
  const provoked = /Failed to load resource: the server responded with a status of (401|409)/;
  page.on('console', (m) => { if (m.type() === 'error' && !provoked.test(m.text())) consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  await testOpenServer(page, `http://127.0.0.1:${open.port}`, open);
  check(consoleErrors.length === 0, 'no errors in the browser console (CSP violations included)', consoleErrors.join('\n'));

  const keyed = await startServer(opts.cli, [...serverArgs('keyed'), '--api-key', API_KEY]);
  servers.push(keyed);
  await testApiKey(page, `http://fishtts.test:${keyed.port}`);
  console.log(`${passed} passed, 0 failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (e) {
  console.log(e.message);
  for (const s of servers) console.log(`--- server log ---\n${s.log()}`);
  console.log(`${passed} passed, 1 failed`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  for (const s of servers) await s.stop();
  fs.rmSync(work, { recursive: true, force: true });
}

// ---- the server without a key: the whole flow ----

async function testOpenServer(page, base, server) {
  const response = await page.goto(`${base}/`);
  check(response.status() === 200 && response.headers()['content-type'].startsWith('text/html'), 'GET / is the HTML page');
  const csp = response.headers()['content-security-policy'] ?? '';
  check(csp.includes("default-src 'self'") && !/https?:|\*/.test(csp), 'its CSP allows only the server itself', csp);
  await page.waitForFunction(() => document.getElementById('status').dataset.state === 'idle');
  check(await page.inputValue('#temperature') === '0.8' && await page.inputValue('#top_p') === '0.8' &&
        await page.inputValue('#repetition_penalty') === '1.1' && await page.inputValue('#max_new_tokens') === '1024' &&
        await page.inputValue('#chunk_length') === '200', 'settings start at the API defaults');
  check(await page.getAttribute('#chunk_length', 'min') === '100' && await page.getAttribute('#chunk_length', 'max') === '300' &&
        await page.getAttribute('#temperature', 'max') === '1', 'settings carry the API ranges');
  check((await page.textContent('#text-count')).includes('/ 500'), 'the text limit of --max-text-length is shown');
  await checkAccessibleBasics(page);

  // Keyboard only: type the text, Ctrl+Enter generates.
  await page.fill('#temperature', '0.7');
  await page.fill('#top_p', '0.9');
  await page.fill('#repetition_penalty', '1.2');
  await page.fill('#seed', '1234');
  await page.fill('#max_new_tokens', '48');
  await page.fill('#chunk_length', '150');
  await page.focus('#text');
  await page.keyboard.type(SPOKEN);
  const ttsRequest = page.waitForRequest((r) => r.url().endsWith('/v1/tts') && r.method() === 'POST');
  await page.keyboard.press('Control+Enter');
  const sent = JSON.parse((await ttsRequest).postData());
  check(sent.streaming === true && sent.seed === 1234 && sent.temperature === 0.7 && sent.top_p === 0.9 &&
        sent.repetition_penalty === 1.2 && sent.max_new_tokens === 48 && sent.chunk_length === 150,
        'Ctrl+Enter sends a streaming /v1/tts request with the chosen settings', JSON.stringify(sent));

  await page.waitForFunction(() => document.getElementById('status').dataset.state === 'done', null, { timeout: 60000 })
    .catch(async () => { throw new Error(`FAILED: generation did not finish: ${await page.textContent('#status')}`); });
  const m = await page.$eval('#metrics', (el) => ({ ...el.dataset }));
  check(Number(m.firstAudioAt) > 0 && Number(m.firstAudioAt) < Number(m.finishedAt) && Number(m.pieces) >= 2,
        `playback started before the request finished (${m.pieces} pieces, the first ` +
        `${(Number(m.finishedAt) - Number(m.firstAudioAt)).toFixed(0)} ms before the end)`, JSON.stringify(m));
  check(Number(m.ttfaMs) > 0 && Number(m.audioSeconds) > 0 && Number(m.rtf) > 0,
        'metrics show time to first audio, audio seconds and RTF', JSON.stringify(m));
  await page.waitForFunction(() => document.getElementById('metrics').dataset.playback === 'ended', null,
                             { timeout: 30000 });
  check(true, 'the audio played to its end through Web Audio');

  // The download is the whole stream as a proper WAV, equal to the API's non-streamed answer.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const wavPath = path.join(opts.artifacts, 'web-page.wav');
  await download.saveAs(wavPath);
  const fromPage = readWav(fs.readFileSync(wavPath));
  check(fromPage.encoding === 1 && fromPage.channels === 1 && fromPage.sampleRate === 44100 &&
        fromPage.bitsPerSample === 16 && fromPage.data.length > 0 && fromPage.riffSize === fromPage.fileSize - 8,
        `the downloaded WAV is RIFF 16-bit mono 44.1 kHz with ${fromPage.data.length / 2} samples and true sizes`);
  check(Math.abs(fromPage.data.length / 2 / 44100 - Number(m.audioSeconds)) < 1e-6, 'its length is the audio shown');
  const api = await fetch(`${base}/v1/tts`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                            body: JSON.stringify({ ...sent, streaming: false }) });
  const fromApi = readWav(new Uint8Array(await api.arrayBuffer()));
  check(api.status === 200 && fromApi.sampleRate === fromPage.sampleRate && fromApi.channels === fromPage.channels &&
        fromApi.bitsPerSample === fromPage.bitsPerSample, 'the API answers the same request in the same format');
  check(Buffer.compare(fromApi.data, fromPage.data) === 0,
        'the page\'s WAV has exactly the samples of the API\'s non-streamed WAV for the same seed',
        `${fromApi.data.length} vs ${fromPage.data.length} bytes`);
  const textChunks = Number(api.headers.get('x-fishtts-text-chunks'));
  check(textChunks >= MIN_TEXT_CHUNKS, `the request spanned ${textChunks} text chunks, each written after its own ` +
        'prefill (the premise of the streaming check above)');

  const screenshot = path.join(opts.artifacts, 'web-page.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);

  await testStop(page, server, base);
  await testAddVoice(page, wavPath);
  await testPhoneWidth(page);
}

// Every control has a label, and Tab reaches every control in order.
async function checkAccessibleBasics(page) {
  const unlabelled = await page.$$eval('input, select, textarea, button, progress, audio', (els) => els
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') &&
                    !(el.tagName === 'BUTTON' && el.textContent.trim()))
    .map((el) => el.id || el.outerHTML));
  check(unlabelled.length === 0, 'every control has a label', unlabelled.join(', '));
  const expected = ['text', 'voice', 'temperature', 'top_p', 'repetition_penalty', 'seed', 'max_new_tokens',
                    'chunk_length', 'generate', 'voice-id', 'voice-audio', 'voice-text', 'voice-add'];
  const visited = [];
  await page.focus('body');
  for (let i = 0; i < 30 && visited.at(-1) !== 'voice-add'; ++i) {
    await page.keyboard.press('Tab');
    visited.push(await page.evaluate(() => document.activeElement?.id ?? ''));
  }
  check(expected.every((id) => visited.includes(id)), 'Tab reaches every control', visited.join(' > '));
}

async function testStop(page, server, base) {
  const metrics = async () => (await (await fetch(`${base}/metrics`)).text());
  const cancelled = (text) => Number(/^fishtts_syntheses_cancelled_total (\d+)/m.exec(text)?.[1] ?? NaN);
  const before = cancelled(await metrics());
  await page.fill('#max_new_tokens', '0');  // to the end of the context (the tiny model: ~2 s of synthesis)
  // Stop is pressed by the page's own event loop the moment audio plays: a round trip from here could come late.
  await page.evaluate(() => {
    const status = document.getElementById('status');
    new MutationObserver((_, observer) => {
      if (status.dataset.state !== 'playing') return;
      observer.disconnect();
      window.playbackAtStop = document.getElementById('metrics').dataset.playback;
      window.progressShownAtStop = !document.getElementById('progress').hidden;
      document.getElementById('stop').click();
    }).observe(status, { attributes: true, attributeFilter: ['data-state'] });
  });
  await page.click('#generate');
  await page.waitForFunction(() => ['stopped', 'done', 'error'].includes(document.getElementById('status').dataset.state),
                             null, { timeout: 60000 });
  check(await page.getAttribute('#status', 'data-state') === 'stopped' &&
        await page.evaluate(() => window.playbackAtStop) === 'started',
        'Stop while the audio plays stops the request', await page.textContent('#status'));
  check(await page.evaluate(() => window.progressShownAtStop) && await page.isHidden('#progress'),
        'a progress bar shows while the request runs, and only then');
  check(!(await page.isDisabled('#generate')) && await page.isDisabled('#stop') &&
        await page.getAttribute('#metrics', 'data-playback') === 'stopped', 'the page is ready again, its audio stopped');
  let after = before;
  for (let i = 0; i < 100 && after === before; ++i) {
    await new Promise((r) => setTimeout(r, 100));
    after = cancelled(await metrics());
  }
  check(after === before + 1, 'the server cancelled the synthesis', `${before} -> ${after}\n${server.log()}`);
  await page.fill('#max_new_tokens', '48');
}

async function testAddVoice(page, wavPath) {
  await page.fill('#voice-id', 'browser voice');
  await page.setInputFiles('#voice-audio', wavPath);
  await page.fill('#voice-text', SPOKEN);
  await page.click('#voice-add');
  await page.waitForFunction(() => ['ok', 'error'].includes(document.getElementById('voice-status').dataset.state));
  check(await page.getAttribute('#voice-status', 'data-state') === 'ok', 'adding a voice through the page succeeds',
        await page.textContent('#voice-status'));
  check(await page.inputValue('#voice') === 'browser voice', 'the new voice is in the picker and selected');
  await page.click('#voice-add');  // the same id again: the server refuses with 409
  await page.waitForFunction(() => document.getElementById('voice-status').dataset.state === 'error');
  const refused = await page.textContent('#voice-status');
  check(refused.includes('409') && refused.includes('browser voice'), 'the server\'s refusal is shown', refused);
}

async function testPhoneWidth(page) {
  await page.setViewportSize({ width: 375, height: 800 });
  const layout = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    columns: new Set([...document.querySelectorAll('main > :not([hidden])')].map((el) => el.getBoundingClientRect().left)).size,
  }));
  check(layout.overflow <= 0 && layout.columns === 1, 'at phone width the page is one column without side scrolling',
        JSON.stringify(layout));
  await page.screenshot({ path: path.join(opts.artifacts, 'web-page-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1100, height: 900 });
}

// ---- the server with --api-key, reached under another host name ----

async function testApiKey(page, base) {
  const urls = [];
  const authorizations = [];
  page.on('request', (r) => {
    urls.push(r.url());
    if (r.headers().authorization) authorizations.push(r.headers().authorization);
  });
  await page.goto(`${base}/`);
  await page.waitForFunction(() => document.getElementById('status').dataset.state === 'idle');
  check(await page.isVisible('#api-key'), 'with --api-key the page asks for the key (loaded from another host name)');
  await page.fill('#api-key', 'wrong-key');
  await page.fill('#text', 'Hello.');
  await page.press('#seed', 'Enter');  // Enter in any settings field generates, as the form's submit
  await page.waitForFunction(() => document.getElementById('status').dataset.state === 'error', null, { timeout: 30000 });
  const error = await page.textContent('#status');
  check(error.includes('401') && error.includes('API key'), 'a wrong key shows the server\'s 401 error', error);
  check(authorizations.includes('Bearer wrong-key'), 'the key is sent as a Bearer token');

  await page.fill('#api-key', API_KEY);
  await page.press('#api-key', 'Tab');  // change: the voice list is read with the key
  await page.waitForFunction(() => document.getElementById('voice').dataset.count !== undefined, null, { timeout: 10000 });
  check(await page.getAttribute('#voice-status', 'data-state') !== 'error' &&
        await page.getAttribute('#status', 'data-state') === 'idle', 'the right key lists the voices and clears the error');
  check(urls.every((u) => !u.includes(API_KEY) && !u.includes('wrong-key')), 'the key never appears in a URL',
        urls.join('\n'));
  await page.screenshot({ path: path.join(opts.artifacts, 'web-page-api-key.png') });
}
