/**
 * npx tsx bin/convert-pth.ts <in.pth[.tar]> <out-dir> [--variant NAME] [--no-fold] [--provenance FILE.json]
 * Converts a PyTorch SwiftSRGAN checkpoint (e.g. the authors' swift_srgan_4x.pth.tar) into the swiftsr
 * weights format (model.json + shards + swiftsr.json), without Python. `--provenance` merges a JSON object
 * (the PyTorch trainer's record of data, steps, seed...) into swiftsr.json's provenance.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { convertPth } from '../src/model/convertPth.js';
import { disposeWeights } from '../src/model/initGeneratorWeights.js';
import { ModelLoadError } from '../src/model/ModelLoadError.js';
import { PthFormatError } from '../src/model/pth/errors.js';
import { saveGenerator } from '../src/model/saveGenerator.js';
import { sha256Hex } from '../src/model/sha256.js';

const USAGE = 'usage: convert-pth <in.pth[.tar]> <out-dir> [--variant NAME] [--no-fold] [--provenance FILE.json]';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { variant: { type: 'string' }, 'no-fold': { type: 'boolean' }, provenance: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help === true || positionals.length !== 2) {
    console.error(USAGE);
    return values.help === true ? 0 : 2;
  }
  const [input = '', outDir = ''] = positionals;
  const extra = values.provenance === undefined ? {} : await readProvenance(values.provenance);
  await tf.setBackend('cpu');
  const bytes = new Uint8Array(await readFile(input));
  const converted = await convertPth(bytes, values.variant === undefined ? {} : { variant: values.variant });
  try {
    const meta = await saveGenerator(resolve(outDir), {
      variant: converted.variant,
      config: converted.config,
      weights: converted.weights,
      fold: values['no-fold'] !== true,
      provenance: { source: basename(input), sourceSha256: await sha256Hex(bytes), convertedBy: 'bin/convert-pth.ts', convertedAt: new Date().toISOString(), ...extra },
    });
    console.log(`${outDir}: variant ${meta.variant}, ${meta.shards.reduce((n, s) => n + s.bytes, 0)} bytes in ${meta.shards.length} shard(s), bnFolded ${String(meta.bnFolded)}`);
    return 0;
  } finally {
    disposeWeights(converted.weights);
  }
}

async function readProvenance(path: string): Promise<Record<string, unknown>> {
  const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError(`--provenance ${path} must hold a JSON object`);
  return parsed as Record<string, unknown>;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (e: unknown) => {
  // A bad checkpoint is the user's input, not a bug: one line naming the problem, no stack trace.
  console.error(e instanceof ModelLoadError ? `convert-pth: ${e.code}: ${e.message}` : e instanceof PthFormatError ? `convert-pth: ${e.name}: ${e.message}` : e);
  process.exitCode = 1;
});
