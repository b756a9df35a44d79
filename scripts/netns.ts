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
