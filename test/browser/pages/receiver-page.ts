import { SwiftSRReceiver, type ReceiverOptions } from '../../../src/sdk/index.js';
import type { ChannelMessage, PageApi, Recorded } from '../pageApi.js';

/**
 * Test harness page: a synthetic source track with known content, one receiver painting into #out, and
 * a recorder of every event. The specs drive it through window.swiftsrTest.
 */

type ProcessorCtor = new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> };
/** Kept before a spec hides the page's own copy to exercise the SDK's fallback paths. */
const Processor = (window as unknown as { MediaStreamTrackProcessor: ProcessorCtor }).MediaStreamTrackProcessor;

const source = document.createElement('canvas');
const out = document.getElementById('out') as HTMLCanvasElement;
let receiver: SwiftSRReceiver | null = null;
let track: MediaStreamTrack | null = null;
let timer = 0;
const events: Recorded[] = [];
const channelListeners = new Set<(e: { data: unknown }) => void>();

function channelData(m: ChannelMessage): unknown {
  if (m.kind === 'text') return m.text;
  if (m.kind === 'number') return 42;
  const bytes = Uint8Array.from(atob(m.base64), (c) => c.charCodeAt(0));
  if (m.kind === 'blob') return new Blob([bytes]);
  // A view into a larger buffer, as an app relaying updates might pass.
  if (m.kind === 'view') return new Uint8Array([0, ...bytes, 0]).subarray(1, bytes.length + 1);
  return bytes.buffer;
}

/** Smooth, deterministic content: chroma subsampling of the video path barely changes it. */
function paint(width: number, height: number): void {
  const ctx = source.getContext('2d');
  if (ctx === null) throw new Error('no 2d');
  const img = ctx.createImageData(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const o = (y * width + x) * 4;
      img.data[o] = 128 + 100 * Math.sin(u * 9.0) * Math.cos(v * 7.0);
      img.data[o + 1] = 40 + 170 * u;
      img.data[o + 2] = 60 + 150 * v * (0.6 + 0.4 * Math.sin(u * 5 + v * 3));
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

type GeneratorCtor = new (init: { kind: 'video' }) => MediaStreamTrack & { writable: WritableStream<VideoFrame> };
const Generator = (window as unknown as { MediaStreamTrackGenerator: GeneratorCtor }).MediaStreamTrackGenerator;

/**
 * The canvas picture as a WebRTC decoder delivers it: I420, BT.601 limited range, tagged SMPTE 170M
 * (which makes WebGPU's external textures gamut-map it, unlike the 2D canvas).
 */
function i420Frame(timestamp: number): VideoFrame {
  const { width: w, height: h } = source;
  const ctx = source.getContext('2d');
  if (ctx === null) throw new Error('no 2d');
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const cw = w >> 1;
  const ch = h >> 1;
  const data = new Uint8Array(w * h + 2 * cw * ch);
  const px = (x: number, y: number): [number, number, number] => {
    const o = (y * w + x) * 4;
    return [rgba[o]! / 255, rgba[o + 1]! / 255, rgba[o + 2]! / 255];
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = px(x, y);
      data[y * w + x] = Math.round(16 + 219 * (0.299 * r + 0.587 * g + 0.114 * b));
    }
  }
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const [pr, pg, pb] = px(2 * x + dx, 2 * y + dy);
        r += pr / 4;
        g += pg / 4;
        b += pb / 4;
      }
      const luma = 0.299 * r + 0.587 * g + 0.114 * b;
      data[w * h + y * cw + x] = Math.round(128 + 224 * ((b - luma) / 1.772));
      data[w * h + cw * ch + y * cw + x] = Math.round(128 + 224 * ((r - luma) / 1.402));
    }
  }
  return new VideoFrame(data, {
    format: 'I420', codedWidth: w, codedHeight: h, timestamp,
    colorSpace: { matrix: 'smpte170m', primaries: 'smpte170m', transfer: 'smpte170m', fullRange: false },
  });
}

