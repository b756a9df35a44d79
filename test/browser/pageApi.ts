/** The contract between the browser specs (Node) and the test page (DOM): window.swiftsrTest. */

/**
 * The 'stats' fields the specs read. Mirrors ReceiverStats in src/worker/protocol.ts, which cannot be
 * imported here: it names DOM types (VideoFrame, ImageBitmap) that the Node typecheck lacks.
 */
export interface StatsView {
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly outputWidth: number;
  readonly outputHeight: number;
  readonly framesPainted: number;
  readonly framesDropped: number;
  readonly modelMsP50: number;
  readonly backend: 'webgpu' | 'webgl' | 'bicubic';
  /** What painted the last frame: catalogue name and scale, null for bicubic. */
  readonly model: string | null;
  readonly modelScale: 2 | 3 | 4 | null;
  readonly ratio: number;
  readonly tier: string;
  readonly timing: string;
  readonly f16: boolean;
  readonly readbacks: number;
  readonly numTensors: number;
  readonly openFrames: number;
  readonly modelGeneration: number;
  readonly updatesApplied: number;
  readonly updatesRejected: number;
  readonly updateBytesReceived: number;
}

/** One message for the page's fake update channel: binary as base64 (delivered as an ArrayBuffer, a view or a Blob), or text. */
export type ChannelMessage =
  | { readonly kind: 'buffer' | 'view' | 'blob'; readonly base64: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'number' };

export interface Recorded {
  readonly type: string;
  readonly data: unknown;
}

export interface StartOptions {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** SwiftSRReceiver options other than canvas. */
  readonly options: Record<string, unknown>;
  /** 'canvas' (default): paint into the page's canvas; 'track': use receiver.outputTrack. */
  readonly output?: 'canvas' | 'track';
  /** 'canvas' (default): a canvas captureStream (RGBA frames); 'i420': I420 frames tagged SMPTE 170M, as WebRTC delivers. */
  readonly source?: 'canvas' | 'i420';
  /** Globals to delete before the receiver starts, to take the paths of browsers that lack them. */
  readonly hide?: readonly string[];
}

export interface DisposeResult {
  readonly leaks: { numTensors: number; openFrames: number };
  readonly again: { numTensors: number; openFrames: number };
  /** Name of the error setEnabled() threw after dispose(). */
  readonly afterDispose: string;
  readonly state: string;
}

export interface PageApi {
  /** Starts the source and a receiver, resolves with attach()'s duration in ms. */
  start(opts: StartOptions): Promise<number>;
  /** One frame of the source track as the receiver sees it, RGBA base64. */
  grabFrame(): Promise<{ width: number; height: number; rgba: string }>;
  /** One frame of receiver.outputTrack, read back in the page (test only). */
  grabOutputFrame(): Promise<{ width: number; height: number; rgba: string }>;
  outputTrackInfo(): { kind: string; readyState: string } | null;
  resize(width: number, height: number): void;
  setEnabled(enabled: boolean): void;
  loseGpu(): void;
  stopTrack(): void;
  state(): string;
  events(type?: string): Recorded[];
  lastStats(): unknown;
  /** receiver.attachModelUpdates() on a fake channel (an RTCDataChannel's message events). */
  attachUpdates(): void;
  /** Delivers messages on that channel, in order. */
  deliverUpdates(messages: readonly ChannelMessage[]): void;
  dispose(): Promise<DisposeResult>;
}
