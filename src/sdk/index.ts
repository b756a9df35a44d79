export { SwiftSRReceiver, DISPOSE_TIMEOUT_MS } from './SwiftSRReceiver.js';
export { DEFAULTS, DEFAULT_MODEL_BASE_URL, resolveOptions, type ReceiverOptions, type ResolvedOptions } from './options.js';
export type { ReceiverEventMap, ReceiverState, StateChangeEvent, FallbackEvent, TierChangeEvent } from './events.js';
export { SwiftSRError, InvalidStateError, deserializeError, type SwiftSRErrorCode } from './errors.js';
export { detectMainThread, detectGpu, chooseInputPath, chooseOutputPath, type MainThreadSupport, type GpuSupport, type FrameInputPath, type FrameOutputPath } from './support.js';
export { resolveVideoTrack, type VideoSource } from './sources.js';
export { trackFromSimplePeer, attachSimplePeer, type SimplePeerLike } from './adapters/simplePeer.js';
export { trackFromConsumer, attachConsumer, type ConsumerLike } from './adapters/mediasoup.js';
export type { ReceiverStats, BackendKind, FallbackReason, LeakReport, TimingSource } from '../worker/protocol.js';
