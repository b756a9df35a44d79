import { describe, expect, it } from 'vitest';
import { dispatcher } from './dispatch.js';
import { messageGuard, type DisposedReply, type ErrorReply, type LeakReport } from './protocol.js';

type In = { readonly type: 'init' } | { readonly type: 'step'; readonly n: number } | { readonly type: 'dispose' };
const isIn = messageGuard<In>({ init: true, step: true, dispose: true });
const event = (data: unknown): MessageEvent<unknown> => ({ data }) as MessageEvent<unknown>;

function rig(session: { dispose(): Promise<LeakReport> } | null) {
  const handled: In[] = [];
  const log: string[] = [];
  const replies: (ErrorReply | DisposedReply)[] = [];
  let held = session;
  const listener = dispatcher<In>({
    isMessage: isIn,
    handle: (m) => {
      handled.push(m);
      if (m.type === 'init') throw Object.assign(new Error('no model'), { code: 'model-load-failed' });
      if (m.n < 0) throw new RangeError('negative');
    },
    post: (r) => {
      log.push(`post ${r.type}`);
      replies.push(r);
    },
    fatal: (m) => m.type === 'init',
    takeSession: () => {
      const s = held;
      held = null;
      return s;
    },
    close: () => log.push('close'),
  });
  return { listener, handled, replies, log };
}

describe('worker dispatcher', () => {
  it('hands known messages to the handler, ignores others, and replies to a throw with an error, fatal as told', () => {
    const { listener, handled, replies } = rig(null);
    listener(event({ type: 'other' }));
    listener(event(null));
    listener(event({ type: 'step', n: 1 }));
    listener(event({ type: 'init' }));
    listener(event({ type: 'step', n: -1 }));
    expect(handled).toEqual([{ type: 'step', n: 1 }, { type: 'init' }, { type: 'step', n: -1 }]);
    expect(replies).toEqual([
      { type: 'error', error: { name: 'Error', code: 'model-load-failed', message: 'no model' }, fatal: true },
      { type: 'error', error: { name: 'RangeError', code: 'internal', message: 'negative' }, fatal: false },
    ]);
  });

  it("'dispose' reports the session's leaks (0/0 without one), then closes; the handler never sees it", async () => {
    for (const [session, leaks] of [[{ dispose: () => Promise.resolve({ numTensors: 3, openFrames: 1 }) }, { numTensors: 3, openFrames: 1 }], [null, { numTensors: 0, openFrames: 0 }]] as const) {
      const { listener, handled, replies, log } = rig(session);
      listener(event({ type: 'dispose' }));
      for (let i = 0; i < 5 && log.length < 2; i++) await Promise.resolve();
      expect(handled).toEqual([]);
      expect(replies).toEqual([{ type: 'disposed', leaks }]);
      expect(log).toEqual(['post disposed', 'close']);
    }
  });
});
