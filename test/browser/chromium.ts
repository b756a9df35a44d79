import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM_PATH = process.env.SWIFTSR_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that keep headless Chromium off the network and working as root. */
const BASE_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * WebGPU without a GPU: SwiftShader. All three of Vulkan / use-vulkan / use-angle are needed,
 * otherwise canvases fail once WebGPU is on.
 */
const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
  '--ignore-gpu-blocklist',
];

export interface LaunchOptions {
  webgpu?: boolean;
  /** A .y4m file for the fake camera. */
  fakeVideo?: string;
  /** Let WebRTC use 127.0.0.1 candidates (tests filter to loopback only). */
  loopbackWebRTC?: boolean;
  extraArgs?: string[];
}

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'swiftsr-chromium-'));
  const args = [...BASE_FLAGS, `--user-data-dir=${userDataDir}`];
  if (options.webgpu ?? true) args.push(...WEBGPU_FLAGS);
  if (options.fakeVideo !== undefined) {
    args.push('--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${options.fakeVideo}`);
  }
  if (options.loopbackWebRTC ?? false) {
    args.push('--allow-loopback-in-peer-connection', '--force-webrtc-ip-handling-policy=default_public_interface_only');
  }
  args.push(...(options.extraArgs ?? []));
  const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, headless: true, args, protocolTimeout: 600_000 });
  // A process that exits without close() (a timed-out test child killed with SIGTERM) takes its browser
  // with it instead of leaving Chromium running.
  const killOnExit = (): void => {
    browser.process()?.kill('SIGKILL');
    rmSync(userDataDir, { recursive: true, force: true });
  };
  process.on('exit', killOnExit);
  return {
    browser,
    async close() {
      process.off('exit', killOnExit);
      await browser.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
