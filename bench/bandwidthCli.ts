import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setupBackend } from '../eval/backend.js';
import { measureBandwidth, type BandwidthMeasurement } from './bandwidth.js';
import { bandwidthMarkdown, bandwidthPlots } from './bandwidthReport.js';
import { parseCodecs } from '../imaging/codecs.js';
import { commandLine, ffmpegVersion, runInfo, type RunInfo } from './machine.js';
import { shippedModels } from './models.js';
import { scaleLadder, type ScaleLadder } from './adaptiveCurves.js';
import { bicubicUpscaler, modelUpscaler, type FrameUpscaler } from './nodeUpscalers.js';
import { DEFAULT_VIDEO, RESULTS_DIR, requirePath } from './paths.js';

export const BANDWIDTH_HELP = `npm run bench:bandwidth -- [options]
  --source <file>       1080p clip (default ../shared/datasets/video/video-1080p-60fps-2s.mp4, Big Buck Bunny)
  --frames <n>          frames encoded after resampling to --fps (default 60)
  --fps <n>             frame rate of the encoded clip (default 30)
  --score-every <n>     score every n-th frame (default 15: 4 frames, 1080p SSIM in JS is slow)
  --bitrates <list>     target kbit/s (default 200,300,500,750,1000,1500,2500,4000)
  --codecs <list>       vp8,vp9,h264 (default all); none for the browser call curves (C, D) only
  --sr-codecs <list>    codecs whose 270p curve also runs the SR models (default vp8)
  --models <list>       model dirs under models/ (default: every 4x model); --no-models for bicubic only.
                        name@500+1500 runs that model at those target bitrates only (for slow models)
  --downscale <flag>    ffmpeg scale flag of the sender's downscale (default area: the box filter
                        libyuv uses when WebRTC scales a frame down)
  --no-webrtc           skip curves C and D (headless Chromium's WebRTC sender, VP8, 127.0.0.1 only)
  --no-webrtc-lr        skip curve D only (the 270p source sent with maintain-resolution, then upscaled)
  --call-codecs <list> codecs of the browser call curves: VP8, VP9, H264 as vp8,vp9,h264 (default vp8);
                        curve D runs with the first only
  --e-models <ladders>  curve E: the call of curve C at its arriving size, upscaled with the model scale
                        planScale picks. Ladders separated by ',', the models of one ladder (one per
                        scale) by '+', e.g. tiny+tiny-x2+tiny-x3; plain bicubic always runs beside them.
                        Default: none (no E, no F)
  --f-codecs <list>     codecs that also run curve F (with --e-models: a call capped one step below the
                        height C's encoder chose at each rate, upscaled like E); default: --call-codecs
  --no-f                skip curve F
  --keep-frames <dir>   write E's and F's frames at their arriving size there, so that
                        npm run bench -- rescore-calls can score them with other models later
  --webrtc-warmup-s <s> seconds per bitrate before measuring, for rate control and resolution adaptation (default 6)
  --webrtc-capture-s <s> seconds measured per bitrate (default 4)
  --out <dir>           results directory (default bench/results)`;

export interface BandwidthResult extends BandwidthMeasurement {
  readonly run: RunInfo;
}

