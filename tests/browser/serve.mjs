// Starts the real `fishtts serve` on a free loopback port and learns the port from its "listening on" line.
import { spawn } from 'node:child_process';

export async function startServer(cli, args, { timeoutMs = 120000 } = {}) {
  const child = spawn(cli, ['serve', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fishtts serve did not listen within ${timeoutMs} ms:\n${log}`)),
                             timeoutMs);
    child.stderr.on('data', (data) => {
      log += data;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`fishtts serve exited (${code}):\n${log}`)); });
  });
  return {
    port,
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    },
  };
}
