import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '../eval/backend.js';
import { degradeClip, parseDegradation } from '../imaging/callDegrade.js';
import { quantize, readImage, type RgbImage } from '../imaging/image.js';
import { imresize } from '../imaging/imresize.js';
import { psnrY } from '../imaging/metrics.js';
import { FineTuner } from '../src/adapt/fineTune.js';
import { decodeModelUpdate, encodeModelUpdate, updateBytes } from '../src/adapt/modelUpdate.js';
import { areaResize, cropPairs } from '../src/adapt/trainingPairs.js';
import { updateBaseFromWeights, valuesToWeights, type UpdateBase } from '../src/adapt/updateBase.js';
import { createGenerator } from '../src/model/createGenerator.js';
import { loadGeneratorWeights } from '../src/model/loadGenerator.js';
import { commandLine, ffmpegVersion, runInfo } from './machine.js';
import { REPO_ROOT, RESULTS_DIR, requirePath, SHARED_DATASETS } from './paths.js';

export const ADAPT_HELP = `adapt: online adaptation (issue 12). A shipped model fine-tuned (FineTuner, TF.js wasm) on the first
  frames of a talking-head clip, scored on later frames it has not seen: Y-PSNR of bicubic, the static
  model and the adapted model as a receiver gets it (int8 update), vs seconds of adaptation and update size.
  --models tiny,lite32x4   model directories under models/ (default tiny)
  --frames <dir>           PNG frames (default ../shared/datasets/conference), --clip FourPeople
  --train 12               first N frames train, the rest are scored
  --seconds 60             adaptation budget per model (wall clock, evaluation excluded); --checkpoints 4
  --crop 24 --batch 8 --lr 1e-3 --seed 1
  --degrade call:vp8@750   LR through a real-time call encode of the clip's video (conference/<clip>_*.mp4)
  --out bench/results/adapt-gain.json`;

interface Pair {
  readonly lr: RgbImage;
  readonly hr: RgbImage;
}

/** Y-PSNR (border = scale) of 8-bit outputs, as a screen shows them; frames one at a time. */
function score(pairs: readonly Pair[], scale: number, up: (lr: RgbImage) => RgbImage): number {
  const values = pairs.map((p) => psnrY(quantize(up(p.lr)), p.hr, scale));
  return Number((values.reduce((a, b) => a + b, 0) / values.length).toFixed(3));
}

function modelUp(predict: (x: tf.Tensor4D) => tf.Tensor4D): (lr: RgbImage) => RgbImage {
  return (lr) => {
    const y = tf.tidy(() => predict(tf.tensor4d(lr.data, [1, lr.height, lr.width, 3])));
    const data = y.dataSync() as Float32Array;
    y.dispose();
    return { width: y.shape[2], height: y.shape[1], data };
  };
}

function scoreValues(base: UpdateBase, values: readonly Float32Array[], pairs: readonly Pair[]): number {
  const gen = createGenerator(base.config, base.variant, valuesToWeights(base, values));
  try {
    return score(pairs, base.config.scale, modelUp((x) => gen.predict(x)));
  } finally {
    gen.dispose();
  }
}

async function cleanPairs(dir: string, clip: string, scale: number): Promise<Pair[]> {
  const names = readdirSync(dir).filter((f) => f.startsWith(`${clip}_`) && f.endsWith('.png')).sort();
  if (names.length < 2) throw new RangeError(`${dir}: fewer than 2 ${clip}_*.png frames`);
  return Promise.all(names.map(async (n) => {
    const hr = await readImage(join(dir, n));
    const w = hr.width - (hr.width % scale);
    const h = hr.height - (hr.height % scale);
    const cropped = w === hr.width && h === hr.height ? hr : areaResize(hr, w, h);
    return { hr: cropped, lr: quantize(areaResize(cropped, w / scale, h / scale)) };
  }));
}

async function callPairs(dir: string, clip: string, scale: number, spec: string, count: number): Promise<{ pairs: Pair[]; kbps: number }> {
  const video = readdirSync(dir).find((f) => f.startsWith(`${clip}_`) && f.endsWith('.mp4'));
  if (video === undefined) throw new RangeError(`${dir}: no ${clip}_*.mp4 for --degrade`);
  // The PNG frames are every 25th frame of the 60 fps video; score the same instants.
  const scored = Array.from({ length: count }, (_, i) => 25 * (i + 1) - 1);
  const call = await degradeClip({ source: join(dir, video), scale, degradation: parseDegradation(spec), frames: 25 * count, fps: 60, scored });
  return { pairs: scored.map((i) => ({ lr: call.lr.get(i) as RgbImage, hr: call.hr.get(i) as RgbImage })), kbps: call.kbps };
}

interface Options {
  readonly seconds: number;
  readonly checkpoints: number;
  readonly crop: number;
  readonly batch: number;
  readonly lr: number;
  readonly seed: number;
}

