import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setupBackend } from '../eval/backend.js';
import { imresize } from '../imaging/imresize.js';
import { updateBytes } from '../src/adapt/modelUpdate.js';
import { updateBaseFromWeights } from '../src/adapt/updateBase.js';
import { loadGeneratorWeights } from '../src/model/loadGenerator.js';
import { loadClip, clipSpec, type ClipPairs } from './adapt/clips.js';
import { gridCells, parseNumbers, parseRates, perTier } from './adapt/grid.js';
import { adaptMarkdown, adaptRateSvg, adaptSvg, type CellResult, type Unit } from './adapt/report.js';
import { runSession, scorePairs, type TuneOptions } from './adapt/session.js';
import { commandLine, ffmpegVersion, runInfo } from './machine.js';
import { REPO_ROOT, RESULTS_DIR, requirePath, SHARED_DATASETS } from './paths.js';

export const ADAPT_HELP = `adapt: online adaptation (issue 12). The sender fine-tunes a shipped model (FineTuner, TF.js wasm) on the
  first half of a clip as the call delivers it, and the adapted model is scored on the second half (never
  trained on): Y-PSNR of bicubic, the static model, the sender's weights and what a receiver paints under an
  update cap (PublishPolicy), vs seconds of adaptation; one row per (clip, rate, tier).
  --clips FourPeople,BBB   clips (FourPeople: conference/, BBB: video/video-1080p-60fps-2s.mp4)
  --rates 300,750,1500     call rates in kbit/s through imaging/callDegrade ('clean': no codec), --codec vp8
  --tiers tiny,lite48x8    model directories under models/
  --seconds 15,30,60       checkpoints (adaptation seconds; with --by-steps, step counts)
  --clock cpu              cpu: a second is a CPU second of this process (one core given to the sender,
                           unmoved by the shared machine's load); wall: the wall clock
  --caps 0.02,0.05,0.1     update cap shares of the video bitrate, --min-gain 0.05 (dB, on held-back frames)
  --encoding int8          update deltas receivers decode and the policy charges: int8, int4 or fp16
  --received-at 60         checkpoints where the receivers' weights (one per cap) are scored too
  --hold-back 2            last training samples kept for the sender's validation
  --crop 16 --batch 8 --lr 1e-3 --candidates 4 --flips --train-last 0 --seed 1
                           tuning; --lr, --crop, --batch, --candidates, --train-last also as tier=value lists
  --datasets <dir>         default ../shared/datasets
  --out-dir bench/results/adapt --name grid   (writes <name>.json, .md, -<clip>-gain.svg, -rate.svg)`;

