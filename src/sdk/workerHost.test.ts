import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SwiftSRError } from './errors.js';
import { messageGuard } from '../worker/protocol.js';
import { openWorker, WorkerHost } from './workerHost.js';

type To = { readonly type: 'go' } | { readonly type: 'dispose' };
type From = { readonly type: 'hello'; readonly n: number } | { readonly type: 'note'; readonly text: string } | { readonly type: 'disposed'; readonly leaks: { numTensors: number; openFrames: number } };
const isFrom = messageGuard<From>({ hello: true, note: true, disposed: true });

/** A Worker stand-in that records posts; the test plays the worker. */
class Script extends EventTarget {
  readonly posted: unknown[] = [];
  terminated = 0;
  postMessage(m: unknown): void {
    this.posted.push(m);
  }
  terminate(): void {
    this.terminated++;
  }
  say(data: unknown): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data }));
  }
  fail(message: string): void {
    this.dispatchEvent(Object.assign(new Event('error'), { message }));
  }
}

function host(): { script: Script; host: WorkerHost<To, From>; seen: From[]; failures: SwiftSRError[] } {
  const script = new Script();
  const seen: From[] = [];
  const failures: SwiftSRError[] = [];
  const h = new WorkerHost<To, From>(script as unknown as Worker, { label: 'the test worker', isMessage: isFrom, onMessage: (m) => seen.push(m), onFailed: (e) => failures.push(e) });
  return { script, host: h, seen, failures };
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('WorkerHost', () => {
  it('resolves hello with the first hello, routes every known message, ignores the rest', async () => {
    const { script, host: h, seen } = host();
    script.say({ type: 'bogus' });
    script.say('hello');
    script.say({ type: 'hello', n: 7 });
    script.say({ type: 'note', text: 'x' });
    expect(await h.hello).toEqual({ type: 'hello', n: 7 });
    expect(seen.map((m) => m.type)).toEqual(['hello', 'note']);
    h.post({ type: 'go' });
    expect(script.posted).toEqual([{ type: 'go' }]);
  });

  it("a script that fails before its hello rejects hello with 'worker-failed' and reports the failure", async () => {
    const { script, host: h, failures } = host();
    script.fail('SyntaxError: x');
    await expect(h.hello).rejects.toMatchObject({ name: 'SwiftSRError', code: 'worker-failed', message: 'the test worker failed to start: SyntaxError: x' });
    expect(failures.map((e) => [e.code, e.message])).toEqual([['worker-failed', 'the test worker failed: SyntaxError: x']]);
  });

  it('dispose() posts dispose once, returns the leak report, terminates once', async () => {
    const { script, host: h } = host();
    const a = h.dispose(1000);
    const b = h.dispose(1000);
    expect(script.posted).toEqual([{ type: 'dispose' }]);
    script.say({ type: 'disposed', leaks: { numTensors: 2, openFrames: 1 } });
    expect(await a).toEqual({ numTensors: 2, openFrames: 1 });
    expect(await b).toEqual({ numTensors: 2, openFrames: 1 });
    expect(script.terminated).toBe(1);
  });

  it('a silent worker is terminated after the timeout and reported as -1/-1', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { script, host: h } = host();
    let settled = false;
    const done = h.dispose(5000).finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(4999);
    expect(settled).toBe(false);
    expect(script.terminated).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(await done).toEqual({ numTensors: -1, openFrames: -1 });
    expect(script.terminated).toBe(1);
  });

  it('openWorker uses the app URL with a module worker of that name, else the bundled factory', () => {
    const made: [unknown, unknown][] = [];
    vi.stubGlobal('Worker', class {
      constructor(url: unknown, options: unknown) {
        made.push([url, options]);
      }
    });
    const bundled = { bundled: true } as unknown as Worker;
    openWorker('https://cdn.test/w.js', 'swiftsr-x', () => bundled);
    expect(made).toEqual([['https://cdn.test/w.js', { type: 'module', name: 'swiftsr-x' }]]);
    expect(openWorker(null, 'swiftsr-x', () => bundled)).toBe(bundled);
    expect(made).toHaveLength(1);
  });
});
