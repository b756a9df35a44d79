import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';

/** Where and how a result was made, stored next to every number. */
export interface RunInfo {
  readonly date: string;
  readonly command: string;
  readonly gitCommit: string | null;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly os: string;
    readonly node: string;
    /** 1-minute load average at the start: this machine is shared, so timings are noisy. */
    readonly loadAverage1m: number;
  };
  readonly tools: Record<string, string>;
}

function firstLine(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]?.trim() ?? null;
  } catch {
    return null;
  }
}

/** `npm run <script> -- <args>` as the user would type it to redo the run. */
export function commandLine(script: string, args: readonly string[]): string {
  const quoted = args.map((a) => (/^[\w./=:,@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return `npm run ${script}${quoted.length > 0 ? ` -- ${quoted.join(' ')}` : ''}`;
}

export function runInfo(command: string, tools: Record<string, string> = {}): RunInfo {
  const c = cpus();
  return {
    date: new Date().toISOString(),
    command,
    gitCommit: firstLine('git', ['rev-parse', '--short', 'HEAD']),
    machine: {
      cpu: c[0]?.model ?? 'unknown',
      cores: c.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${osType()} ${release()}`,
      node: process.version,
      loadAverage1m: Number((loadavg()[0] ?? 0).toFixed(2)),
    },
    tools,
  };
}

export function ffmpegVersion(): string {
  return firstLine('ffmpeg', ['-version']) ?? 'absent';
}
