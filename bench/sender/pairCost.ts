import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Rolldown } from 'vite';
import { servePages } from '../../scripts/pageServer.js';
import { launchChromium } from '../../test/browser/chromium.js';
import { runInfo } from '../machine.js';
import { RESULTS_DIR } from '../paths.js';
import { caseLabel, syntheticRgba, timePair, type PairCase, type PairTiming, type StageTimes } from './pairTiming.js';

const HELP = `npx tsx bench/sender/pairCost.ts [options]
The sender's per-sample cost (src/sender/PairSource.ts): the full-size readback of the camera frame and the
area downscales to HR and LR, before (rgbaToRgb + sendPair) and after (cameraPair) on the same bytes, in
Node (CPU time) and in a Chromium dedicated worker (wall time) (with the readback: an I420 VideoFrame drawn into a
willReadFrequently OffscreenCanvas and read as RGBA, as PixelReader does).
  --cases 1280x720:320x180,1920x1080:480x270,1920x1080:320x180   camera:send sizes
  --scale 4          model scale (HR = send x scale)
  --reps 15          timed repetitions per path (after one untimed warm-up)
  --no-browser       Node only
  --out bench/results/sender --name pair-cost   (writes <name>.json and <name>.md)`;

interface CaseResult {
  readonly case: PairCase;
  readonly label: string;
  readonly node: PairTiming;
  readonly chromium: { readonly readback: StageTimes; readonly pair: PairTiming } | null;
}

function parseCases(spec: string, scale: number): PairCase[] {
  return spec.split(',').map((item) => {
    const m = /^(\d+)x(\d+):(\d+)x(\d+)$/.exec(item.trim());
    if (m === null) throw new RangeError(`--cases: '${item}' is not WxH:WxH (camera:send)`);
    const [cw, ch, sw, sh] = m.slice(1).map(Number) as [number, number, number, number];
    return { camera: { width: cw, height: ch }, send: { width: sw, height: sh }, scale };
  });
}

/** pairTiming.ts bundled for the browser, plus the readback PixelReader does (its canvas calls, in plain JS). */
async function workerScript(): Promise<string> {
  const out = (await build({
    configFile: false,
    logLevel: 'silent',
    build: { write: false, minify: false, lib: { entry: fileURLToPath(new URL('./pairTiming.ts', import.meta.url)), formats: ['iife'], name: 'pairTiming', fileName: () => 'pairTiming.js' } },
  })) as Rolldown.RolldownOutput[] | Rolldown.RolldownOutput;
  const chunk = (Array.isArray(out) ? out[0] : out)?.output[0];
  if (chunk?.type !== 'chunk') throw new Error('vite build of pairTiming.ts gave no chunk');
  return `${chunk.code}
const canvas = new OffscreenCanvas(1, 1);
const ctx = canvas.getContext('2d', { willReadFrequently: true });
function readRgba(frame, w, h) {
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(frame, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h).data;
}
onmessage = (e) => {
  const { cases, reps } = e.data;
  postMessage(cases.map((c) => {
    const { width, height } = c.camera;
    const frame = new VideoFrame(pairTiming.cameraI420(width, height), { format: 'I420', codedWidth: width, codedHeight: height, timestamp: 0 });
    let rgba = readRgba(frame, width, height);
    const times = [];
    for (let r = 0; r < reps; r++) { const t0 = performance.now(); rgba = readRgba(frame, width, height); times.push(performance.now() - t0); }
    frame.close();
    return { readback: pairTiming.stageTimes(times), pair: pairTiming.timePair(c, rgba, reps, () => performance.now()) };
  }));
};`;
}

