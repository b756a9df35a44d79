import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** Set in a process we started inside its own network namespace. */
export const IN_NETNS_ENV = 'SWIFTSR_IN_NETNS';

/**
 * The command prefix that runs a program in a fresh network namespace with only `lo` (up): nothing it
 * sends can leave the machine, and WebRTC cannot pick the LAN interface. As root: `unshare -n`; as
 * another user: `unshare -rn` (needs unprivileged user namespaces). null when neither works here.
 */
export function netnsPrefix(): string[] | null {
  const tries = process.getuid?.() === 0 ? [['unshare', '-n'], ['unshare', '-rn']] : [['unshare', '-rn']];
  for (const prefix of tries) {
    const [cmd, ...args] = prefix as [string, ...string[]];
    const r = spawnSync(cmd, [...args, 'sh', '-c', 'ip link set lo up && ip -o link | wc -l'], { encoding: 'utf8', timeout: 10_000 });
    // Exactly one link (lo) inside: the namespace is isolated.
    if (r.status === 0 && r.stdout.trim() === '1') return prefix;
  }
  return null;
}

export function inNetns(): boolean {
  return process.env[IN_NETNS_ENV] === '1';
}

/** Spawns `cmd args` inside a new network namespace (lo up), or returns null when none can be made. */
export function spawnInNetns(cmd: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess | null {
  const prefix = netnsPrefix();
  if (prefix === null) return null;
  const [unshare, ...flags] = prefix as [string, ...string[]];
  return spawn(unshare, [...flags, 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', cmd, ...args], {
    ...options,
    env: { ...(options.env ?? process.env), [IN_NETNS_ENV]: '1' },
  });
}

/**
 * Runs `node --import tsx script ...args` inside a fresh network namespace (only `lo`, so nothing it
 * starts can reach another interface) and resolves with the JSON it prints on a line `MARKER {...}`.
 * `onStderrLine` sees the child's progress lines as they come.
 */
export function runIsolated<T>(script: string, args: readonly string[], marker: string, timeoutMs: number, cwd: string, onStderrLine?: (line: string) => void): Promise<T> {
  const child = spawnInNetns(process.execPath, ['--import', 'tsx', script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child === null) return Promise.reject(new Error('cannot create a network namespace (unshare -n as root, or unshare -rn); this test needs one to keep all traffic on this machine'));
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  child.stderr?.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    err += text;
    if (onStderrLine !== undefined) for (const line of text.split('\n')) onStderrLine(line);
  });
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
  // A timed-out parent sends SIGTERM: exit through process.exit so that 'exit' hooks (coturn's kill,
  // launched browsers) run.
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
