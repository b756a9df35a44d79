import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { launchChromium, type LaunchedBrowser } from '../test/browser/chromium.js';
import { buildBenchPages } from './buildPages.js';
import { servePages } from '../scripts/pageServer.js';
import type { BackendInfo, PipelinePageApi, PipelineRequest, SpeedBackend, SpeedCellRequest, SpeedCellResult, SpeedPageApi, SpeedSubject } from './pages/speedTypes.js';
import { percentile, type CellStatus, type PipelineRow, type SpeedRow } from './speedRows.js';
import { upscalerJsPackageDir, type UpscalerJsSize } from './upscalerJs.js';

export { percentile, speedRatios, type CellStatus, type PipelineRow, type SpeedRatio, type SpeedRow } from './speedRows.js';

export interface SpeedModel {
  readonly name: string;
  readonly dir: string;
  readonly scale: number;
  macs(width: number, height: number): number;
}

/** A model exported to ONNX (bench/onnx), run by onnxruntime-web next to the TF.js cells. */
export interface OnnxModel {
  /** The models/ name it was exported from (its TF.js cells have the same subject name). */
  readonly model: string;
  readonly file: string;
  readonly macs: (width: number, height: number) => number;
}

/** Input size of the ONNX-vs-TF.js output check (fully convolutional: the same graph as the timed size). */
export const ONNX_CHECK_SIZE = [120, 68] as const;

export interface SpeedOptions {
  readonly onnx: readonly OnnxModel[];
  /** Backend pages that also run the ONNX models, on the execution provider of the same name. */
  readonly onnxBackends: readonly ('webgpu' | 'wasm')[];
  readonly backends: readonly SpeedBackend[];
  readonly sizes: readonly (readonly [number, number])[];
  readonly models: readonly SpeedModel[];
  readonly peers: readonly UpscalerJsSize[];
  /** Backends the peers run on (they take minutes per frame on SwiftShader WebGPU). */
  readonly peerBackends: readonly SpeedBackend[];
  readonly iterations: number;
  readonly budgetMs: number;
  /** Past this median frame time, heavier cells of the same chain on that backend are skipped; a cell is abandoned after twice this plus the budget. */
  readonly maxFrameMs: number;
  /** Full-pipeline runs (SwiftSRReceiver) for models whose model-only median is under this; 0 = none. */
  readonly pipelineMaxModelMs: number;
  /** Shortest measuring window per pipeline run (longer for slow models: 6 frames). */
  readonly pipelineMeasureMs: number;
  readonly log: (msg: string) => void;
}

const require = createRequire(import.meta.url);

interface Cell {
  readonly subject: SpeedSubject;
  readonly macs: number | null;
  /** Within a chain, a cell at least as costly as one that was too slow is skipped. */
  readonly chain: string;
  readonly cost: number;
}

function cellsFor(o: SpeedOptions, base: string, backend: SpeedBackend, w: number, h: number): Cell[] {
  const ours = [...o.models]
    .sort((a, b) => a.macs(w, h) - b.macs(w, h))
    .map((m): Cell => ({ subject: { kind: 'swiftsr', name: m.name, url: `${base}/m/${m.name}/` }, macs: m.macs(w, h), chain: 'swiftsr', cost: m.macs(w, h) }));
  // Relative cost of the peers per input pixel (from their measured wasm times: 2.6 s, 7.3 s, 63 s at 480x270).
  const peerCost = { slim: 1, medium: 3, thick: 25 } as const;
  const peers = (o.peerBackends.includes(backend) ? o.peers : []).map(
    (size): Cell => ({
      subject: { kind: 'upscalerjs', name: `upscalerjs-esrgan-${size}`, size, url: `${base}/ujs/${size}/model.json`, inputMax: size === 'thick' ? 1 : 255 },
      macs: null,
      chain: 'upscalerjs',
      cost: w * h * peerCost[size],
    }),
  );
  const ep = (backend === 'webgpu' || backend === 'wasm') && o.onnxBackends.includes(backend) ? backend : null;
  const onnx = (ep === null ? [] : o.onnx).map(
    (m): Cell => ({
      subject: { kind: 'onnx', name: `ort-${ep ?? ''}-${m.model}`, url: `${base}/onnx/${m.model}.onnx`, ep: ep ?? 'wasm', refUrl: `${base}/m/${m.model}/`, checkSize: ONNX_CHECK_SIZE },
      macs: m.macs(w, h),
      chain: 'onnx',
      cost: m.macs(w, h),
    }),
  );
  return [...ours, ...onnx, ...peers];
}

/**
 * One browser per backend. A cell stuck in a long kernel cannot be interrupted, and on SwiftShader the
 * work goes on in the shared GPU process after its page is closed, stalling every later page: so a
 * timed-out cell takes its whole browser down and the next cell starts a fresh one.
 */
