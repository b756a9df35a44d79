import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { FineTuner } from '../../../src/adapt/fineTune.js';
import { areaResize, buildTrainingPairs, type RgbFrame } from '../../../src/adapt/trainingPairs.js';
import { loadGeneratorWeights } from '../../../src/model/loadGenerator.js';
import { SwiftSRSender, type UpdateChannelLike } from '../../../src/sdk/index.js';
import { PairSource } from '../../../src/sender/PairSource.js';
import type { ChannelMessage, GradCheckResult, SenderPageApi, SenderPageState, SenderStartOptions } from '../senderPageApi.js';

/**
 * Sender test page: a synthetic camera (canvas captureStream, moving stripes and edges), one SwiftSRSender
 * with three fake update channels, and a gradient check of FineTuner on the page's own TF.js backends.
 */

const camera = document.createElement('canvas');
let sender: SwiftSRSender | null = null;
let track: MediaStreamTrack | null = null;
let timer = 0;
let t0 = 0;
let lastStats: Record<string, unknown> | null = null;
let statsCount = 0;
const updates: SenderPageState['updates'] = [];
const errors: SenderPageState['errors'] = [];
const states: string[] = [];
const channels: Record<string, ChannelMessage[]> = { main: [], 'backed-up': [], late: [] };
const mainBinaries: ArrayBuffer[] = [];

/** Content a generic x4 model cannot guess: fine stripes and hard diagonal edges, drifting. */
function paint(frameNo: number): void {
  const { width: w, height: h } = camera;
  const ctx = camera.getContext('2d');
  if (ctx === null) throw new Error('no 2d');
  const img = ctx.createImageData(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = x + frameNo;
      const edge = (u + 2 * y) % 23 < 11 ? 0.85 : 0.15;
      const stripes = 0.5 + 0.4 * Math.sin(u * 1.1) * Math.cos(y * 0.45);
      const o = (y * w + x) * 4;
      img.data[o] = 255 * (0.6 * edge + 0.3 * (x / w));
      img.data[o + 1] = 255 * (0.5 * stripes + 0.4 * edge);
      img.data[o + 2] = 255 * (0.3 + 0.4 * stripes);
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

function fakeChannel(name: string, readyState: string, bufferedAmount: number): UpdateChannelLike & { readyState: string } {
  const log = channels[name] as ChannelMessage[];
  return {
    readyState,
    bufferedAmount,
    binaryType: 'blob',
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    send(data: ArrayBuffer | ArrayBufferView | string) {
      const t = performance.now();
      if (typeof data === 'string') log.push({ t, kind: 'text', bytes: data.length, text: data });
      else {
        const buf = data instanceof ArrayBuffer ? data : (data.buffer as ArrayBuffer);
        log.push({ t, kind: 'binary', bytes: buf.byteLength, text: null });
        if (name === 'main') mainBinaries.push(buf.slice(0));
      }
    },
  };
}

let late: ReturnType<typeof fakeChannel> | null = null;
let peers: RTCPeerConnection[] = [];

/** Sends `track` from one peer connection to another in this page (loopback host candidates). */
async function loopbackCall(t: MediaStreamTrack): Promise<RTCRtpSender> {
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  peers = [a, b];
  a.onicecandidate = (e) => void (e.candidate !== null && b.addIceCandidate(e.candidate));
  b.onicecandidate = (e) => void (e.candidate !== null && a.addIceCandidate(e.candidate));
  const rtpSender = a.addTrack(t, new MediaStream([t]));
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription as RTCSessionDescriptionInit);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription as RTCSessionDescriptionInit);
  return rtpSender;
}

function syntheticFrame(width: number, height: number): RgbFrame {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const edge = (x + 2 * y) % 19 < 9 ? 0.8 : 0.2;
      data[i] = 0.6 * edge + 0.4 * (x / width);
      data[i + 1] = 0.5 + 0.4 * Math.sin(x * 0.9) * Math.cos(y * 0.35);
      data[i + 2] = 0.3 + 0.4 * (y / height);
    }
  }
  return { width, height, data };
}

