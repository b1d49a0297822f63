// What the client tests share: the command line, the skip rule (exit 77) and a demo-model server of their own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { FFMPEG, FFPROBE } from './audio-probe.mjs';
import { startServer } from '../browser/serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export function skip(why) {
  console.log(`SKIPPED: ${why}`);
  process.exit(77);
}

// --cli FISHTTS [--cache-dir DIR]: the binary under test, and where the demo model's converted bundle is kept.
export function cliOptions() {
  const { values } = parseArgs({ options: { cli: { type: 'string' }, 'cache-dir': { type: 'string' } } });
  if (!values.cli) {
    console.error('usage: --cli FISHTTS [--cache-dir DIR] (missing --cli)');
    process.exit(2);
  }
  return { cli: values.cli, cacheDir: values['cache-dir'] };
}

// An npm package of tests/clients/package-lock.json, or a skip naming the install step when it is missing.
export async function loadPackage(name) {
  if (!fs.existsSync(path.join(here, 'node_modules', name, 'package.json'))) {
    skip(`tests/clients/node_modules/${name} is missing (bash scripts/setup.sh runs npm ci in tests/clients)`);
  }
  return import(name);
}

// The answers are read back by FFmpeg's tools, or the test is skipped naming the install step.
export function requireFfmpeg() {
  for (const tool of [FFPROBE, FFMPEG]) {
    if (!fs.existsSync(tool)) skip(`${tool} is missing (bash scripts/setup.sh installs Debian's ffmpeg)`);
  }
}

// `fishtts serve` with no --model (the demo model: random weights, noise), a reference folder of its own and any
// further arguments.
export async function startDemoServer({ cli, cacheDir }, args = []) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fishtts-clients-'));
  const server = await startServer(cli, ['--references-dir', path.join(work, 'refs'),
                                         '--cache-dir', cacheDir ?? path.join(work, 'cache'), ...args]);
  // A test ended by a signal (Ctrl-C, a kill) or a crash must not leave its server running: SIGTERM it on the way out.
  const onExit = () => { server.stop(); fs.rmSync(work, { recursive: true, force: true }); };
  process.once('exit', onExit);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => process.exit(128 + os.constants.signals[signal]));
  }
  return {
    ...server,
    async stop() {
      process.off('exit', onExit);
      await server.stop();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
