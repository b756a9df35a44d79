/** The contract between the sender spec (Node) and its test page (DOM): window.swiftsrSenderTest. */

export interface SenderStartOptions {
  /** The synthetic camera (a canvas captureStream with moving textured content). */
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly sendWidth: number;
  readonly sendHeight: number;
  readonly bitrateBps: number;
  /** true: send the camera over a loopback RTCPeerConnection and give attach() its RTCRtpSender (send size and bitrate from its stats). */
  readonly rtp?: boolean;
  /** true: attach() with no send parameters at all (setParams() gives them later). */
  readonly deferParams?: boolean;
  /** SwiftSRSender options. */
  readonly options: Record<string, unknown>;
}

/** What one channel received, in order. */
export interface ChannelMessage {
  /** performance.now() on the page when it was sent. */
  readonly t: number;
  readonly kind: 'binary' | 'text';
  readonly bytes: number;
  readonly text: string | null;
}

export interface SenderPageState {
  /** performance.now() just before attach() was called. */
  readonly t0: number;
  readonly now: number;
  readonly state: string;
  readonly stats: Record<string, unknown> | null;
  readonly statsCount: number;
  readonly updates: { seq: number; bytes: number; gainDb: number; encoding: string; variant: string }[];
  readonly errors: { name: string; code: string | null; message: string }[];
  readonly states: string[];
  /** Per channel: 'main' (open from the start), 'backed-up' (bufferedAmount stays high), 'late' (opens on openLate()). */
  readonly channels: Record<string, ChannelMessage[]>;
}

export interface GradCheckResult {
  readonly backends: string[];
  /** Per backend: the losses of its steps and the weights after them (spec order, flattened). */
  readonly losses: Record<string, number[]>;
  readonly maxWeightDiff: Record<string, number>;
  readonly maxWeightChange: number;
}

export interface SenderPageApi {
  gradCheck(modelUrl: string, steps: number): Promise<GradCheckResult>;
  /** The VP8 round trip of PairSource on 192x128 -> 48x32: decoded LR vs the clean area LR of the same frames. */
  roundTrip(bitrateBps: number): Promise<{ pairs: number; errors: string[]; psnr: number; meanDiff255: number[] }>;
  /** Two attach() calls of a sender whose model is not in the catalogue. */
  badModel(modelBaseUrl: string): Promise<{ attempts: { name: string; message: string }[]; leaks: { numTensors: number; openFrames: number } }>;
  start(o: SenderStartOptions): Promise<{ attachMs: number }>;
  state(): SenderPageState;
  /** The i-th binary message of the 'main' channel, base64. */
  message(i: number): string;
  pause(): void;
  /** Calls pause() and awaits it: the state right after the call and when it resolved, the updates it had emitted by then. */
  pauseAcked(): Promise<{ stateAtCall: string; stateAtResolve: string; updates: number; lastSeq: number }>;
  resume(): void;
  setParams(width: number, height: number, bitrateBps: number): void;
  setHidden(hidden: boolean): void;
  openLate(): void;
  dispose(): Promise<{ numTensors: number; openFrames: number }>;
}