function startSource(width: number, height: number, fps: number, kind: 'canvas' | 'i420'): void {
  source.width = width;
  source.height = height;
  paint(width, height);
  if (kind === 'i420') {
    const generator = new Generator({ kind: 'video' });
    const writer = generator.writable.getWriter();
    track = generator;
    let n = 0;
    timer = window.setInterval(() => {
      if (generator.readyState === 'ended') return;
      void writer.write(i420Frame(Math.round((n++ * 1e6) / fps))).catch(() => undefined);
    }, 1000 / fps);
    return;
  }
  track = source.captureStream(fps).getVideoTracks()[0] ?? null;
  // captureStream emits only when the canvas changes: repaint the same picture at the target rate.
  timer = window.setInterval(() => paint(source.width, source.height), 1000 / fps);
}

async function grabFrame(from: MediaStreamTrack | null = track): Promise<{ width: number; height: number; rgba: string }> {
  if (from === null) throw new Error('no track');
  const clone = from.clone();
  const processor = new Processor({ track: clone });
  const reader = processor.readable.getReader();
  const { value: frame } = await reader.read();
  if (frame === undefined) throw new Error('no frame');
  const c = new OffscreenCanvas(frame.displayWidth, frame.displayHeight);
  const ctx = c.getContext('2d');
  if (ctx === null) throw new Error('no 2d');
  ctx.drawImage(frame, 0, 0);
  frame.close();
  await reader.cancel();
  clone.stop();
  const data = ctx.getImageData(0, 0, c.width, c.height).data;
  let bin = '';
  for (let i = 0; i < data.length; i += 0x8000) bin += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return { width: c.width, height: c.height, rgba: btoa(bin) };
}

const api: PageApi = {
  async start(opts) {
    for (const name of opts.hide ?? []) Reflect.deleteProperty(window, name);
    startSource(opts.width, opts.height, opts.fps, opts.source ?? 'canvas');
    // The receiver paints the canvas's own size unless the options say otherwise.
    out.width = Number(opts.options.outputWidth ?? 1920);
    out.height = Number(opts.options.outputHeight ?? 1080);
    out.style.width = `${out.width}px`;
    out.style.height = `${out.height}px`;
    receiver = new SwiftSRReceiver({ ...(opts.options as Partial<ReceiverOptions>), canvas: opts.output === 'track' ? null : out });
    for (const type of ['statechange', 'fallback', 'tierchange', 'scalechange', 'modelupdate', 'modelrevert', 'error', 'stats'] as const) {
      receiver.on(type, (data: unknown) => {
        const { code, reason, count } = data as { code?: string; reason?: string; count?: number };
        events.push({ type, data: data instanceof Error ? { name: data.name, message: data.message, code, reason, count } : data });
      });
    }
    const t0 = performance.now();
    if (track === null) throw new Error('no track');
    await receiver.attach(track);
    return performance.now() - t0;
  },
  grabFrame: () => grabFrame(track),
  async grabOutputFrame() {
    const t = receiver?.outputTrack ?? null;
    if (t === null) throw new Error('no outputTrack');
    return grabFrame(t);
  },
  outputTrackInfo() {
    const t = receiver?.outputTrack ?? null;
    return t === null ? null : { kind: t.kind, readyState: t.readyState };
  },
  resize(width, height) {
    source.width = width;
    source.height = height;
    paint(width, height);
  },
  setEnabled(enabled) {
    receiver?.setEnabled(enabled);
  },
  loseGpu() {
    receiver?.simulateGpuLoss();
  },
  stopTrack() {
    clearInterval(timer);
    track?.stop();
  },
  state() {
    return receiver?.state ?? 'none';
  },
  events(type) {
    return type === undefined ? events : events.filter((e) => e.type === type);
  },
  lastStats() {
    return events.filter((e) => e.type === 'stats').at(-1)?.data ?? null;
  },
  attachUpdates() {
    if (receiver === null) throw new Error('not started');
    receiver.attachModelUpdates({
      binaryType: 'blob',
      addEventListener: (_type, l) => channelListeners.add(l),
      removeEventListener: (_type, l) => channelListeners.delete(l),
    });
  },
  deliverUpdates(messages) {
    for (const m of messages) for (const l of [...channelListeners]) l({ data: channelData(m) });
  },
  async dispose() {
    const r = receiver;
    if (r === null) throw new Error('not started');
    const leaks = await r.dispose();
    const again = await r.dispose();
    let afterDispose = '';
    try {
      r.setEnabled(true);
    } catch (e) {
      afterDispose = (e as Error).name;
    }
    return { leaks, again, afterDispose, state: r.state };
  },
};

declare global {
  interface Window {
    swiftsrTest: PageApi;
  }
}
window.swiftsrTest = api;
