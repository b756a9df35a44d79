import { describe, expect, it } from 'vitest';
import { FallbackLadder } from './FallbackLadder.js';

describe('FallbackLadder', () => {
  it('recreates a lost WebGPU device once, then walks down to WebGL and bicubic', () => {
    const l = new FallbackLadder();
    expect(l.fail('device-lost')).toEqual({ from: 'webgpu', to: 'webgpu', reason: 'device-lost' });
    expect(l.current).toBe('webgpu');
    expect(l.fail('device-lost')).toEqual({ from: 'webgpu', to: 'webgl', reason: 'device-lost' });
    expect(l.fail('device-lost')).toEqual({ from: 'webgl', to: 'bicubic', reason: 'device-lost' });
    expect(l.exhausted).toBe(true);
    expect(l.fail('error')).toBeNull();
  });

  it('skips the recreation when WebGPU is unavailable or erroring', () => {
    expect(new FallbackLadder().fail('unavailable')).toEqual({ from: 'webgpu', to: 'webgl', reason: 'webgpu-unavailable' });
    expect(new FallbackLadder().fail('error')).toEqual({ from: 'webgpu', to: 'webgl', reason: 'backend-error' });
    expect(new FallbackLadder('webgl').fail('unavailable')).toEqual({ from: 'webgl', to: 'bicubic', reason: 'webgl-unavailable' });
  });

  it('goes straight to bicubic when the weights cannot load', () => {
    const l = new FallbackLadder();
    expect(l.fail('model-load-failed')).toEqual({ from: 'webgpu', to: 'bicubic', reason: 'model-load-failed' });
  });
});
