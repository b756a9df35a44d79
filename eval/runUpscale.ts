import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadGenerator } from '../src/model/index.js';
import { UsageError } from './cli.js';
import { readImage, writePng } from '../imaging/image.js';
import { BACKENDS, setupBackend, type BackendName } from './backend.js';
import { superResolve } from './evaluate.js';

/** `swiftsr upscale in.png out.png --model models/<name>`: one image through the model, written as PNG. */
export async function runUpscale(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, backend: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const [input, output] = positionals;
  if (input === undefined || output === undefined || positionals.length !== 2 || v.model === undefined) {
    throw new UsageError('upscale needs <in> <out> and --model <dir>');
  }
  const backend = (v.backend ?? 'wasm') as BackendName;
  if (!BACKENDS.includes(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
  await setupBackend(backend);
  const model = await loadGenerator(resolve(v.model));
  try {
    const img = await readImage(input);
    const sr = superResolve((x) => model.predict(x), img);
    await writePng(output, sr);
    process.stderr.write(`${input} ${img.width}x${img.height} -> ${output} ${sr.width}x${sr.height} (${model.variant})\n`);
    return 0;
  } finally {
    model.dispose();
  }
}
