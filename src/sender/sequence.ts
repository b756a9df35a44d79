/**
 * Update sequence numbers that survive a sender restart. A receiver refuses any update whose sequence is not
 * above the last one it applied ('stale-sequence'), and it outlives the sender: after a page reload or a
 * reconnect through the SFU, a sender counting from 1 again would be refused until it passed the old count.
 * So the sequence follows the wall clock: tenths of a second since 2024-01-01 UTC, and each next one is
 * max(previous + 1, clock). It runs ahead of the clock only while updates come faster than one per tick
 * (the publish policy's byte budget and the receivers' gate, at most 2 per second, keep them far slower),
 * so a restarted sender starts above everything its predecessor sent: building its first update takes
 * seconds (model load, training, validation), many ticks.
 */

/** 2024-01-01T00:00:00Z: the u32 of tenths of a second from here lasts until 2037-08-11. */
export const SEQUENCE_EPOCH_MS = Date.UTC(2024, 0, 1);
export const SEQUENCE_TICK_MS = 100;
/** The wire format's sequence field is a u32 (0 is the base). */
export const MAX_SEQUENCE = 0xffff_ffff;

/** The clock's sequence at `nowMs` (Date.now() ms), within [1, MAX_SEQUENCE]: a clock before 2024 gives 1. */
export function clockSequence(nowMs: number): number {
  if (!Number.isFinite(nowMs)) throw new RangeError(`clockSequence: the clock must be a finite number of ms, got ${nowMs}`);
  return Math.min(MAX_SEQUENCE, Math.max(1, Math.floor((nowMs - SEQUENCE_EPOCH_MS) / SEQUENCE_TICK_MS)));
}

/**
 * The sequence of the next update after `previous` (0: none yet): max(previous + 1, clockSequence(nowMs)).
 * Rising even when the clock steps back; a RangeError once the u32 is spent (August 2037).
 */
export function nextSequence(previous: number, nowMs: number): number {
  if (!Number.isInteger(previous) || previous < 0 || previous > MAX_SEQUENCE) throw new RangeError(`nextSequence: previous must be a u32, got ${previous}`);
  if (previous === MAX_SEQUENCE) throw new RangeError(`nextSequence: the u32 sequence is spent (${MAX_SEQUENCE})`);
  return Math.max(previous + 1, clockSequence(nowMs));
}
