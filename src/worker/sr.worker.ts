/// <reference lib="webworker" />
import { browserPlatform } from './browserPlatform.js';
import { redirectingFetch } from './fileUrls.js';
import { dispatcher } from './dispatch.js';
import { assertNever, isMainToWorker, PROTOCOL_VERSION, type DisposeRequest, type MainToWorker, type WorkerToMain } from './protocol.js';
import { CanvasSink, WritableSink } from './sinks.js';
import { WorkerSession } from './WorkerSession.js';

/** The dispatcher: every decision lives in WorkerSession and the renderers. */

interface TrackProcessorCtor {
  new (init: { track: unknown }): { readable: ReadableStream<VideoFrame> };
}
interface TrackGeneratorCtor {
  new (): { track: { kind: string; id: string }; writable: WritableStream<VideoFrame> };
}
const scope = self as unknown as DedicatedWorkerGlobalScope & { MediaStreamTrackProcessor?: TrackProcessorCtor; VideoTrackGenerator?: TrackGeneratorCtor };

let session: WorkerSession<VideoFrame, OffscreenCanvas> | null = null;

function post(message: WorkerToMain, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function handle(msg: Exclude<MainToWorker, DisposeRequest>): void {
  switch (msg.type) {
    case 'init': {
      if (msg.config.protocolVersion !== PROTOCOL_VERSION) throw new Error(`protocol ${msg.config.protocolVersion} != worker ${PROTOCOL_VERSION}`);
      const { config, output } = msg;
      // Every model read in this worker (index, model.json, shards) goes through fetch: redirecting it here
      // reaches the catalogue and the loader alike, and only this worker's own code runs in its scope.
      if (Object.keys(config.fileUrls).length > 0) scope.fetch = redirectingFetch(scope.fetch.bind(scope), config.fileUrls);
      let sink;
      if (output.kind === 'canvas') sink = new CanvasSink(output.canvas, config.outputWidth, config.outputHeight);
      else if (output.kind === 'writable') sink = new WritableSink(output.writable);
      else {
        if (scope.VideoTrackGenerator === undefined) throw new Error('VideoTrackGenerator is missing in this worker');
        const generator = new scope.VideoTrackGenerator();
        post({ type: 'output-track', track: generator.track }, [generator.track]);
        sink = new WritableSink(generator.writable);
      }
      session = new WorkerSession(config, browserPlatform(config), sink, post);
      session.start();
      return;
    }
    case 'attach': {
      const s = requireSession();
      const input = msg.input;
      if (input.kind === 'stream') s.attachStream(msg.sourceId, input.readable);
      else if (input.kind === 'track') {
        if (scope.MediaStreamTrackProcessor === undefined) throw new Error('MediaStreamTrackProcessor is missing in this worker');
        s.attachStream(msg.sourceId, new scope.MediaStreamTrackProcessor({ track: input.track }).readable);
      } else s.attachPushed(msg.sourceId);
      return;
    }
    case 'frame': {
      const frame = new VideoFrame(msg.bitmap, { timestamp: msg.timestampUs });
      msg.bitmap.close();
      requireSession().pushFrame(msg.sourceId, frame);
      return;
    }
    case 'detach':
      session?.detach();
      return;
    case 'set-enabled':
      requireSession().setEnabled(msg.enabled);
      return;
    case 'simulate-gpu-loss':
      session?.simulateGpuLoss();
      return;
    case 'model-update':
      session?.receiveModelUpdate(msg.data);
      return;
    default:
      assertNever(msg);
  }
}

function requireSession(): WorkerSession<VideoFrame, OffscreenCanvas> {
  if (session === null) throw new Error('worker not initialised');
  return session;
}

function takeSession(): typeof session {
  const s = session;
  session = null;
  return s;
}

scope.addEventListener('message', dispatcher({ isMessage: isMainToWorker, handle, post, fatal: (m) => m.type === 'init', takeSession, close: () => scope.close() }));

post({ type: 'hello', workerHasTrackProcessor: scope.MediaStreamTrackProcessor !== undefined, workerHasTrackGenerator: scope.VideoTrackGenerator !== undefined });
