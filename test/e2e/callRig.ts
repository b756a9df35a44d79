import { CALL_FLAGS } from '../../scripts/demoHeadless.js';
import { startDemoServer, type DemoServer } from '../../scripts/demoServer.js';
import { launchChromium, type LaunchedBrowser } from '../browser/chromium.js';
import type { RgbImage } from '../browser/fixtures.js';

/** The demo server on loopback and a launcher of call browsers (fake camera `y4m`) that close() shuts down. */
export interface CallRig {
  readonly server: DemoServer;
  launch(): Promise<LaunchedBrowser>;
  close(): Promise<void>;
}

export async function openCallRig(mounts: Record<string, string>, y4m: string): Promise<CallRig> {
  const server = await startDemoServer({ host: '127.0.0.1', port: 0, iceServers: [], sfuHost: '127.0.0.1', tokenSecret: undefined, mounts });
  // One browser per page: each page is the front tab of its own browser (background tabs are not
  // composited, so their screenshots and frame reads stall) and has its own GPU process, so seconds-long
  // SwiftShader inference in one cannot stall another.
  const browsers: LaunchedBrowser[] = [];
  return {
    server,
    async launch() {
      const b = await launchChromium({ webgpu: true, fakeVideo: y4m, loopbackWebRTC: true, extraArgs: CALL_FLAGS });
      browsers.push(b);
      return b;
    },
    async close() {
      await Promise.all(browsers.map((b) => b.close()));
      await server.close();
    },
  };
}

/** The reference mirrored: what a picture with the same colours but the wrong layout scores (the control). */
export function mirror(img: RgbImage): RgbImage {
  const data = new Uint8Array(img.data.length);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const s = (y * img.width + (img.width - 1 - x)) * 3;
      data.set(img.data.subarray(s, s + 3), (y * img.width + x) * 3);
    }
  }
  return { width: img.width, height: img.height, data };
}