class PageSlot {
  private page: Page | null = null;
  private browser: LaunchedBrowser | null = null;
  info: BackendInfo | null = null;
  constructor(
    private readonly url: string,
    private readonly backend: SpeedBackend,
    private readonly wasmPath: string,
    private readonly ortPath: string,
  ) {}
  async get(): Promise<Page> {
    if (this.page === null) {
      this.browser = await launchChromium({ webgpu: true });
      const p = await openPage(this.browser, this.url);
      this.info = await p.evaluate((b, w, o) => (globalThis as unknown as { swiftsrBench: SpeedPageApi }).swiftsrBench.init(b, w, o), this.backend, this.wasmPath, this.ortPath);
      this.page = p;
    }
    return this.page;
  }
  async discard(): Promise<void> {
    const b = this.browser;
    this.page = null;
    this.browser = null;
    if (b !== null) await closeBrowser(b);
  }
}

/** close() waits for a GPU process still busy with SwiftShader work, for minutes: give it 5 s, then kill. */
async function closeBrowser(b: LaunchedBrowser): Promise<void> {
  const closed = await Promise.race([b.close().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5_000))]);
  if (!closed) b.browser.process()?.kill('SIGKILL');
}

async function openPage(browser: LaunchedBrowser, url: string): Promise<Page> {
  const p = await browser.browser.newPage();
  await p.goto(url);
  await p.waitForFunction("document.title === 'ready'", { timeout: 60_000 });
  return p;
}

async function runCell(slot: PageSlot, req: SpeedCellRequest, timeoutMs: number): Promise<SpeedCellResult | 'timeout'> {
  const page = await slot.get();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const run = page.evaluate((q) => (globalThis as unknown as { swiftsrBench: SpeedPageApi }).swiftsrBench.run(q), req);
    // After a timeout the browser is closed under it: that late rejection is expected.
    run.catch(() => undefined);
    const r = await Promise.race([run, timeout]);
    if (r === 'timeout') await slot.discard();
    return r;
  } finally {
    clearTimeout(timer);
  }
}

function row(backend: SpeedRow['backend'], cell: Cell, w: number, h: number, status: CellStatus, r: SpeedCellResult | null, note?: string): SpeedRow {
  const median = r === null ? null : percentile(r.samplesMs, 50);
  return {
    backend,
    subject: cell.subject.name,
    kind: cell.subject.kind,
    width: w,
    height: h,
    status,
    ...(note !== undefined ? { note } : {}),
    macs: cell.macs,
    warmupMs: r?.warmupMs ?? null,
    medianMs: median,
    p95Ms: r === null ? null : percentile(r.samplesMs, 95),
    samples: r?.samplesMs.length ?? 0,
    gflops: median !== null && cell.macs !== null ? (2 * cell.macs) / (median / 1000) / 1e9 : null,
    ...(r !== null ? { outputShape: r.outputShape } : {}),
    ...(r?.check !== undefined ? { check: r.check } : {}),
  };
}

export interface SpeedMeasurement {
  readonly rows: SpeedRow[];
  readonly pipeline: PipelineRow[];
  readonly backends: BackendInfo[];
}

