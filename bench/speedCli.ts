import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { commandLine, runInfo, type RunInfo } from './machine.js';
import { macsPerFrame, shippedModels } from './models.js';
import type { BackendInfo, SpeedBackend } from './pages/speedTypes.js';
import { RESULTS_DIR } from './paths.js';
import { setupBackend } from '../eval/backend.js';
import { exportModelToOnnx } from './onnx/exportModel.js';
import { measureSpeed, speedRatios, type OnnxModel, type PipelineRow, type SpeedModel, type SpeedRatio, type SpeedRow } from './speed.js';
import { UPSCALERJS_MODELS, type UpscalerJsSize } from './upscalerJs.js';

export const SPEED_HELP = `npm run bench:speed -- [options]
  --backends <list>     webgpu,webgl,wasm,cpu (default all; WebGPU and WebGL are SwiftShader without a GPU)
  --sizes <list>        input sizes (default 480x270,640x360)
  --models <list>       model dirs under models/ (default every 4x model)
  --peers <list>        UpscalerJS slim,medium,thick or none (default slim,medium)
  --peer-backends <list> backends the peers run on (default all selected)
  --iterations <n>      timed frames after one warm-up (default 10)
  --budget-s <s>        stop timing a cell after this long (default 15)
  --max-frame-s <s>     past this median, heavier cells on that backend are skipped (default 30)
  --pipeline-max-ms <n> full-pipeline runs (SwiftSRReceiver, WebGPU/WebGL) for models whose model-only
                        median is under this (default 3000; 0 = none)
  --pipeline-measure-s <s> shortest measuring window per pipeline run (default 8)
  --onnx <list>         models exported to ONNX at bench time and run by onnxruntime-web on its WebGPU and
                        wasm EPs next to TF.js (default tiny,paper-skip; none to skip)
  --onnx-backends <list> backends whose page also runs onnxruntime-web, on the EP of that name (default
                        webgpu,wasm among --backends)
  --quick               480x270 only, the two lightest models, slim, 3 iterations
  --out <dir>           results directory (default bench/results)`;

export interface SpeedResult {
  readonly run: RunInfo;
  readonly backends: BackendInfo[];
  readonly rows: SpeedRow[];
  readonly pipeline: PipelineRow[];
  readonly ratios: SpeedRatio[];
  readonly notes: string[];
}

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '' && x !== 'none');
const BACKENDS: readonly SpeedBackend[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export function parseSize(s: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(s);
  if (m === null) throw new RangeError(`size '${s}' must look like 480x270`);
  return [Number(m[1]), Number(m[2])];
}

export async function speedMain(argv: readonly string[]): Promise<SpeedResult> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      backends: { type: 'string', default: BACKENDS.join(',') },
      sizes: { type: 'string', default: '480x270,640x360' },
      models: { type: 'string' },
      peers: { type: 'string', default: 'slim,medium' },
      onnx: { type: 'string', default: 'tiny,paper-skip' },
      'onnx-backends': { type: 'string', default: 'webgpu,wasm' },
      'peer-backends': { type: 'string' },
      iterations: { type: 'string', default: '10' },
      'budget-s': { type: 'string', default: '15' },
      'max-frame-s': { type: 'string', default: '30' },
      'pipeline-max-ms': { type: 'string', default: '3000' },
      'pipeline-measure-s': { type: 'string', default: '8' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string', default: RESULTS_DIR },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(SPEED_HELP);
    process.exit(0);
  }
  const backends = list(values.backends).map((b) => {
    if (!(BACKENDS as readonly string[]).includes(b)) throw new RangeError(`--backends: unknown backend '${b}'; known: ${BACKENDS.join(', ')}`);
    return b as SpeedBackend;
  });
  const peerBackends = values['peer-backends'] === undefined ? backends : list(values['peer-backends']).map((b) => b as SpeedBackend);
  const peers = list(values.peers).map((p) => {
    if (!(UPSCALERJS_MODELS as readonly string[]).includes(p)) throw new RangeError(`--peers: unknown model '${p}'`);
    return p as UpscalerJsSize;
  });
  let models: SpeedModel[] = shippedModels({ ...(values.models !== undefined ? { names: list(values.models) } : {}), scale: 4 }).map((m) => ({
    name: m.name,
    dir: m.dir,
    scale: m.meta.scale,
    macs: (w: number, h: number) => macsPerFrame(m, w, h),
  }));
  if (models.length === 0) console.warn('bench:speed: no 4x model under models/: measuring the peers and canvas bicubic only');
  let sizes = list(values.sizes).map(parseSize);
  let iterations = Number(values.iterations);
  if (values.quick) {
    models = [...models].sort((a, b) => a.macs(480, 270) - b.macs(480, 270)).slice(0, 2);
    sizes = [[480, 270]];
    iterations = 3;
  }
  const onnx = await exportOnnx(list(values.onnx), models, (msg) => console.log(msg));
  const run = runInfo(commandLine('bench:speed', argv), { chromium: 'headless Chromium via test/browser/chromium.ts', onnxruntimeWeb: onnxRuntimeVersion() });
  const onnxBackends = list(values['onnx-backends']).map((b) => {
    if (b !== 'webgpu' && b !== 'wasm') throw new RangeError(`--onnx-backends: '${b}' is not webgpu or wasm (onnxruntime-web's execution providers here)`);
    return b;
  });
  const m = await measureSpeed({
    onnx,
    onnxBackends,
    backends,
    sizes,
    models,
    peers: values.quick ? peers.slice(0, 1) : peers,
    peerBackends,
    iterations,
    budgetMs: Number(values['budget-s']) * 1000,
    maxFrameMs: Number(values['max-frame-s']) * 1000,
    pipelineMaxModelMs: Number(values['pipeline-max-ms']),
    pipelineMeasureMs: Number(values['pipeline-measure-s']) * 1000,
    log: (msg) => console.log(msg),
  }).finally(() => (onnx[0] === undefined ? undefined : rm(dirname(onnx[0].file), { recursive: true, force: true })));
  const result: SpeedResult = {
    run,
    backends: m.backends,
    rows: m.rows,
    pipeline: m.pipeline,
    ratios: speedRatios(m.rows),
    notes: [
      'Model-only time: predict() on a random NHWC input until one output value is read back (no full readback).',
      'Median and p95 over the timed frames after one warm-up frame (warm-up includes shader compilation).',
      'Pipeline: SwiftSRReceiver fed by a 30 fps canvas track, painting into a canvas; its own stats (model p50 from GPU completion, arrival-to-paint-submitted p50). When frames are dropped the pipeline is the bottleneck and its time per frame is the measuring window over the frames painted in it (counted by the bench). The arrival-to-paint latency of the receiver counts a frame at paint submission (a known issue in src/worker), so it can sit below the model time.',
      'onnxruntime-web: our generator exported to ONNX at bench time (bench/onnx/onnxExport.ts), one wasm thread like TF.js wasm (no cross-origin isolation); WebGPU keeps the output on the GPU and waits for the queue. Its output is checked against TF.js (wasm) on a 120x68 input (PSNR, [0, 1] range).',
      'This machine has no GPU: WebGPU and WebGL run on SwiftShader (CPU). The machine is shared: compare ratios from the same run.',
    ],
  };
  await writeSpeedResult(values.out, result);
  return result;
}