const api: SenderPageApi = {
  async gradCheck(modelUrl, steps) {
    const batch = buildTrainingPairs(syntheticFrame(96, 64), { scale: 4, sendWidth: 24, sendHeight: 16, crop: 12, count: 3, seed: 5 });
    const backends = ['cpu', 'webgpu', 'webgl'];
    const losses: Record<string, number[]> = {};
    const values: Record<string, Float32Array> = {};
    let base = new Float32Array(0);
    for (const b of backends) {
      if (!(await tf.setBackend(b))) throw new Error(`backend ${b} did not start`);
      const { meta, weights } = await loadGeneratorWeights(modelUrl);
      if (b === 'cpu') base = Float32Array.from((await Promise.all([...weights.values()].map((t) => t.data<'float32'>()))).flatMap((v) => Array.from(v)));
      const tuner = await FineTuner.create(meta.config, weights, { learningRate: 2e-3 });
      tf.dispose([...weights.values()]);
      losses[b] = [];
      for (let i = 0; i < steps; i++) losses[b].push(await tuner.step(batch));
      values[b] = Float32Array.from((await tuner.values()).flatMap((v) => Array.from(v)));
      tuner.dispose();
    }
    const maxDiff = (a: Float32Array, c: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (c[i] ?? Number.NaN))), 0);
    const cpu = values['cpu'] as Float32Array;
    const result: GradCheckResult = {
      backends,
      losses,
      maxWeightDiff: Object.fromEntries(backends.map((b) => [b, maxDiff(values[b] as Float32Array, cpu)])),
      maxWeightChange: maxDiff(cpu, base),
    };
    return result;
  },

  async roundTrip(bitrateBps) {
    camera.width = 192;
    camera.height = 128;
    const pairs: { lr: RgbFrame; hr: RgbFrame }[] = [];
    const errs: string[] = [];
    const src = new PairSource({ scale: 4, crop: 12, sampleIntervalMs: 0, codec: 'vp8', onPair: (lr, hr) => pairs.push({ lr, hr }), onGeometry: () => undefined, onError: (e) => errs.push(e.message) });
    src.setParams({ width: 48, height: 32, bitrateBps });
    for (let i = 0; i < 20; i++) {
      paint(i);
      const f = new VideoFrame(camera, { timestamp: i * 33_333 });
      await src.push(f, i * 100);
      f.close();
      await new Promise((r) => setTimeout(r, 30));
    }
    await new Promise((r) => setTimeout(r, 1000));
    src.close();
    const sum = [0, 0, 0];
    let se = 0;
    let n = 0;
    for (const { lr, hr } of pairs) {
      const clean = areaResize(hr, lr.width, lr.height);
      lr.data.forEach((v, i) => {
        const d = v - (clean.data[i] ?? 0);
        sum[i % 3] = (sum[i % 3] ?? 0) + d;
        se += d * d;
      });
      n += lr.data.length;
    }
    return { pairs: pairs.length, errors: errs, psnr: -10 * Math.log10(se / n), meanDiff255: sum.map((v) => (255 * 3 * v) / n) };
  },

  async badModel(modelBaseUrl) {
    camera.width = 64;
    camera.height = 64;
    paint(0);
    const t = camera.captureStream(5).getVideoTracks()[0] as MediaStreamTrack;
    const s = new SwiftSRSender({ model: 'no-such-model', modelBaseUrl });
    s.setSendParameters({ width: 16, height: 16, bitrateBps: 100_000 });
    const attempts: { name: string; message: string }[] = [];
    for (let i = 0; i < 2; i++) {
      try {
        await s.attach(t);
        attempts.push({ name: 'resolved', message: '' });
      } catch (e) {
        attempts.push({ name: (e as Error).name, message: (e as Error).message });
      }
    }
    const leaks = await s.dispose();
    t.stop();
    return { attempts, leaks };
  },

  async start(o: SenderStartOptions) {
    camera.width = o.width;
    camera.height = o.height;
    let n = 0;
    paint(n);
    timer = window.setInterval(() => paint(++n), 1000 / o.fps);
    track = camera.captureStream(o.fps).getVideoTracks()[0] ?? null;
    if (track === null) throw new Error('no camera track');
    const s = new SwiftSRSender(o.options);
    sender = s;
    lastStats = null;
    statsCount = 0;
    for (const list of [updates, errors, states, mainBinaries, ...Object.values(channels)]) list.length = 0;
    s.on('stats', (st) => {
      lastStats = { ...st };
      statsCount++;
    });
    s.on('update', (u) => updates.push({ ...u }));
    s.on('error', (e) => errors.push({ name: e.name, code: (e as { code?: string }).code ?? null, message: e.message }));
    s.on('statechange', (e) => states.push(e.state));
    s.addChannel(fakeChannel('main', 'open', 0));
    s.addChannel(fakeChannel('backed-up', 'open', 1e9));
    late = fakeChannel('late', 'connecting', 0);
    s.addChannel(late);
    let rtpSender: RTCRtpSender | undefined;
    if (o.rtp === true) rtpSender = await loopbackCall(track);
    else if (o.deferParams !== true) s.setSendParameters({ width: o.sendWidth, height: o.sendHeight, bitrateBps: o.bitrateBps });
    t0 = performance.now();
    await s.attach(track, rtpSender === undefined ? {} : { rtpSender });
    return { attachMs: performance.now() - t0 };
  },

  state: () => ({ t0, now: performance.now(), state: sender?.state ?? 'none', stats: lastStats, statsCount, updates, errors, states, channels }),

  message(i) {
    const buf = mainBinaries[i];
    if (buf === undefined) throw new Error(`no message ${i}`);
    let s = '';
    for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
    return btoa(s);
  },

  pause: () => void sender?.pause(),
  async pauseAcked() {
    const s = sender;
    if (s === null) throw new Error('not started');
    const acked = s.pause();
    const stateAtCall = s.state;
    await acked;
    return { stateAtCall, stateAtResolve: s.state, updates: updates.length, lastSeq: updates.at(-1)?.seq ?? 0 };
  },
  resume: () => sender?.resume(),
  setParams: (width, height, bitrateBps) => sender?.setSendParameters({ width, height, bitrateBps }),

  setHidden(hidden) {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  },

  openLate() {
    if (late !== null) late.readyState = 'open';
  },

  async dispose() {
    window.clearInterval(timer);
    const leaks = (await sender?.dispose()) ?? { numTensors: 0, openFrames: 0 };
    track?.stop();
    for (const pc of peers) pc.close();
    peers = [];
    return leaks;
  },
};

declare global {
  interface Window {
    swiftsrSenderTest: SenderPageApi;
  }
}
window.swiftsrSenderTest = api;
