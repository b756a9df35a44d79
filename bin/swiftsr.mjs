#!/usr/bin/env node
// `npx swiftsr upscale in.png out.png --model models/<name>` and `npx swiftsr eval ...`: in a checkout, runs
// eval/cli.ts through tsx, so no build step is needed; the npm package (no sources) runs its prebuilt
// dist/cli/swiftsr.js (`npm run build`). Training is `npm run train` (the PyTorch engine).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [cmd, ...rest] = process.argv.slice(2);
const commands = new Set(['upscale', 'eval']);
if (cmd === undefined || !commands.has(cmd)) {
  process.stderr.write('usage: swiftsr upscale <in> <out> --model <dir> [--backend wasm|cpu]\n       swiftsr eval --model <dir> --data <image folder | video clip --degrade call:vp8@300>\n');
  process.exit(cmd === undefined || cmd === '--help' ? 0 : 2);
}
const source = join(root, 'eval', 'cli.ts');
const checkout = existsSync(source);
if (checkout) {
  try {
    createRequire(import.meta.url).resolve('tsx');
  } catch {
    process.stderr.write('swiftsr: the Node CLI in a checkout needs the `tsx` package (npm install tsx)\n');
    process.exit(1);
  }
}
// One process (no tsx CLI wrapper in between), so Ctrl-C reaches the command itself.
const entry = checkout ? ['--import', 'tsx', source] : [join(root, 'dist', 'cli', 'swiftsr.js')];
const r = spawnSync(process.execPath, [...entry, cmd, ...rest], { stdio: 'inherit', cwd: process.cwd() });
process.exit(r.status ?? 1);
