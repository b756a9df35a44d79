import { spawnInNetns } from '../../scripts/netns.js';

/**
 * Runs `node --import tsx script ...args` inside a fresh network namespace (only `lo`, so nothing it
 * starts can reach another interface) and resolves with the JSON it prints on a line `MARKER {...}`.
 */
export function runIsolated<T>(script: string, args: readonly string[], marker: string, timeoutMs: number, cwd: string): Promise<T> {
  const child = spawnInNetns(process.execPath, ['--import', 'tsx', script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child === null) return Promise.reject(new Error('cannot create a network namespace (unshare -n as root, or unshare -rn); this test needs one to keep all traffic on this machine'));
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString('utf8'); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${script} timed out after ${timeoutMs} ms\n${err.slice(-3000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(`${marker} `));
      if (code === 0 && line !== undefined) resolve(JSON.parse(line.slice(marker.length + 1)) as T);
      else reject(new Error(`${script} exited with ${String(code)}\n${err.slice(-3000)}`));
    });
  });
}

/** The child side: runs `main`, prints its result as `MARKER {...}` and exits (0, or 1 on error). */
export function reportResult(marker: string, main: () => Promise<unknown>): void {
  // A timed-out parent sends SIGTERM: exit through process.exit so that 'exit' hooks (coturn's kill) run.
  process.once('SIGTERM', () => process.exit(143));
  main().then(
    (result) => {
      process.stdout.write(`${marker} ${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
