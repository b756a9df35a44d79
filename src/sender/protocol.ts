/**
 * The sender worker's messages (the only module both sides of its boundary import). One union per
 * direction; errors cross as `{name, code, message}` (src/worker/protocol.ts's SerializedError).
 */
import { messageGuard, type DisposedReply, type DisposeRequest, type ErrorReply, type LeakReport, type TransferredTrack } from '../worker/protocol.js';

/** 2: the config's encoding may be 'int4' (the default), which a version 1 worker cannot encode. */
export const SENDER_PROTOCOL_VERSION = 2;

export type TrainBackend = 'webgpu' | 'webgl' | 'cpu';
/**
 * Update delta encodings: src/adapt/modelUpdate.ts's SenderEncoding restated, so that the SDK's published
 * types do not reach the wire format's (and through them TF.js's); AdaptLoop.test.ts checks the two agree.
 */
export const SENDER_ENCODINGS = ['int4', 'int8', 'fp16'] as const;
export type SenderEncoding = (typeof SENDER_ENCODINGS)[number];
export type SenderCodec = 'vp8' | 'vp9' | 'h264';
export type SenderState = 'idle' | 'loading' | 'adapting' | 'paused' | 'disposed';
export type PauseReason = 'hidden' | 'cpu-limited' | 'app';

export interface SenderWorkerConfig {
  readonly protocolVersion: number;
  /** Model file URL -> the URL to fetch instead (the package's own files, moved by the app's bundler). */
  readonly fileUrls: Readonly<Record<string, string>>;
  /** `<base>/index.json` and a catalogue name, or one model.json. */
  readonly model: { readonly kind: 'index'; readonly base: string; readonly name: string } | { readonly kind: 'single'; readonly url: string };
  readonly backend: 'auto' | TrainBackend;
  readonly budgetMsPerSecond: number;
  readonly crop: number;
  readonly batch: number;
  /** Each kept crop is the most detailed of this many candidates (cropPairs' `candidates`). */
  readonly cropCandidates: number;
  readonly learningRate: number;
  readonly sampleIntervalMs: number;
  readonly codec: SenderCodec | null;
  readonly encoding: SenderEncoding;
  readonly maxUpdateShare: number;
  readonly minGainDb: number;
  readonly statsIntervalMs: number;
}

/** A send size guessed before the encoder reports one (no bitrate: nothing is published until it is known). */
export interface ProvisionalSize {
  readonly width: number;
  readonly height: number;
}

/** What the encoder sends now: the receiver's input size and the video bitrate. */
export interface SendParameters {
  readonly width: number;
  readonly height: number;
  readonly bitrateBps: number;
}

export interface SenderStats {
  readonly state: SenderState;
  /** The TF.js backend fine-tuning runs on; null before it started. */
  readonly backend: TrainBackend | null;
  /** The base model's variant (what updates name). */
  readonly variant: string;
  readonly sendWidth: number;
  readonly sendHeight: number;
  readonly videoBitrateBps: number;
  /** The LR size training pairs are built at: the send size, or camera / scale when send × scale exceeds the camera. */
  readonly trainWidth: number;
  readonly trainHeight: number;
  readonly samples: number;
  readonly steps: number;
  /** Fine-tuning milliseconds over the last second (the budget's measure). */
  readonly trainMsPerSecond: number;
  /** Y-PSNR gain of the current weights over the base on the held-back frames; null before the first validation. */
  readonly validationGainDb: number | null;
  /**
   * The same for the last published weights (what receivers run), on the latest held-back frames; null
   * before the first publish. Negative when the call moved on and the update now does worse than the base:
   * nothing is published until weights beat the base again.
   */
  readonly publishedGainDb: number | null;
  /** Sequence number of the last published update (0: none yet). */
  readonly generation: number;
  /** Bytes of every update published so far (what each channel gets). */
  readonly updateBytes: number;
  /** updateBytes × 8 over the seconds since adapting started: stays under maxUpdateShare × video bitrate. */
  readonly updateBitrateBps: number;
  readonly pausedReason: PauseReason | null;
  readonly numTensors: number;
}

/** What the worker still held when it was disposed (0/0 unless something leaked): the receiver's report. */
export type SenderLeakReport = LeakReport;

export type SenderToWorker =
  | { readonly type: 'init'; readonly config: SenderWorkerConfig }
  /** The camera frames: a transferred MediaStreamTrackProcessor readable, or the track (Safari: the processor exists in workers only). */
  | {
      readonly type: 'attach';
      readonly sourceId: number;
      readonly input: { readonly kind: 'stream'; readonly readable: ReadableStream<VideoFrame> } | { readonly kind: 'track'; readonly track: TransferredTrack };
      /** The send size to train at until send-parameters arrive; null: camera / the model's scale. */
      readonly provisional: ProvisionalSize | null;
    }
  | { readonly type: 'send-parameters'; readonly params: SendParameters }
  /** `id` rises with every request; the worker answers each with 'paused' once it is in effect. */
  | { readonly type: 'pause'; readonly reason: PauseReason | null; readonly id: number }
  | DisposeRequest;

export type SenderFromWorker =
  | { readonly type: 'hello'; readonly workerHasTrackProcessor: boolean }
  /** The model is loaded, the backend up and the first training pair built. */
  | { readonly type: 'adapting'; readonly sourceId: number; readonly backend: TrainBackend; readonly variant: string }
  | { readonly type: 'update'; readonly seq: number; readonly message: ArrayBuffer; readonly gainDb: number; readonly encoding: SenderEncoding; readonly variant: string }
  | { readonly type: 'stats'; readonly stats: SenderStats }
  /**
   * Pause request `id` is in effect: with a reason, the step in flight has ended (its update, if any, was
   * posted before this) and nothing is published until a later request without one.
   */
  | { readonly type: 'paused'; readonly id: number }
  | { readonly type: 'source-ended'; readonly sourceId: number }
  | ErrorReply
  | DisposedReply;

export const isSenderToWorker = messageGuard<SenderToWorker>({ init: true, attach: true, 'send-parameters': true, pause: true, dispose: true });

export const isSenderFromWorker = messageGuard<SenderFromWorker>({ hello: true, adapting: true, update: true, stats: true, paused: true, 'source-ended': true, error: true, disposed: true });
