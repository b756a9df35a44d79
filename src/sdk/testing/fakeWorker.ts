import { vi } from 'vitest';
import type { LeakReport, MainToWorker, WorkerToMain } from '../../worker/protocol.js';
import type { SwiftSRReceiver } from '../SwiftSRReceiver.js';

/** A Worker stand-in: records what the receiver posts and lets the test answer as the worker would. */
export class FakeWorker extends EventTarget {
  static last: FakeWorker | null = null;
  readonly posted: MainToWorker[] = [];
  /** The transfer list of each posted message, in the same order. */
  readonly transfers: Transferable[][] = [];
  terminated = false;
  /** What the worker answers to 'dispose' and after how long; null: it never answers (a wedged worker). */
  disposeReply: { leaks: LeakReport; afterMs: number } | null = { leaks: { numTensors: 0, openFrames: 0 }, afterMs: 0 };
  constructor(readonly url: URL | string) {
    super();
    FakeWorker.last = this;
    queueMicrotask(() => this.reply({ type: 'hello', workerHasTrackProcessor: false, workerHasTrackGenerator: false }));
  }
  postMessage(m: MainToWorker, transfer: Transferable[] = []): void {
    this.posted.push(m);
    this.transfers.push(transfer);
    const answer = this.disposeReply;
    if (m.type !== 'dispose' || answer === null) return;
    if (answer.afterMs === 0) queueMicrotask(() => this.reply({ type: 'disposed', leaks: answer.leaks }));
    else setTimeout(() => this.reply({ type: 'disposed', leaks: answer.leaks }), answer.afterMs);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(m: WorkerToMain): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data: m }));
  }
}

export class FakeOffscreenCanvas {}
class FakeProcessor {
  readonly readable = new ReadableStream();
  constructor(readonly init: { track: unknown }) {}
}

export const videoTrack = (): MediaStreamTrack => ({ kind: 'video', readyState: 'live', id: 'v', stop: () => undefined }) as unknown as MediaStreamTrack;
export const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** Starts attach() and waits until the receiver has posted it to the (fake) worker. */
export async function attached(r: SwiftSRReceiver): Promise<{ worker: FakeWorker; attach: Promise<void>; sourceId: number }> {
  const attach = r.attach(videoTrack());
  for (let i = 0; i < 10 && !FakeWorker.last?.posted.some((m) => m.type === 'attach'); i++) await tick();
  const worker = FakeWorker.last;
  const msg = worker?.posted.find((m) => m.type === 'attach');
  if (worker === null || msg?.type !== 'attach') throw new Error('no attach posted');
  return { worker, attach, sourceId: msg.sourceId };
}

/** The browser globals the receiver needs, faked (undo with vi.unstubAllGlobals()). */
export function stubReceiverGlobals(): void {
  FakeWorker.last = null;
  vi.stubGlobal('Worker', FakeWorker);
  vi.stubGlobal('OffscreenCanvas', FakeOffscreenCanvas);
  vi.stubGlobal('MediaStreamTrackProcessor', FakeProcessor);
  vi.stubGlobal('document', { baseURI: 'http://app.test/call/' });
}