export async function bandwidthMain(argv: readonly string[]): Promise<BandwidthResult> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      source: { type: 'string' },
      frames: { type: 'string', default: '60' },
      fps: { type: 'string', default: '30' },
      'score-every': { type: 'string', default: '15' },
      bitrates: { type: 'string', default: '200,300,500,750,1000,1500,2500,4000' },
      codecs: { type: 'string', default: 'vp8,vp9,h264' },
      'sr-codecs': { type: 'string', default: 'vp8' },
      models: { type: 'string' },
      'no-models': { type: 'boolean', default: false },
      downscale: { type: 'string', default: 'area' },
      'no-webrtc': { type: 'boolean', default: false },
      'no-webrtc-lr': { type: 'boolean', default: false },
      'call-codecs': { type: 'string', default: 'vp8' },
      'e-models': { type: 'string' },
      'f-codecs': { type: 'string' },
      'no-f': { type: 'boolean', default: false },
      'keep-frames': { type: 'string' },
      'webrtc-warmup-s': { type: 'string', default: '6' },
      'webrtc-capture-s': { type: 'string', default: '4' },
      out: { type: 'string', default: RESULTS_DIR },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(BANDWIDTH_HELP);
    process.exit(0);
  }
  const int = (s: string, name: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer, got '${s}'`);
    return n;
  };
  const source = requirePath(values.source ?? DEFAULT_VIDEO, 'source clip', '--source');
  const bitrates = values.bitrates.split(',').map((s) => int(s.trim(), 'bitrates'));
  const scale = 4;
  const upscalers: FrameUpscaler[] = [bicubicUpscaler(scale)];
  const upscalerBitrates = new Map<string, readonly number[]>();
  if (!values['no-models']) {
    const specs = values.models !== undefined ? parseModelList(values.models, bitrates) : null;
    if (specs !== null) for (const [name, at] of specs) if (at !== null) upscalerBitrates.set(name, at);
    const models = shippedModels({ ...(specs !== null ? { names: [...specs.keys()] } : {}), scale });
    if (models.length > 0) await setupBackend('wasm');
    for (const m of models) upscalers.push(await modelUpscaler(m.dir, m.name));
    if (models.length === 0) console.warn('bench:bandwidth: no 4x model under models/: only bicubic is measured on the 270p curves');
  }
  const ladders: ScaleLadder[] = [];
  // Curve E's models, apart from `upscalers` (curves B and D): the same name may load twice, which is cheap.
  const ladderModels: FrameUpscaler[] = [];
  if (values['e-models'] !== undefined) {
    ladders.push(scaleLadder('bicubic', []));
    for (const names of parseLadders(values['e-models'])) {
      const models = shippedModels({ names });
      if (models.length > 0) await setupBackend('wasm');
      const ups: FrameUpscaler[] = [];
      for (const m of models) ups.push(await modelUpscaler(m.dir, m.name));
      ladderModels.push(...ups);
      ladders.push(scaleLadder(ups.map((u) => u.name).join('+'), ups));
    }
  }
  const run = runInfo(commandLine('bench:bandwidth', argv), { ffmpeg: ffmpegVersion(), tfjsBackend: upscalers.length > 1 ? 'wasm (Node)' : 'none' });
  try {
    const m = await measureBandwidth({
      source,
      frames: int(values.frames, 'frames'),
      fps: int(values.fps, 'fps'),
      scoreEvery: int(values['score-every'], 'score-every'),
      scale,
      bitratesKbps: bitrates,
      codecs: values.codecs.trim() === 'none' ? [] : parseCodecs(values.codecs),
      srCodecs: parseCodecs(values['sr-codecs']),
      downscale: values.downscale,
      upscalers,
      upscalerBitrates,
      webrtc: values['no-webrtc']
        ? null
        : {
            warmupMs: Number(values['webrtc-warmup-s']) * 1000,
            captureMs: Number(values['webrtc-capture-s']) * 1000,
            lowRes: !values['no-webrtc-lr'],
            codecs: parseCodecs(values['call-codecs']),
            ladders,
            capLower: ladders.length === 0 || values['no-f'] ? [] : parseCodecs(values['f-codecs'] ?? values['call-codecs']),
            ...(values['keep-frames'] !== undefined ? { keepFrames: values['keep-frames'] } : {}),
          },
      log: (msg) => console.log(msg),
    });
    const result: BandwidthResult = { run, ...m };
    await writeBandwidthResult(values.out, result);
    return result;
  } finally {
    for (const u of [...upscalers, ...ladderModels]) u.dispose();
  }
}

/** `tiny,paper-skip@500+1500`: model names, each with the bitrates it is limited to (null = all). */
export function parseModelList(list: string, bitrates: readonly number[]): Map<string, readonly number[] | null> {
  const out = new Map<string, readonly number[] | null>();
  for (const item of list.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [name = '', at] = item.split('@');
    if (name === '') throw new RangeError(`--models: '${item}' has no model name`);
    if (at === undefined) {
      out.set(name, null);
      continue;
    }
    const kbps = at.split('+').map(Number);
    const bad = kbps.find((k) => !bitrates.includes(k));
    if (bad !== undefined) throw new RangeError(`--models: ${name}@${at}: ${String(bad)} is not one of --bitrates (${bitrates.join(',')})`);
    out.set(name, kbps);
  }
  return out;
}

/** `tiny+tiny-x2+tiny-x3,lite32x4+lite32x4-x2`: the model names of each curve-E ladder. */
export function parseLadders(list: string): string[][] {
  const ladders = list.split(',').map((l) => l.split('+').map((s) => s.trim()).filter((s) => s !== '')).filter((l) => l.length > 0);
  if (ladders.length === 0) throw new RangeError(`--e-models: no model names in '${list}'`);
  return ladders;
}

export async function writeBandwidthResult(dir: string, result: BandwidthResult): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'bandwidth.json'), JSON.stringify(result, null, 2) + '\n');
  for (const [name, svg] of bandwidthPlots(result)) await writeFile(join(dir, name), svg);
  await writeFile(join(dir, 'bandwidth.md'), `<!-- ${result.run.command} on ${result.run.date} -->\n${bandwidthMarkdown(result)}`);
  console.log(`wrote ${join(dir, 'bandwidth.json')}, plots and bandwidth.md`);
}
