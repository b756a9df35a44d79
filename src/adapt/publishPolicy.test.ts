import { describe, expect, it } from 'vitest';
import { PublishPolicy, TokenBucket } from './publishPolicy.js';

describe('TokenBucket', () => {
  it('refills at its rate up to its capacity, starting from the initial tokens', () => {
    const b = new TokenBucket(1000, 0);
    b.setRate(500, 0);
    expect(b.tokens(0)).toBe(0);
    expect(b.tokens(1000)).toBe(500);
    expect(b.tokens(10_000)).toBe(1000);
    expect(b.take(600, 10_000)).toBe(true);
    expect(b.take(600, 10_000)).toBe(false);
    expect(b.tokens(10_000)).toBe(400);
    expect(b.waitMs(600, 10_000)).toBe(400);
  });

  it('keeps what was earned before a rate change; waits forever at rate 0 or beyond capacity', () => {
    const b = new TokenBucket(1000, 0, 1000);
    expect(b.take(1000, 0)).toBe(true);
    b.setRate(100, 0);
    b.setRate(0, 2000);
    expect(b.tokens(5000)).toBe(200);
    expect(b.waitMs(300, 5000)).toBe(Number.POSITIVE_INFINITY);
    b.setRate(100, 5000);
    expect(b.waitMs(1001, 5000)).toBe(Number.POSITIVE_INFINITY);
    expect(() => b.setRate(Number.NaN, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(-1, 0)).toThrow(RangeError);
  });
});

describe('PublishPolicy', () => {
  it('publishes only gains of at least minGainDb over what receivers run', () => {
    const p = new PublishPolicy(0, { maxUpdateShare: 0.05, minGainDb: 0.1 });
    p.setVideoBitrate(1_000_000, 0);
    expect(p.capBps).toBe(50_000);
    expect(p.decide(30.05, 30, 100, 60_000)).toEqual({ publish: false, reason: 'no-gain', waitMs: 0 });
    expect(p.decide(Number.NaN, 30, 100, 60_000)).toMatchObject({ publish: false, reason: 'no-gain' });
    expect(p.decide(30.1, 30, 100, 60_000)).toEqual({ publish: true });
    p.commit(30.1, 100, 60_000);
    expect(p.lastPublishedPsnr).toBe(30.1);
    expect(p.published).toBe(1);
  });

  it('never publishes weights that do not beat the base on the current frames, even when they beat the published ones there', () => {
    const p = new PublishPolicy(0, { maxUpdateShare: 0.05, minGainDb: 0.05 });
    p.setVideoBitrate(1_000_000, 0);
    // The held-back frames moved on: the published update now scores 0.2 dB under the base (30.0).
    expect(p.decide(29.9, 29.8, 100, 60_000, 30)).toEqual({ publish: false, reason: 'no-gain', waitMs: 0 });
    expect(p.decide(30.04, 29.8, 100, 60_000, 30)).toMatchObject({ publish: false, reason: 'no-gain' });
    expect(p.decide(30.05, 29.8, 100, 60_000, 30)).toEqual({ publish: true });
    // Published weights above the base stay the reference.
    expect(p.decide(30.3, 30.28, 100, 60_000, 30)).toMatchObject({ publish: false, reason: 'no-gain' });
  });

  it('never lets the bytes published exceed maxUpdateShare of the video bits since it started, whatever the gains', () => {
    const share = 0.05;
    const bps = 300_000;
    const bytes = 3545;
    const p = new PublishPolicy(0, { maxUpdateShare: share, minGainDb: 0 });
    p.setVideoBitrate(bps, 0);
    // The first message waits for its bytes: 3545 B at 1875 B/s.
    const first = p.decide(40, 30, bytes, 0);
    expect(first).toMatchObject({ publish: false, reason: 'budget' });
    expect(first.publish === false && first.waitMs).toBeCloseTo((1000 * bytes) / ((share * bps) / 8), 6);
    let total = 0;
    let psnr = 30;
    for (let t = 0; t <= 120_000; t += 50) {
      psnr += 0.01;
      if (p.decide(psnr, psnr - 1, bytes, t).publish) {
        p.commit(psnr, bytes, t);
        total += bytes;
      }
      expect(total * 8).toBeLessThanOrEqual(share * bps * (t / 1000) + 1e-6);
    }
    // And it used the budget: within one message of the cap after two minutes.
    expect(total * 8).toBeGreaterThan(share * bps * 120 - bytes * 8);
    expect(p.publishedBytes).toBe(total);
  });

  it('an idle period buys at most one message, not a burst', () => {
    const p = new PublishPolicy(0, { maxUpdateShare: 0.05, minGainDb: 0 });
    p.setVideoBitrate(800_000, 0);
    expect(p.decide(31, 30, 1000, 600_000).publish).toBe(true);
    p.commit(31, 1000, 600_000);
    expect(p.decide(32, 31, 1000, 600_000)).toMatchObject({ publish: false, reason: 'budget' });
    expect(() => p.commit(32, 1000, 600_000)).toThrow(RangeError);
  });

  it('rejects options out of range, naming them', () => {
    expect(() => new PublishPolicy(0, { maxUpdateShare: 0 })).toThrow(/maxUpdateShare/);
    expect(() => new PublishPolicy(0, { minGainDb: -1 })).toThrow(/minGainDb/);
    expect(() => new PublishPolicy(0).setVideoBitrate(-5, 0)).toThrow(RangeError);
  });
});