export async function adaptMain(argv: readonly string[]): Promise<void> {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      clips: { type: 'string', default: 'FourPeople,BBB' }, rates: { type: 'string', default: '300,750,1500' }, codec: { type: 'string', default: 'vp8' },
      tiers: { type: 'string', default: 'tiny,lite48x8' }, seconds: { type: 'string', default: '15,30,60' }, 'by-steps': { type: 'boolean', default: false }, clock: { type: 'string', default: 'cpu' },
      caps: { type: 'string', default: '0.02,0.05,0.1' }, 'received-at': { type: 'string', default: '60' }, encoding: { type: 'string', default: 'int8' }, 'min-gain': { type: 'string', default: '0.05' }, 'hold-back': { type: 'string', default: '2' },
      crop: { type: 'string', default: '16' }, batch: { type: 'string', default: '8' }, lr: { type: 'string', default: '1e-3' },
      candidates: { type: 'string', default: '4' }, flips: { type: 'boolean', default: false }, 'train-last': { type: 'string', default: '0' },
      seed: { type: 'string', default: '1' }, datasets: { type: 'string', default: SHARED_DATASETS },
      'out-dir': { type: 'string', default: join(RESULTS_DIR, 'adapt') }, name: { type: 'string', default: 'grid' }, help: { type: 'boolean', default: false },
    },
  });
  if (v.help) {
    console.log(ADAPT_HELP);
    return;
  }
  const tiers = v.tiers.split(',');
  const clips = v.clips.split(',').map(clipSpec);
  const rates = parseRates(v.rates);
  const checkpoints = parseNumbers('seconds', v.seconds, { ascending: true });
  const caps = parseNumbers('caps', v.caps);
  const receivedAt = parseNumbers('received-at', v['received-at']);
  if (!receivedAt.every((t) => checkpoints.includes(t))) throw new RangeError(`--received-at ${v['received-at']}: each must be one of the checkpoints ${v.seconds}`);
  const minGainDb = parseNumbers('min-gain', v['min-gain'], { allowZero: true })[0] ?? 0;
  const holdBack = Number(v['hold-back']);
  if (v.clock !== 'cpu' && v.clock !== 'wall') throw new RangeError(`--clock must be cpu or wall, got '${v.clock}'`);
  const clockKind = v.clock;
  const encoding = v.encoding;
  if (encoding !== 'int8' && encoding !== 'int4' && encoding !== 'fp16') throw new RangeError(`--encoding must be int8, int4 or fp16, got '${encoding}'`);
  const unit: Unit = v['by-steps'] ? 'steps' : clockKind === 'cpu' ? 'cpuSeconds' : 'seconds';
  const knobs = {
    crop: perTier('crop', v.crop, tiers, 16), batch: perTier('batch', v.batch, tiers, 8), lr: perTier('lr', v.lr, tiers, 1e-3),
    candidates: perTier('candidates', v.candidates, tiers, 1), trainLast: perTier('train-last', v['train-last'], tiers, 0),
  };
  const tuneFor = (tier: string): TuneOptions => ({
    crop: knobs.crop.get(tier) ?? 16, batch: knobs.batch.get(tier) ?? 8, lr: knobs.lr.get(tier) ?? 1e-3,
    candidates: Math.max(1, knobs.candidates.get(tier) ?? 1), flips: v.flips, trainLast: knobs.trainLast.get(tier) ?? 0, seed: Number(v.seed),
  });
  const datasets = requirePath(v.datasets, 'shared datasets', '--datasets');
  await setupBackend('wasm');
  const run = runInfo(commandLine('bench', ['adapt', ...argv]), { tfjsBackend: 'wasm (Node, 1 thread)', ffmpeg: ffmpegVersion() });
  const bases = new Map(await Promise.all(tiers.map(async (tier) => {
    const { meta, weights } = await loadGeneratorWeights(join(REPO_ROOT, 'models', tier));
    if (!meta.bnFolded) throw new RangeError(`models/${tier}: not a folded (shipped) model`);
    return [tier, { base: await updateBaseFromWeights(meta.variant, meta.config, weights), weights }] as const;
  })));
  const scales = new Set([...bases.values()].map((b) => b.base.config.scale));
  if (scales.size !== 1) throw new RangeError(`--tiers must share one scale, got ${[...scales].join(', ')}`);
  const scale = [...scales][0] ?? 4;
  const cells: CellResult[] = [];
  let loaded = null as { key: string; pairs: ClipPairs; bicubic: number } | null;
  for (const cell of gridCells(clips.map((c) => c.name), rates, tiers)) {
    const spec = clipSpec(cell.clip);
    const key = `${cell.clip}@${cell.rate}`;
    if (loaded?.key !== key) {
      const pairs = await loadClip(datasets, spec, cell.rate, v.codec, scale);
      loaded = { key, pairs, bicubic: scorePairs(pairs.test, scale, (lr) => imresize(lr, scale)) };
      console.log(`${key}: ${pairs.lrSize} -> ${pairs.hrSize}, ${pairs.kbps ?? 'clean'} kbit/s measured, bicubic ${loaded.bicubic} dB`);
    }
    const { base, weights } = bases.get(cell.tier) ?? (() => { throw new Error(cell.tier); })();
    const tune = tuneFor(cell.tier);
    const capSpecs = cell.rate === 'clean' ? [] : caps.map((share) => ({ share, videoKbps: cell.rate as number, minGainDb }));
    const result = await runSession({
      base, folded: weights, train: loaded.pairs.train, holdBack, test: loaded.pairs.test, checkpoints, bySteps: v['by-steps'], clockKind,
      caps: capSpecs, receivedAt, tune, encoding, log: (line) => console.log(line),
    });
    cells.push({ ...cell, variant: base.variant, baseSha256: base.digestHex, weights: base.count, measuredKbps: loaded.pairs.kbps, bicubicYPsnr: loaded.bicubic, tune, ...result });
  }
  const result = {
    run,
    method: {
      clips: Object.fromEntries(clips.map((c) => [c.name, c.note])),
      codec: v.codec,
      degradation: 'imaging/callDegrade: top-left crop to a multiple of 2 x scale, box downscale to 1/4 in YUV 4:2:0, real-time encode at the rate, decode; clean = before the encoder',
      adaptation: `FineTuner (Adam, L1) on the training samples in turn, one sample per step; the last ${holdBack} training samples are the sender's held-back validation; the clock (${clockKind === 'cpu' ? 'CPU seconds of this process: a core given to the sender' : 'wall seconds'}) counts training steps only (validation and scoring excluded)`,
      scoring: `mean Y-PSNR (BT.601, border 4) of 8-bit outputs on the scored samples; the sender column is its weights as an ${encoding} update decoded against the base`,
      policy: `src/adapt/publishPolicy.ts PublishPolicy per cap share (bucket starts empty, one message capacity), minGainDb ${minGainDb}, ${encoding} updates (${[...bases].map(([t, b]) => `${t} ${updateBytes(b.base, encoding)} B`).join(', ')}), the nominal call rate as the video bitrate`,
      checkpointsIn: unit,
    },
    cells,
  };
  await mkdir(v['out-dir'], { recursive: true });
  const stem = join(v['out-dir'], v.name);
  const goal = receivedAt.at(-1) ?? 60;
  await writeFile(`${stem}.json`, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(`${stem}.md`, adaptMarkdown(result, goal));
  const written = [`${stem}.json`, `${stem}.md`];
  for (const clip of clips) {
    const mine = cells.filter((c) => c.clip === clip.name);
    written.push(`${stem}-${clip.name}-gain.svg`);
    await writeFile(written.at(-1) as string, adaptSvg(mine, unit, `Online adaptation on ${clip.name}: gain over the static model (following frames)`));
  }
  const rateSvg = unit === 'steps' ? null : adaptRateSvg(cells, unit, goal);
  if (rateSvg !== null) {
    written.push(`${stem}-rate.svg`);
    await writeFile(`${stem}-rate.svg`, rateSvg);
  }
  console.log(`wrote ${written.join(', ')}`);
}
