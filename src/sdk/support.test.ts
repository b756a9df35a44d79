import { describe, expect, it } from 'vitest';
import { assertMinimumSupport, chooseInputPath, chooseOutputPath, detectMainThread, detectWorker } from './support.js';

class Video {}
Object.defineProperty(Video.prototype, 'requestVideoFrameCallback', { value: () => 0 });

describe('support', () => {
  it('Chromium: processor and generator on the main thread', () => {
    const main = detectMainThread({ MediaStreamTrackProcessor: class {}, MediaStreamTrackGenerator: class {}, HTMLVideoElement: Video, OffscreenCanvas: class {}, Worker: class {}, navigator: { gpu: {} } });
    const worker = detectWorker({});
    expect(main.webgpu).toBe(true);
    expect(main.videoFrameCallback).toBe(true);
    expect(chooseInputPath(main, worker)).toBe('processor-main');
    expect(chooseOutputPath(main, worker)).toBe('generator-main');
  });

  it('Safari-like: processor and VideoTrackGenerator in the worker only', () => {
    const main = detectMainThread({ OffscreenCanvas: class {}, Worker: class {}, navigator: {} });
    const worker = detectWorker({ MediaStreamTrackProcessor: class {}, VideoTrackGenerator: class {} });
    expect(main.webgpu).toBe(false);
    expect(chooseInputPath(main, worker)).toBe('processor-worker');
    expect(chooseOutputPath(main, worker)).toBe('generator-worker');
  });

  it('neither: video-frame callback in, canvas capture out; no Worker is fatal', () => {
    const main = detectMainThread({ HTMLVideoElement: Video, OffscreenCanvas: class {}, Worker: class {} });
    expect(chooseInputPath(main, detectWorker({}))).toBe('video-frame-callback');
    expect(chooseOutputPath(main, detectWorker({}))).toBe('canvas-capture');
    expect(() => assertMinimumSupport(detectMainThread({}))).toThrow(/Worker and OffscreenCanvas/);
  });
});
