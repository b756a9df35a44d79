import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { ffmpegFrames } from '../imaging/ffmpeg.js';
import { launchChromium } from '../test/browser/chromium.js';
import { buildBenchPages } from './buildPages.js';
import { servePages } from '../scripts/pageServer.js';
import type { WebrtcCodec, WebrtcPageApi, WebrtcRunRequest, WebrtcRunResult } from './pages/webrtcTypes.js';

export const BARCODE_BITS = 10;

/** Barcode block side: 64 px at 1080p, scaled with the frame height, even, at least 8. */
export function barcodeBlock(height: number): number {
  return Math.max(8, 2 * Math.round((height / 1080) * 32));
}

/** Writes the source as a .y4m for Chromium's fake camera, each frame stamped with its index barcode. */
export async function writeBarcodedY4m(hrY4m: string, out: string, width: number, height: number, fps: number): Promise<void> {
  const block = barcodeBlock(height);
  if ((BARCODE_BITS + 2) * block > width) throw new RangeError(`a ${width}x${height} source is too narrow for the ${(BARCODE_BITS + 2) * block}-pixel frame barcode`);
  const ySize = width * height;
  const frameBytes = (ySize * 3) / 2;
  const file = createWriteStream(out);
  file.write(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  await ffmpegFrames(['-i', hrY4m, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-'], frameBytes, async (f, index) => {
    for (let b = 0; b < BARCODE_BITS + 2; b++) {
      const white = b === 0 || (b <= BARCODE_BITS && ((index >> (BARCODE_BITS - b)) & 1) === 1);
      for (let y = height - block; y < height; y++) f.fill(white ? 235 : 16, y * width + b * block, y * width + (b + 1) * block);
      for (let y = (height - block) / 2; y < height / 2; y++) {
        f.fill(128, ySize + y * (width / 2) + (b * block) / 2, ySize + y * (width / 2) + ((b + 1) * block) / 2);
        f.fill(128, ySize * 1.25 + y * (width / 2) + (b * block) / 2, ySize * 1.25 + y * (width / 2) + ((b + 1) * block) / 2);
      }
    }
    if (!file.write('FRAME\n') || !file.write(f)) await once(file, 'drain');
  });
  file.end();
  await once(file, 'finish');
}

/** A decoded frame at the size it arrived in, as 8-bit RGB. */
export interface NativeFrame {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

export interface WebrtcPoint extends WebrtcRunResult {
  readonly targetKbps: number;
  readonly kbps: number;
  /** Scored frames drawn at the source size by the browser (upload 'display' or 'both'). */
  readonly frames: Map<number, Uint8Array>;
  /** Scored frames at their arriving size (upload 'native' or 'both'). */
  readonly native: Map<number, NativeFrame>;
  /** The resolution cap this point ran with, if any. */
  readonly scaleResolutionDownBy?: number;
}

export interface WebrtcCurveOptions {
  readonly y4m: string;
  readonly width: number;
  readonly height: number;
  readonly bitratesKbps: readonly number[];
  readonly wanted: readonly number[];
  readonly loopFrames: number;
  readonly warmupMs: number;
  readonly captureMs: number;
  /** Unset: the browser default (balanced). */
  readonly degradation?: 'maintain-resolution';
  /** Default VP8. */
  readonly codec?: WebrtcCodec;
  readonly upload?: WebrtcRunRequest['upload'];
  /** A resolution cap per target bitrate (curve F); undefined: none. A bitrate mapped to null is skipped. */
  readonly capFor?: (kbps: number) => number | null | undefined;
  /** Called per bitrate so that 1080p frames of one bitrate at a time are held in memory. */
  readonly onPoint: (p: WebrtcPoint) => void | Promise<void>;
  readonly log: (msg: string) => void;
}

/**
 * Chromium's own WebRTC sender (VP8 unless asked, maxBitrate, default degradation unless asked) to a receiver
 * in the same page over 127.0.0.1 only, one call per bitrate; frames identified by their barcode and
 * returned at the source size (the browser's scaling), at their arriving size, or both.
 */
export async function measureWebrtcCurve(o: WebrtcCurveOptions): Promise<void> {
  const pages = await buildBenchPages(['webrtc']);
  let frames = new Map<number, Uint8Array>();
  let native = new Map<number, NativeFrame>();
  const server = await servePages({ '/page/': pages }, (url, body) => {
    const index = Number(url.searchParams.get('index'));
    if (url.searchParams.get('native') === '1') {
      const [nw, nh] = [Number(url.searchParams.get('w')), Number(url.searchParams.get('h'))];
      if (body.length === nw * nh * 3) native.set(index, { width: nw, height: nh, rgb: new Uint8Array(body) });
    } else if (body.length === o.width * o.height * 3) frames.set(index, new Uint8Array(body));
  });
  const chromium = await launchChromium({ webgpu: false, fakeVideo: o.y4m, loopbackWebRTC: true });
  try {
    const page = await chromium.browser.newPage();
    await page.goto(`${server.url}/page/webrtc.html`);
    await page.waitForFunction("document.title === 'ready'", { timeout: 60_000 });
    for (const kbps of o.bitratesKbps) {
      const cap = o.capFor?.(kbps);
      if (cap === null) continue;
      frames = new Map();
      native = new Map();
      const req: WebrtcRunRequest = {
        width: o.width,
        height: o.height,
        maxBitrateBps: kbps * 1000,
        warmupMs: o.warmupMs,
        captureMs: o.captureMs,
        wanted: [...o.wanted],
        loopFrames: o.loopFrames,
        barcode: { bits: BARCODE_BITS, block: barcodeBlock(o.height) },
        uploadUrl: `${server.url}/upload`,
        ...(o.degradation !== undefined ? { degradation: o.degradation } : {}),
        ...(o.codec !== undefined ? { codec: o.codec } : {}),
        ...(o.upload !== undefined ? { upload: o.upload } : {}),
        ...(cap !== undefined ? { scaleResolutionDownBy: cap } : {}),
      };
      const r = await page.evaluate((q) => (globalThis as unknown as { swiftsrWebrtc: WebrtcPageApi }).swiftsrWebrtc.run(q), req);
      const foreign = r.candidates.filter((c) => !c.includes(' 127.0.0.1 '));
      if (foreign.length > 0) o.log(`note: non-loopback candidates were gathered but never used: ${foreign.length}`);
      const point: WebrtcPoint = { ...r, targetKbps: kbps, kbps: (r.bytesSent * 8) / r.seconds / 1000, frames, native, ...(cap !== undefined ? { scaleResolutionDownBy: cap } : {}) };
      const received = r.captured.length - r.repeated.length;
      o.log(
        `webrtc ${o.codec ?? 'VP8'} ${o.width}x${o.height} ${o.degradation ?? 'balanced'}${cap !== undefined ? ` cap /${cap.toFixed(2)}` : ''} ${kbps} kbit/s: sent ${point.kbps.toFixed(0)} kbit/s at ${r.sentWidth}x${r.sentHeight} ${r.sentFps} fps (${r.qualityLimitationReason}); ` +
          `scored frames: ${received} received, ${r.repeated.length} never received (scored with the frame on screen), ${o.wanted.length - r.captured.length} not resolved; ` +
          `window: ${r.framesEncoded} encoded, ${r.framesDecoded} decoded, ${r.framesRead} read by the page (${r.unreadable} without a barcode)`,
      );
      await o.onPoint(point);
    }
  } finally {
    await chromium.close();
    await server.close();
    await rm(pages, { recursive: true, force: true });
  }
}
