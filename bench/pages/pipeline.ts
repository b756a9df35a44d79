import { SwiftSRReceiver } from '../../src/sdk/index.js';
import type { ReceiverStats } from '../../src/worker/protocol.js';
import type { PipelinePageApi, PipelineRequest, PipelineResult } from './speedTypes.js';

/**
 * Full pipeline through the public SDK: a canvas track (VideoFrames at the input size) into
 * SwiftSRReceiver, painted into a canvas; the receiver's own stats give model and arrival-to-paint times.
 */
async function run(req: PipelineRequest): Promise<PipelineResult> {
  const source = document.createElement('canvas');
  source.width = req.width;
  source.height = req.height;
  const ctx = source.getContext('2d');
  if (ctx === null) throw new Error('2D canvas unavailable');
  let tick = 0;
  const paint = (): void => {
    // Moving content, so every captured frame differs.
    const g = ctx.createLinearGradient(0, 0, req.width, req.height);
    g.addColorStop(0, `hsl(${tick % 360} 70% 50%)`);
    g.addColorStop(1, `hsl(${(tick + 180) % 360} 70% 50%)`);
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, req.width, req.height);
    ctx.fillStyle = '#fff';
    ctx.font = `${Math.round(req.height / 8)}px sans-serif`;
    ctx.fillText(`frame ${tick}`, (tick * 3) % req.width, req.height / 2);
    tick++;
  };
  paint();
  const track = source.captureStream(30).getVideoTracks()[0];
  if (track === undefined) throw new Error('captureStream gave no track');
  const timer = window.setInterval(paint, 1000 / 30);
  const out = document.getElementById('out') as HTMLCanvasElement;
  const receiver = new SwiftSRReceiver({
    canvas: out,
    outputWidth: req.width * 4,
    outputHeight: req.height * 4,
    modelUrl: req.modelUrl,
    adaptive: false,
    backend: req.backend,
    enabled: req.enabled,
    statsIntervalMs: 1000,
  });
  const stats: ReceiverStats[] = [];
  const fallbacks: string[] = [];
  receiver.on('stats', (s) => stats.push(s));
  receiver.on('fallback', (f) => fallbacks.push(JSON.stringify(f)));
  try {
    await receiver.attach(track);
    const start = stats.length;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, req.measureMs));
    const windowMs = performance.now() - t0;
    const last = stats.at(-1);
    const first = stats[start - 1];
    if (last === undefined) throw new Error('no stats event');
    return {
      backend: last.backend,
      tier: last.tier,
      adapter: last.adapter,
      modelMsP50: last.modelMsP50,
      modelMsP95: last.modelMsP95,
      latencyMsP50: last.latencyMsP50,
      latencyMsP95: last.latencyMsP95,
      outputFps: last.outputFps,
      framesPainted: last.framesPainted - (first?.framesPainted ?? 0),
      framesDropped: last.framesDropped - (first?.framesDropped ?? 0),
      readbacks: last.readbacks,
      windowMs,
      fallbacks,
    };
  } finally {
    window.clearInterval(timer);
    track.stop();
    await receiver.dispose();
  }
}

const api: PipelinePageApi = { run };
(window as unknown as { swiftsrPipeline: PipelinePageApi }).swiftsrPipeline = api;
document.title = 'ready';
