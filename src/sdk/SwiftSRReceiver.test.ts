import { describe, expect, it } from 'vitest';
import { InvalidStateError } from './errors.js';
import { SwiftSRReceiver } from './SwiftSRReceiver.js';

describe('SwiftSRReceiver (no browser needed)', () => {
  it('the constructor validates and starts nothing', () => {
    expect(() => new SwiftSRReceiver({ outputWidth: 3 })).toThrow(/options\.outputWidth must be in/);
    expect(() => new SwiftSRReceiver({ tiers: ['nope'] })).toThrow(RangeError);
    const r = new SwiftSRReceiver({ tiers: ['tiny'] });
    expect(r.state).toBe('idle');
    expect(r.outputTrack).toBeNull();
    expect(r.disposed).toBe(false);
  });

  it('attach() rejects a non-video source with a TypeError before any work', async () => {
    const r = new SwiftSRReceiver();
    await expect(r.attach({} as MediaStreamTrack)).rejects.toThrow(TypeError);
    const audio = { kind: 'audio', readyState: 'live', stop: () => undefined } as unknown as MediaStreamTrack;
    await expect(r.attach(audio)).rejects.toThrow(/audio track/);
    expect(r.state).toBe('idle');
  });

  it('dispose() is idempotent; everything after it throws InvalidStateError', async () => {
    const r = new SwiftSRReceiver();
    const states: string[] = [];
    r.on('statechange', (e) => states.push(`${e.previous}->${e.state}`));
    const first = r.dispose();
    expect(r.dispose()).toBe(first);
    expect(await first).toEqual({ numTensors: 0, openFrames: 0 });
    expect(states).toEqual(['idle->disposed']);
    expect(r.state).toBe('disposed');
    expect(() => r.setEnabled(false)).toThrow(InvalidStateError);
    expect(() => r.detach()).toThrow(InvalidStateError);
    await expect(r.attach({ kind: 'video', readyState: 'live', stop: () => undefined } as unknown as MediaStreamTrack)).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('setEnabled() checks its argument', () => {
    expect(() => new SwiftSRReceiver().setEnabled('no' as unknown as boolean)).toThrow(TypeError);
  });
});
