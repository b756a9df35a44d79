import { describe, expect, it } from 'vitest';
import { ModelUpdateGate } from '../adapt/ModelUpdateGate.js';
import { encodeModelUpdate } from '../adapt/modelUpdate.js';
import { perturb, syntheticBase } from '../adapt/testSupport.js';
import { clockSequence, MAX_SEQUENCE, nextSequence, SEQUENCE_EPOCH_MS, SEQUENCE_TICK_MS } from './sequence.js';

/** A sender's sequence numbers for updates at `timesMs` (its fake clock), from a fresh start. */
function run(timesMs: readonly number[]): number[] {
  const out: number[] = [];
  let seq = 0;
  for (const t of timesMs) out.push((seq = nextSequence(seq, t)));
  return out;
}

const t0 = Date.UTC(2026, 11, 6, 6, 30);

describe('update sequence numbers', () => {
  it('are tenths of a second since 2024-01-01 UTC, within a u32 until August 2037', () => {
    expect(clockSequence(SEQUENCE_EPOCH_MS + 12_345)).toBe(123);
    expect(clockSequence(t0)).toBe(Math.floor((t0 - SEQUENCE_EPOCH_MS) / 100));
    expect(clockSequence(Date.UTC(2037, 7, 11, 0, 38, 49, 500))).toBe(MAX_SEQUENCE);
    expect(clockSequence(Date.UTC(2037, 7, 11, 0, 38, 49, 400))).toBe(MAX_SEQUENCE - 1);
    expect(clockSequence(Date.UTC(2040, 0, 1))).toBe(MAX_SEQUENCE);
    // A clock before 2024 still gives a valid sequence (>= 1: 0 is the base).
    expect(clockSequence(0)).toBe(1);
    expect(() => clockSequence(Number.NaN)).toThrow(RangeError);
  });

  it('rise by one when updates come faster than the clock, and follow the clock otherwise', () => {
    const first = clockSequence(t0);
    expect(run([t0, t0, t0, t0 + 50])).toEqual([first, first + 1, first + 2, first + 3]);
    expect(run([t0, t0 + 500, t0 + 1000])).toEqual([first, first + 5, first + 10]);
  });

  it('stay monotonic when the clock steps back', () => {
    const seqs = run([t0, t0 + 60_000, t0 - 3_600_000, t0, t0 + 60_000]);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
  });

  it('a restarted sender starts above everything the previous one sent, even after N rapid updates', () => {
    for (const n of [1, 5, 40, 200]) {
      // N updates in one burst (the clock stands still), then a reload that takes the same N ticks and one more.
      const before = run(Array.from({ length: n }, () => t0));
      const restart = run([t0 + (n + 1) * SEQUENCE_TICK_MS]);
      expect(restart[0]).toBeGreaterThan(before.at(-1)!);
    }
    // The realistic case: at the receivers' gate rate (2 per second) for 10 minutes, then a 2 s reload.
    const paced = run(Array.from({ length: 1200 }, (_, i) => t0 + i * 500));
    expect(run([t0 + 1199 * 500 + 2000])[0]).toBeGreaterThan(paced.at(-1)!);
    // A counter from 1 (the old behaviour) would have been refused as stale for its first 1200 updates.
    expect(paced.at(-1)! - paced[0]!).toBe(1199 * 5);
  });

  it('refuse a previous value that is not a u32, and end at MAX_SEQUENCE', () => {
    expect(nextSequence(MAX_SEQUENCE - 1, Date.UTC(2040, 0, 1))).toBe(MAX_SEQUENCE);
    expect(() => nextSequence(MAX_SEQUENCE, t0)).toThrow(/spent/);
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN]) expect(() => nextSequence(bad, t0)).toThrow(RangeError);
  });

  it("a receiver's gate that applied the old sender's updates applies the restarted sender's first one", async () => {
    const base = await syntheticBase('tiny', 3);
    const gate = new ModelUpdateGate(base);
    const adapted = perturb(base, 0.01, 4);
    // The old sender: 40 updates, one a second (the gate's byte rate for fp16); its receiver applied them all.
    let seq = 0;
    for (let i = 0; i < 40; i++) {
      seq = nextSequence(seq, t0 + i * 1000);
      expect(gate.offer(encodeModelUpdate(base, adapted, seq), i * 1000)).toMatchObject({ apply: true });
    }
    // Reloaded 3 s later: its first update starts from 0 and the clock again.
    const restarted = nextSequence(0, t0 + 39_000 + 3000);
    const verdict = gate.offer(encodeModelUpdate(base, adapted, restarted), 39_000 + 3000);
    expect(verdict).toMatchObject({ apply: true, update: { seq: restarted } });
    expect(gate.lastSeq).toBe(restarted);
    // What a counter from 1 got: refused as stale.
    expect(gate.offer(encodeModelUpdate(base, adapted, 41), 39_000 + 5000)).toMatchObject({ apply: false, error: { code: 'stale-sequence' } });
  });
});