const ms = (v: number | null): string => (v === null ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));

export function speedMarkdown(r: SpeedResult): string {
  const lines = ['| backend | model | input | GMAC/frame | median ms | p95 ms | n | GFLOP/s | status |', '|---|---|---|---:|---:|---:|---:|---:|---|'];
  for (const x of r.rows) {
    const check = x.check !== undefined ? ` (output vs TF.js: ${x.check.psnrDb.toFixed(1)} dB PSNR)` : '';
    const status = x.status === 'ok' ? `ok${check}` : `${x.status}${x.note !== undefined ? `: ${x.note}` : ''}`;
    lines.push(`| ${x.backend} | ${x.subject} | ${x.width}x${x.height} | ${x.macs === null ? '-' : (x.macs / 1e9).toFixed(2)} | ${ms(x.medianMs)} | ${ms(x.p95Ms)} | ${x.samples} | ${x.gflops === null ? '-' : x.gflops.toFixed(2)} | ${status} |`);
  }
  lines.push('', '| backend | model | input | x canvas bicubic time | speed-up vs UpscalerJS (their time / ours) | onnxruntime-web time / TF.js time |', '|---|---|---|---:|---|---:|');
  for (const q of r.ratios) {
    const vs = Object.entries(q.speedupVs).map(([k, v]) => `${k.replace('upscalerjs-esrgan-', '')} ${v.toFixed(1)}x`).join(', ');
    lines.push(`| ${q.backend} | ${q.subject} | ${q.width}x${q.height} | ${q.timesBicubic === null ? '-' : q.timesBicubic.toFixed(1)} | ${vs || '-'} | ${q.ortOverTfjs === null ? '-' : q.ortOverTfjs.toFixed(2)} |`);
  }
  if (r.pipeline.length > 0) {
    lines.push('', '| pipeline backend | model | input | arrival-to-paint p50 / p95 ms | ms per painted frame | receiver model p50 ms | model-only median ms | pipeline / model-only | output fps | dropped | readbacks |', '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const p of r.pipeline) {
      lines.push(`| ${p.requestedBackend} (${p.backend}) | ${p.subject} | ${p.width}x${p.height} | ${ms(p.latencyMsP50)} / ${ms(p.latencyMsP95)} | ${ms(p.msPerPaintedFrame)} | ${p.enabled ? ms(p.modelMsP50) : '-'} | ${ms(p.modelOnlyMedianMs)} | ${p.overheadRatio === null ? '-' : p.overheadRatio.toFixed(2)} | ${p.outputFps.toFixed(1)} | ${p.framesDropped} | ${p.readbacks} |`);
    }
  }
  lines.push('', ...r.backends.map((b) => `- ${b.backend}: ${b.adapter ?? 'CPU'}`));
  return lines.join('\n') + '\n';
}

/** Exports the named models (those of `models` only) to ONNX in a temporary folder. */
async function exportOnnx(names: readonly string[], models: readonly SpeedModel[], log: (msg: string) => void): Promise<OnnxModel[]> {
  if (names.length === 0) return [];
  await setupBackend('cpu');
  const dir = await mkdtemp(join(tmpdir(), 'swiftsr-onnx-'));
  const out: OnnxModel[] = [];
  for (const name of names) {
    const m = models.find((x) => x.name === name);
    if (m === undefined) {
      log(`--onnx: '${name}' is not among the measured models, skipped`);
      continue;
    }
    const file = join(dir, `${name}.onnx`);
    const { bytes } = await exportModelToOnnx(m.dir, file);
    log(`exported ${name} to ONNX (${(bytes / 1024).toFixed(0)} KiB)`);
    out.push({ model: name, file, macs: (w, h) => m.macs(w, h) });
  }
  return out;
}

function onnxRuntimeVersion(): string {
  const req = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(join(dirname(req.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm')), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export async function writeSpeedResult(dir: string, r: SpeedResult): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'speed.json'), JSON.stringify(r, null, 2) + '\n');
  await writeFile(join(dir, 'speed.md'), `<!-- ${r.run.command} on ${r.run.date} -->\n${speedMarkdown(r)}`);
  console.log(`wrote ${join(dir, 'speed.json')} and speed.md`);
}
