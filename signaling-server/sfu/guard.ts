/** Where the SFU reports a callback that threw or a promise it started that rejected. */
export type SfuErrorHandler = (context: string, error: unknown) => void;

/**
 * Wraps a callback handed to werift (event subscriptions, socket-driven paths): werift calls subscribers
 * synchronously from its UDP and SCTP receive paths, so an exception there would escape into Node as an
 * uncaught exception and end the process; a returned promise that rejects would be an unhandled
 * rejection. Both are reported to `onError` instead, and the call carries on.
 */
export function guarded<A extends unknown[]>(context: string, onError: SfuErrorHandler, fn: (...args: A) => unknown): (...args: A) => void {
  return (...args: A) => {
    try {
      const r = fn(...args);
      if (r instanceof Promise) r.catch((error: unknown) => report(onError, context, error));
    } catch (error) {
      report(onError, context, error);
    }
  };
}

/** Starts `p` without awaiting it; a rejection goes to `onError`, never to Node's unhandled-rejection path. */
export function detach(context: string, onError: SfuErrorHandler, p: Promise<unknown>): void {
  p.catch((error: unknown) => report(onError, context, error));
}

/** A handler that throws itself must not undo the guard. */
function report(onError: SfuErrorHandler, context: string, error: unknown): void {
  try {
    onError(context, error);
  } catch {
    // Nothing left to tell: the handler was the last resort.
  }
}
