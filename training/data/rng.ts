/**
 * Seeded PRNG (sfc32) with a serialisable state, so that `--resume` continues the exact same
 * stream of crops and augmentations after a restart.
 */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number | readonly number[]) {
    if (typeof seed === 'number') {
      this.s = new Uint32Array([0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0]);
      for (let i = 0; i < 16; i++) this.nextU32();
    } else {
      if (seed.length !== 4) throw new RangeError('Rng state must have 4 words');
      this.s = Uint32Array.from(seed);
    }
  }

  get state(): number[] {
    return Array.from(this.s);
  }

  nextU32(): number {
    const s = this.s;
    const a = s[0] ?? 0;
    const b = s[1] ?? 0;
    const c = s[2] ?? 0;
    const d = s[3] ?? 0;
    const t = (((a + b) >>> 0) + d) >>> 0;
    s[3] = (d + 1) >>> 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) >>> 0;
    const r = ((c << 21) | (c >>> 11)) >>> 0;
    s[2] = (r + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
