import { serializeError, type DisposedReply, type DisposeRequest, type ErrorReply, type LeakReport } from './protocol.js';

/** What the receiver's (sr.worker.ts) and the sender's (src/sender/sender.worker.ts) dispatchers share. */

export interface DispatcherOptions<T extends { readonly type: string }> {
  readonly isMessage: (data: unknown) => data is T;
  /** Every message but 'dispose', which the dispatcher answers itself. */
  readonly handle: (message: Exclude<T, DisposeRequest>) => void;
  readonly post: (reply: ErrorReply | DisposedReply) => void;
  /** Whether a throw from `handle` must stop what the SDK waits on (init, attach). */
  readonly fatal: (message: T) => boolean;
  /** Hands over the session to dispose and forgets it (null: never initialised), so nothing reaches it after. */
  readonly takeSession: () => { dispose(): Promise<LeakReport> } | null;
  readonly close: () => void;
}

/**
 * The worker's 'message' listener: messages that pass `isMessage` go to `handle`, whatever it throws goes
 * back as an 'error' reply; 'dispose' frees the session, reports what it still held and closes the worker.
 */
export function dispatcher<T extends { readonly type: string }>(o: DispatcherOptions<T>): (event: MessageEvent<unknown>) => void {
  return (event) => {
    const message = event.data;
    if (!o.isMessage(message)) return;
    if (message.type === 'dispose') {
      void (o.takeSession()?.dispose() ?? Promise.resolve({ numTensors: 0, openFrames: 0 })).then((leaks) => {
        o.post({ type: 'disposed', leaks });
        o.close();
      });
      return;
    }
    try {
      o.handle(message as Exclude<T, DisposeRequest>);
    } catch (error) {
      o.post({ type: 'error', error: serializeError(error), fatal: o.fatal(message) });
    }
  };
}
