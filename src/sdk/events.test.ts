import { describe, expect, it, vi } from 'vitest';
import { TypedEmitter } from './events.js';

interface Map {
  ping: [number];
  pair: [string, boolean];
}

class Emitter extends TypedEmitter<Map> {
  fire<K extends keyof Map>(name: K, ...args: Map[K]): void {
    this.emit(name, ...args);
  }
}

describe('TypedEmitter', () => {
  it('delivers typed arguments and on() returns an unsubscribe', () => {
    const e = new Emitter();
    const got: number[] = [];
    const off = e.on('ping', (n) => got.push(n));
    e.on('pair', (s, b) => got.push(s.length + Number(b)));
    e.fire('ping', 1);
    e.fire('pair', 'abc', true);
    off();
    e.fire('ping', 2);
    expect(got).toEqual([1, 4]);
    expect(e.listenerCount('ping')).toBe(0);
  });

  it('a throwing listener does not starve the others', () => {
    const e = new Emitter();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const got: number[] = [];
    e.on('ping', () => {
      throw new Error('listener bug');
    });
    e.on('ping', (n) => got.push(n));
    e.fire('ping', 3);
    expect(got).toEqual([3]);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  it('rejects a non-function listener', () => {
    expect(() => new Emitter().on('ping', 5 as unknown as () => void)).toThrow(TypeError);
  });
});