async function adaptModel(dir: string, train: readonly Pair[], test: readonly Pair[], o: Options): Promise<Record<string, unknown>> {
  const { meta, weights } = await loadGeneratorWeights(dir);
  if (!meta.bnFolded) throw new RangeError(`${dir}: not a folded (shipped) model`);
  const base = await updateBaseFromWeights(meta.variant, meta.config, weights);
  const scale = meta.config.scale;
  const staticPsnr = scoreValues(base, base.values, test);
  const tuner = await FineTuner.create(meta.config, weights, { learningRate: o.lr });
  for (const t of weights.values()) t.dispose();
  const curve: Record<string, number>[] = [{ seconds: 0, cpuSeconds: 0, steps: 0, yPsnr: staticPsnr, gain: 0 }];
  let wall = 0;
  let cpu = 0;
  let lastLoss = Number.NaN;
  for (let k = 1; k <= o.checkpoints; k++) {
    const until = (o.seconds * k) / o.checkpoints;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    while (wall + (performance.now() - t0) / 1000 < until) {
      const s = tuner.steps;
      const p = train[s % train.length] as Pair;
      lastLoss = await tuner.step(cropPairs(p.lr, p.hr, { scale, crop: o.crop, count: o.batch, seed: o.seed * 1_000_003 + s }));
    }
    wall += (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1e6;
    // What a receiver paints: the int8 update decoded against its base.
    const received = decodeModelUpdate(encodeModelUpdate(base, await tuner.values(), k, { encoding: 'int8' }), base).values;
    const yPsnr = scoreValues(base, received, test);
    curve.push({ seconds: Number(wall.toFixed(1)), cpuSeconds: Number(cpu.toFixed(1)), steps: tuner.steps, trainL1: Number(lastLoss.toFixed(5)), yPsnr, gain: Number((yPsnr - staticPsnr).toFixed(3)) });
    console.log(`  ${meta.variant} ${wall.toFixed(0)} s (${tuner.steps} steps): ${yPsnr} dB (${(yPsnr - staticPsnr).toFixed(2)} dB over static)`);
  }
  const adapted = await tuner.values();
  const finalFp32 = score(test, scale, modelUp((x) => tuner.predict(x)));
  const finalFp16 = scoreValues(base, decodeModelUpdate(encodeModelUpdate(base, adapted, 1), base).values, test);
  tuner.dispose();
  const int8Message = encodeModelUpdate(base, adapted, 1, { encoding: 'int8' });
  const bytes = { fp16: updateBytes(base, 'fp16'), int8: updateBytes(base, 'int8'), int8Gzip: gzipSync(int8Message, { level: 9 }).length };
  const everySeconds = [1, 5, 10, 30];
  return {
    variant: meta.variant,
    baseSha256: base.digestHex,
    weights: base.count,
    staticYPsnr: staticPsnr,
    curve,
    final: { fp32: finalFp32, fp16Update: finalFp16, int8Update: curve[curve.length - 1]?.['yPsnr'] },
    updateBytes: bytes,
    updateKbps: Object.fromEntries(everySeconds.map((n) => [`every${n}s`, { int8: Number(((bytes.int8 * 8) / n / 1000).toFixed(2)), fp16: Number(((bytes.fp16 * 8) / n / 1000).toFixed(2)) }])),
  };
}

export async function adaptMain(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      models: { type: 'string', default: 'tiny' }, frames: { type: 'string', default: join(SHARED_DATASETS, 'conference') },
      clip: { type: 'string', default: 'FourPeople' }, train: { type: 'string', default: '12' }, seconds: { type: 'string', default: '60' },
      checkpoints: { type: 'string', default: '4' }, crop: { type: 'string', default: '24' }, batch: { type: 'string', default: '8' },
      lr: { type: 'string', default: '1e-3' }, seed: { type: 'string', default: '1' }, degrade: { type: 'string' },
      out: { type: 'string', default: join(RESULTS_DIR, 'adapt-gain.json') }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(ADAPT_HELP);
    return;
  }
  const o: Options = { seconds: Number(values.seconds), checkpoints: Number(values.checkpoints), crop: Number(values.crop), batch: Number(values.batch), lr: Number(values.lr), seed: Number(values.seed) };
  if (!Object.values(o).every((v) => Number.isFinite(v) && v > 0)) throw new RangeError(`--seconds, --checkpoints, --crop, --batch, --lr and --seed must be positive numbers`);
  const dir = requirePath(values.frames, 'conference frames', '--frames');
  const nTrain = Number(values.train);
  await setupBackend('wasm');
  const run = runInfo(commandLine('bench', ['adapt', ...argv]), { tfjsBackend: 'wasm (Node)', ffmpeg: ffmpegVersion() });
  const clean = await cleanPairs(dir, values.clip, 4);
  const call = values.degrade === undefined ? undefined : await callPairs(dir, values.clip, 4, values.degrade, clean.length);
  const pairs = call?.pairs ?? clean;
  if (!(nTrain >= 1 && nTrain < pairs.length)) throw new RangeError(`--train must be in [1, ${pairs.length - 1}]`);
  const [train, test] = [pairs.slice(0, nTrain), pairs.slice(nTrain)];
  const bicubic = score(test, 4, (lr) => imresize(lr, 4));
  console.log(`${values.clip}: ${train.length} training frames, ${test.length} scored; LR ${values.degrade ?? 'clean (area x4)'}; bicubic ${bicubic} dB`);
  const models: Record<string, unknown>[] = [];
  for (const name of values.models.split(',')) models.push(await adaptModel(join(REPO_ROOT, 'models', name), train, test, o));
  const result = {
    run,
    clip: values.clip,
    lr: values.degrade ?? 'clean: area x4 of the PNG frames, 8-bit',
    ...(call === undefined ? {} : { callKbps: Number(call.kbps.toFixed(1)) }),
    frames: { train: train.length, scored: test.length, hr: `${test[0]?.hr.width}x${test[0]?.hr.height}`, lr: `${test[0]?.lr.width}x${test[0]?.lr.height}` },
    options: o,
    bicubicYPsnr: bicubic,
    models,
  };
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(values.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
}