async function inChromium(cases: readonly PairCase[], reps: number): Promise<{ results: CaseResult['chromium'][]; version: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'swiftsr-paircost-'));
  await writeFile(join(dir, 'worker.js'), await workerScript());
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>pair cost</title>');
  const server = await servePages({ '/': dir });
  const browser = await launchChromium({ webgpu: true });
  try {
    const page = await browser.browser.newPage();
    await page.goto(`${server.url}/index.html`);
    // A string: this file is typed for Node, the page code runs in the browser.
    const results = (await page.evaluate(`new Promise((resolve, reject) => {
      const w = new Worker('/worker.js');
      w.onmessage = (e) => resolve(e.data);
      w.onerror = (e) => reject(new Error(e.message));
      w.postMessage(${JSON.stringify({ cases, reps })});
    })`)) as CaseResult['chromium'][];
    return { results, version: await browser.browser.version() };
  } finally {
    await browser.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** CPU time of this process (all its threads, GC included): what the work costs, whatever the neighbours run. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const ms = (t: StageTimes | undefined): string => (t === undefined ? '-' : `${t.medianMs.toFixed(1)} (p90 ${t.p90Ms.toFixed(1)})`);

function markdown(command: string, date: string, rows: readonly CaseResult[]): string {
  const lines = [
    `<!-- ${command} on ${date} -->`,
    '| camera -> send (scale) | readback, Chromium wall ms | before: rgbaToRgb + sendPair, Node CPU / Chromium wall ms | after: cameraPair, Node CPU / Chromium wall ms | per sample, Chromium: before -> after ms | bit-identical |',
    '|---|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const c = r.chromium;
    const total = c === null ? '-' : `${(c.readback.medianMs + c.pair.before.medianMs).toFixed(1)} -> ${(c.readback.medianMs + c.pair.after.medianMs).toFixed(1)}`;
    const identical = r.node.identical && (c?.pair.identical ?? true) ? 'yes' : 'NO';
    lines.push(`| ${r.label} | ${ms(c?.readback)} | ${ms(r.node.before)} / ${ms(c?.pair.before)} | ${ms(r.node.after)} / ${ms(c?.pair.after)} | ${total} | ${identical} |`);
  }
  return `${lines.join('\n')}\n\nMedian (90th percentile) of the timed repetitions; the two paths alternate on the same bytes. Node: CPU time of the process (unmoved by the other jobs on a shared machine); Chromium: wall time in a dedicated worker (load average in the JSON).\n`;
}

async function main(argv: readonly string[]): Promise<void> {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      cases: { type: 'string', default: '1280x720:320x180,1920x1080:480x270,1920x1080:320x180' },
      scale: { type: 'string', default: '4' },
      reps: { type: 'string', default: '15' },
      'no-browser': { type: 'boolean', default: false },
      out: { type: 'string', default: join(RESULTS_DIR, 'sender') },
      name: { type: 'string', default: 'pair-cost' },
      help: { type: 'boolean', default: false },
    },
  });
  if (v.help) {
    console.log(HELP);
    return;
  }
  const reps = Number(v.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new RangeError(`--reps must be a positive integer, got '${v.reps}'`);
  const cases = parseCases(v.cases, Number(v.scale));
  const command = ['npx tsx bench/sender/pairCost.ts', ...argv].join(' ');
  const started = runInfo(command);
  const node = cases.map((c) => {
    const t = timePair(c, syntheticRgba(c.camera.width, c.camera.height), reps, cpuMs);
    console.log(`node  ${caseLabel(c)}: before ${ms(t.before)}, after ${ms(t.after)}, identical ${t.identical}`);
    return t;
  });
  const browser = v['no-browser'] ? null : await inChromium(cases, reps);
  const rows: CaseResult[] = cases.map((c, i) => ({ case: c, label: caseLabel(c), node: node[i] as PairTiming, chromium: browser?.results[i] ?? null }));
  for (const r of rows) if (r.chromium !== null) console.log(`chromium ${r.label}: readback ${ms(r.chromium.readback)}, before ${ms(r.chromium.pair.before)}, after ${ms(r.chromium.pair.after)}`);
  const run = { ...started, tools: { chromium: browser?.version ?? 'not run' }, loadAverage1mAtEnd: runInfo(command).machine.loadAverage1m };
  await mkdir(v.out, { recursive: true });
  await writeFile(join(v.out, `${v.name}.json`), `${JSON.stringify({ run, reps, rows }, null, 2)}\n`);
  await writeFile(join(v.out, `${v.name}.md`), markdown(command, run.date, rows));
  console.log(`wrote ${join(v.out, `${v.name}.json`)} and .md`);
  if (rows.some((r) => !r.node.identical || r.chromium?.pair.identical === false)) throw new Error('cameraPair and sendPair(rgbaToRgb(...)) differ: see the identical column');
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  process.exitCode = 1;
});
