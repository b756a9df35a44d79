import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `tsx eval/cli.ts <eval|upscale> ...`: the npm script `eval` and `swiftsr upscale` / `swiftsr eval`. */
export const USAGE = `usage:
  npm run eval -- --model models/<name> --data <image folder> [--scale N] [--write-metrics] [--label NAME] [--backend B] [--vp8 Q]
  npm run eval -- --model models/<name> --data <video clip> --degrade call:<vp8|vp9|h264>@<kbit/s>
      [--frames 60] [--fps 30] [--score-every 10] [--label CLIP] [--write-metrics]   (key: call:<codec>@<kbit/s>/<CLIP>)
  npx swiftsr upscale in.png out.png --model models/<name> [--backend B]
  backends: wasm (default), cpu, webgpu, tensorflow`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (rest.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  switch (cmd) {
    case 'eval': {
      const { runEval } = await import('./runEval.js');
      return runEval(rest);
    }
    case 'upscale': {
      const { runUpscale } = await import('./runUpscale.js');
      return runUpscale(rest);
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return cmd === undefined || cmd === '--help' ? 0 : 2;
  }
}

/** Errors whose message says it all; anything else prints its stack. */
const KNOWN = ['UsageError', 'DatasetError', 'BackendError', 'ImageReadError', 'ModelLoadError', 'RangeError', 'FfmpegError'];

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      const err = e as Error & { code?: unknown };
      // node:util parseArgs rejects unknown or malformed options with these codes: a usage error too.
      const usage = err.name === 'UsageError' || (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS'));
      process.stderr.write(`error: ${(usage || KNOWN.includes(err.name)) && process.env['SWIFTSR_DEBUG'] === undefined ? err.message : (err.stack ?? String(err))}\n`);
      if (usage) process.stderr.write(`${USAGE}\n`);
      process.exit(1);
    },
  );
}