/** Model-only time per frame in headless Chromium, per backend x subject x input size. */
export async function measureSpeed(o: SpeedOptions): Promise<SpeedMeasurement> {
  const pages = await buildBenchPages(['speed', 'pipeline']);
  const mounts: Record<string, string> = {
    '/page/': pages,
    '/wasm/': dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')),
  };
  for (const m of o.models) mounts[`/m/${m.name}/`] = m.dir;
  mounts['/ort/'] = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'));
  const onnxDir = o.onnx[0] === undefined ? null : dirname(o.onnx[0].file);
  if (onnxDir !== null) mounts['/onnx/'] = onnxDir;
  for (const p of o.peers) mounts[`/ujs/${p}/`] = join(upscalerJsPackageDir(p), 'models', 'x4');
  const server = await servePages(mounts);
  const rows: SpeedRow[] = [];
  const pipeline: PipelineRow[] = [];
  const infos: BackendInfo[] = [];
  try {
    const speedUrl = `${server.url}/page/speed.html`;
    const canvasSlot = new PageSlot(speedUrl, 'cpu', `${server.url}/wasm/`, `${server.url}/ort/`);
    for (const [w, h] of o.sizes) {
      const cell: Cell = { subject: { kind: 'canvas-bicubic', name: 'canvas-bicubic', scale: 4 }, macs: null, chain: 'canvas', cost: 0 };
      const r = await runCell(canvasSlot, { backend: 'cpu', subject: cell.subject, width: w, height: h, iterations: o.iterations, budgetMs: o.budgetMs }, o.maxFrameMs * 2);
      rows.push(r === 'timeout' ? row('canvas', cell, w, h, 'timeout', null) : row('canvas', cell, w, h, 'ok', r));
      o.log(`canvas bicubic ${w}x${h}: ${rows.at(-1)?.medianMs?.toFixed(2) ?? 'timeout'} ms`);
    }
    await canvasSlot.discard();
    for (const backend of o.backends) {
      const slot = new PageSlot(speedUrl, backend, `${server.url}/wasm/`, `${server.url}/ort/`);
      const tooSlow = new Map<string, number>();
      const markSlow = (c: Cell): void => void tooSlow.set(c.chain, Math.min(c.cost, tooSlow.get(c.chain) ?? Infinity));
      try {
        await slot.get();
        if (slot.info !== null) infos.push(slot.info);
      } catch (e) {
        o.log(`${backend}: unavailable (${(e as Error).message})`);
        for (const [w, h] of o.sizes) for (const c of cellsFor(o, server.url, backend, w, h)) rows.push(row(backend, c, w, h, 'error', null, `backend unavailable: ${(e as Error).message}`));
        await slot.discard();
        continue;
      }
      for (const [w, h] of o.sizes) {
        for (const c of cellsFor(o, server.url, backend, w, h)) {
          if (c.cost >= (tooSlow.get(c.chain) ?? Infinity)) {
            rows.push(row(backend, c, w, h, 'skipped', null, `a ${c.chain} cell as heavy or lighter on ${backend} took over ${o.maxFrameMs / 1000} s per frame or timed out`));
            continue;
          }
          const req: SpeedCellRequest = { backend, subject: c.subject, width: w, height: h, iterations: o.iterations, budgetMs: o.budgetMs };
          try {
            // Model load and shader compilation come on top of the first frame: allow twice the frame limit.
            const r = await runCell(slot, req, o.maxFrameMs * 2 + o.budgetMs);
            if (r === 'timeout') {
              markSlow(c);
              rows.push(row(backend, c, w, h, 'timeout', null, `no result within ${(o.maxFrameMs * 2 + o.budgetMs) / 1000} s`));
            } else {
              // Heavier cells of the chain would only take longer: skip them past the per-frame limit.
              if (percentile(r.samplesMs, 50) > o.maxFrameMs) markSlow(c);
              rows.push(row(backend, c, w, h, 'ok', r));
            }
          } catch (e) {
            rows.push(row(backend, c, w, h, 'error', null, (e as Error).message.split('\n')[0] ?? 'error'));
            await slot.discard();
          }
          const last = rows.at(-1);
          o.log(`${backend} ${c.subject.name} ${w}x${h}: ${last?.status} ${last?.medianMs?.toFixed(1) ?? '-'} ms (p95 ${last?.p95Ms?.toFixed(1) ?? '-'}, n=${last?.samples ?? 0})${last?.note !== undefined ? ` ${last.note}` : ''}`);
        }
      }
      await slot.discard();
    }
    for (const backend of o.backends) {
      if (backend !== 'webgpu' && backend !== 'webgl') continue;
      for (const [w, h] of o.sizes) {
        const fast = rows.filter((r) => r.backend === backend && r.kind === 'swiftsr' && r.width === w && r.height === h && r.status === 'ok' && (r.medianMs ?? Infinity) <= o.pipelineMaxModelMs);
        const runs = [...fast.map((r) => ({ subject: r.subject, enabled: true, modelMs: r.medianMs })), ...(fast[0] !== undefined ? [{ subject: fast[0].subject, enabled: false, modelMs: null }] : [])];
        for (const x of runs) {
          const req: PipelineRequest = { backend, modelUrl: `${server.url}/m/${x.subject}/model.json`, width: w, height: h, enabled: x.enabled, measureMs: Math.min(30_000, Math.max(o.pipelineMeasureMs, 6 * (x.modelMs ?? 0))) };
          const browser = await launchChromium({ webgpu: true });
          try {
            const page = await openPage(browser, `${server.url}/page/pipeline.html`);
            const r = await Promise.race([
              page.evaluate((q) => (globalThis as unknown as { swiftsrPipeline: PipelinePageApi }).swiftsrPipeline.run(q), req),
              new Promise<never>((_, reject) => setTimeout(() => reject(new Error('pipeline run timed out')), req.measureMs + 90_000)),
            ]);
            const name = x.enabled ? x.subject : 'receiver-bicubic';
            // Counted by the bench (frames painted over its own window), not from the receiver's rate or latency stats.
            const msPerPaintedFrame = r.framesPainted > 0 ? r.windowMs / r.framesPainted : null;
            const pipelineMs = r.framesDropped > 0 && msPerPaintedFrame !== null ? msPerPaintedFrame : r.latencyMsP50;
            const overheadRatio = x.modelMs !== null && x.modelMs > 0 ? pipelineMs / x.modelMs : null;
            pipeline.push({ ...r, requestedBackend: backend, subject: name, width: w, height: h, enabled: x.enabled, modelOnlyMedianMs: x.modelMs, msPerPaintedFrame, overheadRatio });
            o.log(`pipeline ${backend} ${name} ${w}x${h}: arrival-to-paint p50 ${r.latencyMsP50.toFixed(1)} ms, model p50 ${r.modelMsP50.toFixed(1)} ms, ${r.outputFps.toFixed(1)} fps, ${r.framesPainted} painted, ${r.readbacks} readbacks (${r.backend})`);
          } catch (e) {
            o.log(`pipeline ${backend} ${x.subject} ${w}x${h}: ${(e as Error).message.split('\n')[0] ?? ''}`);
          } finally {
            await closeBrowser(browser);
          }
        }
      }
    }
  } finally {
    await server.close();
    await rm(pages, { recursive: true, force: true });
  }
  return { rows, pipeline, backends: infos };
}
