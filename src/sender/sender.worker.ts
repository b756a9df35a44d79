/// <reference lib="webworker" />
import { redirectingFetch } from '../worker/fileUrls.js';
import { dispatcher } from '../worker/dispatch.js';
import { assertNever, serializeError, type DisposeRequest } from '../worker/protocol.js';
import { isSenderToWorker, SENDER_PROTOCOL_VERSION, type SenderFromWorker, type SenderToWorker } from './protocol.js';
import { SenderSession } from './SenderSession.js';

/** The dispatcher: every decision lives in SenderSession. */

interface TrackProcessorCtor {
  new (init: { track: unknown }): { readable: ReadableStream<VideoFrame> };
}
const scope = self as unknown as DedicatedWorkerGlobalScope & { MediaStreamTrackProcessor?: TrackProcessorCtor };

let session: SenderSession | null = null;

function post(message: SenderFromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function requireSession(): SenderSession {
  if (session === null) throw new Error('sender worker not initialised');
  return session;
}

function handle(msg: Exclude<SenderToWorker, DisposeRequest>): void {
  switch (msg.type) {
    case 'init': {
      const { config } = msg;
      if (config.protocolVersion !== SENDER_PROTOCOL_VERSION) throw new Error(`sender protocol ${config.protocolVersion} != worker ${SENDER_PROTOCOL_VERSION}`);
      // Every model read here goes through fetch: redirecting it reaches the catalogue and the loader alike.
      if (Object.keys(config.fileUrls).length > 0) scope.fetch = redirectingFetch(scope.fetch.bind(scope), config.fileUrls);
      session = new SenderSession(config, post);
      return;
    }
    case 'attach': {
      const s = requireSession();
      if (msg.input.kind === 'stream') s.attach(msg.sourceId, msg.input.readable, msg.provisional);
      else {
        if (scope.MediaStreamTrackProcessor === undefined) throw new Error('MediaStreamTrackProcessor is missing in this worker');
        s.attach(msg.sourceId, new scope.MediaStreamTrackProcessor({ track: msg.input.track }).readable, msg.provisional);
      }
      return;
    }
    case 'send-parameters':
      requireSession().setParams(msg.params);
      return;
    case 'pause':
      void requireSession()
        .pause(msg.reason, msg.id)
        .catch((e: unknown) => post({ type: 'error', error: serializeError(e), fatal: false }));
      return;
    default:
      assertNever(msg);
  }
}

function takeSession(): typeof session {
  const s = session;
  session = null;
  return s;
}

scope.addEventListener('message', dispatcher({ isMessage: isSenderToWorker, handle, post, fatal: (m) => m.type === 'init' || m.type === 'attach', takeSession, close: () => scope.close() }));

post({ type: 'hello', workerHasTrackProcessor: scope.MediaStreamTrackProcessor !== undefined });
