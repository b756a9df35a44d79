import { describe, expect, it } from 'vitest';
import { describeReceiverAdapt, describeSenderAdapt, type ReceiverAdaptState, type SenderAdaptView } from '../../demo/shared/adaptReadout.js';

const sender: SenderAdaptView = {
  state: 'adapting', backend: 'webgpu', variant: 'lite48x8', sendWidth: 480, sendHeight: 270, trainWidth: 480, trainHeight: 270, steps: 412, trainMsPerSecond: 243.4,
  validationGainDb: 0.614, publishedGainDb: 0.581, generation: 924_714_420, updateBytes: 3 * 51_301, updateBitrateBps: 24_000, pausedReason: null,
};

describe('sender page: adaptation readout', () => {
  it('shows work, held-back gain, a count of the updates (the seq names the last one\'s weights) and the update bitrate as a share of the video', () => {
    expect(describeSenderAdapt(sender, 750_000, 3)).toEqual([
      'adapting lite48x8 on webgpu: adapting, training on 480x270 sends',
      '412 steps · 243 ms of training per second',
      'validation on held-back frames: +0.61 dB over the static model',
      'published update 3 (seq 924714420, now +0.58 dB on recent frames; 150.3 KB sent in all)',
      'updates 24 kbit/s = 3.2 % of 750 kbit/s video',
    ]);
  });

  it('before anything is known: no validation, nothing published, no video rate, a pause reason', () => {
    const lines = describeSenderAdapt({ ...sender, backend: null, state: 'paused', pausedReason: 'hidden', validationGainDb: null, publishedGainDb: null, generation: 0, updateBytes: 0, updateBitrateBps: 0, steps: 0, trainMsPerSecond: 0 }, null, 0);
    expect(lines).toEqual([
      'adapting lite48x8 on …: paused (paused: hidden), training on 480x270 sends',
      '0 steps · 0 ms of training per second',
      'validation on held-back frames: not yet',
      'no update published yet',
      'updates 0.0 kbit/s',
    ]);
    expect(describeSenderAdapt({ ...sender, validationGainDb: -0.05, updateBitrateBps: 2500 }, 0, 3)[2]).toBe('validation on held-back frames: -0.05 dB over the static model');
    expect(describeSenderAdapt({ ...sender, updateBitrateBps: 2500 }, 0, 3)[4]).toBe('updates 2.5 kbit/s');
    // Published weights the call has moved past (below the base on recent frames) say so.
    expect(describeSenderAdapt({ ...sender, publishedGainDb: -0.11 }, 0, 1)[3]).toBe('published update 1 (seq 924714420, now -0.11 dB on recent frames; 150.3 KB sent in all)');
  });

  it('before the encoder reports a send size: the provisional training size, and that nothing is published yet', () => {
    expect(describeSenderAdapt({ ...sender, sendWidth: 0, sendHeight: 0, trainWidth: 320, trainHeight: 180, generation: 0 }, null, 0)[0]).toBe(
      'adapting lite48x8 on webgpu: adapting, training at 320x180 before the send size is known (nothing published until it is)',
    );
    expect(describeSenderAdapt({ ...sender, sendWidth: 0, sendHeight: 0, trainWidth: 0, trainHeight: 0 }, null, 0)[0]).toBe(
      'adapting lite48x8 on webgpu: adapting, training before the send size is known (nothing published until it is)',
    );
  });
});

describe('receiver page: which weights paint, and the gain the sender measured', () => {
  const base: ReceiverAdaptState = { generation: 0, lastUpdate: null, lastRevert: null, updatesApplied: 0, updatesRejected: 0, channel: true };

  it('base weights until an update paints; then the indicator is on with a count of the updates (the seq only in the detail) and the gain', () => {
    expect(describeReceiverAdapt(base)).toEqual({ adapted: false, badge: 'base weights (no update yet)', lines: [] });
    expect(describeReceiverAdapt({ ...base, channel: false }).badge).toBe('base weights (no update channel in this mode)');
    const r = describeReceiverAdapt({ ...base, generation: 924_714_420, updatesApplied: 4, updatesRejected: 1, lastUpdate: { model: 'tiny', generation: 924_714_420, bytes: 3545, gainDb: 0.3 } });
    expect(r).toEqual({
      adapted: true,
      badge: 'adapted weights in use (update 4)',
      lines: ['update 4 for tiny (seq 924714420, 3.5 KB): sender\'s gain on recent held-back frames +0.30 dB', 'updates applied 4, refused 1'],
    });
  });

  it('an update applied but not painting (bicubic, a revert) leaves the indicator off and says why', () => {
    const r = describeReceiverAdapt({ ...base, updatesApplied: 1, lastUpdate: { model: 'tiny', generation: 1, bytes: 6844, gainDb: null }, lastRevert: { model: 'tiny', reason: 'render failed' } });
    expect(r.adapted).toBe(false);
    expect(r.lines).toEqual(['update 1 for tiny (seq 1, 6.7 KB): gain not reported', 'updates applied 1, refused 0', 'reverted tiny to its base weights: render failed']);
  });
});
