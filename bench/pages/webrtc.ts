import { isLoopbackCandidate, keepLoopbackCandidates } from '../../signaling-server/candidates.js';
import { readFrameIndex } from './frameBarcode.js';
import { type WebrtcPageApi, type WebrtcRunRequest, type WebrtcRunResult } from './webrtcTypes.js';

type ConnectOptions = Pick<WebrtcRunRequest, 'degradation' | 'codec' | 'scaleResolutionDownBy'>;

/** Chromium has it on the main thread; lib.dom does not declare it yet. */
type Processor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> };

let camera: MediaStream | null = null;

async function cameraTrack(w: number, h: number): Promise<MediaStreamTrack> {
  camera ??= await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: w }, height: { ideal: h }, frameRate: { ideal: 30 } } });
  const t = camera.getVideoTracks()[0];
  if (t === undefined) throw new Error('fake camera gave no video track');
  return t;
}

/** Two peer connections in one page, ICE restricted to 127.0.0.1 so nothing leaves the machine. */
async function connect(track: MediaStreamTrack, maxBitrate: number, o: ConnectOptions, candidates: string[]): Promise<{ pc1: RTCPeerConnection; pc2: RTCPeerConnection; remote: Promise<MediaStreamTrack> }> {
  const pc1 = new RTCPeerConnection();
  const pc2 = new RTCPeerConnection();
  const relay = (to: RTCPeerConnection) => (e: RTCPeerConnectionIceEvent) => {
    if (e.candidate === null || e.candidate.candidate === '') return;
    candidates.push(e.candidate.candidate);
    if (isLoopbackCandidate(e.candidate.candidate)) void to.addIceCandidate(e.candidate);
  };
  pc1.onicecandidate = relay(pc2);
  pc2.onicecandidate = relay(pc1);
  const remote = new Promise<MediaStreamTrack>((resolve) => (pc2.ontrack = (e) => resolve(e.track)));
  // No degradationPreference unless asked: the default ('balanced' for camera tracks) is what calls get today.
  const scale = o.scaleResolutionDownBy !== undefined ? { scaleResolutionDownBy: o.scaleResolutionDownBy } : {};
  const tr = pc1.addTransceiver(track, { direction: 'sendonly', sendEncodings: [{ maxBitrate, ...scale }] });
  if (o.degradation !== undefined) {
    // lib.dom lacks degradationPreference on RTCRtpSendParameters; Chromium honours it.
    const params = tr.sender.getParameters() as RTCRtpSendParameters & { degradationPreference?: string };
    params.degradationPreference = o.degradation;
    await tr.sender.setParameters(params);
  }
  const codec = o.codec ?? 'VP8';
  const all = RTCRtpSender.getCapabilities('video')?.codecs ?? [];
  const chosen = all.filter((c) => c.mimeType.toLowerCase() === `video/${codec.toLowerCase()}`);
  if (chosen.length === 0) throw new Error(`this browser cannot send ${codec}; it offers ${[...new Set(all.map((c) => c.mimeType))].join(', ')}`);
  tr.setCodecPreferences(chosen);
  const offer = await pc1.createOffer();
  await pc1.setLocalDescription(offer);
  await pc2.setRemoteDescription({ type: 'offer', sdp: keepLoopbackCandidates(offer.sdp ?? '') });
  const answer = await pc2.createAnswer();
  await pc2.setLocalDescription(answer);
  await pc1.setRemoteDescription({ type: 'answer', sdp: keepLoopbackCandidates(answer.sdp ?? '') });
  return { pc1, pc2, remote };
}

async function stat(pc: RTCPeerConnection, type: string): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> = {};
  (await pc.getStats()).forEach((s: Record<string, unknown>) => {
    if (s.type === type && s.kind === 'video') found = s;
  });
  return found;
}

/** Frames queued between the decoder and the page: a slow full-size copy must not make it drop any. */
const PROCESSOR_BUFFER = 60;
const DRAIN_MS = 3000;

async function run(req: WebrtcRunRequest): Promise<WebrtcRunResult> {
  const { width: w, height: h } = req;
  const candidates: string[] = [];
  const { pc1, pc2, remote } = await connect(await cameraTrack(w, h), req.maxBitrateBps, req, candidates);
  const TrackProcessor = (globalThis as { MediaStreamTrackProcessor?: Processor }).MediaStreamTrackProcessor;
  if (TrackProcessor === undefined) throw new Error('MediaStreamTrackProcessor is missing (Chromium only)');
  const reader = new TrackProcessor({ track: await remote, maxBufferSize: PROCESSOR_BUFFER }).readable.getReader();
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const scratch = new OffscreenCanvas(16, 16).getContext('2d', { willReadFrequently: true });
  if (ctx === null || scratch === null) throw new Error('2D canvas unavailable');
  const geometry = { sourceWidth: w, sourceHeight: h, bits: req.barcode.bits, block: req.barcode.block };
  const wanted = new Set(req.wanted);
  const captured: number[] = [];
  const repeated: number[] = [];
  let capturing = false;
  let counting = false;
  let done = false;
  let framesRead = 0;
  let unreadable = 0;
  // Scored frames are only held (a clone keeps the decoder's buffer alive) and drawn at full size after
  // the window: converting a 1080p frame takes the main thread for a second on a loaded machine, and the
  // frames queued meanwhile would be read late.
  const held: { frame: VideoFrame; index: number }[] = [];
  const keep = (frame: VideoFrame, index: number): void => {
    wanted.delete(index);
    captured.push(index);
    held.push({ frame: frame.clone(), index });
  };
  const post = async (c: OffscreenCanvasRenderingContext2D, cw: number, ch: number, query: string): Promise<void> => {
    const rgba = c.getImageData(0, 0, cw, ch).data;
    const rgb = new Uint8Array(cw * ch * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
      rgb[j] = rgba[i] ?? 0;
      rgb[j + 1] = rgba[i + 1] ?? 0;
      rgb[j + 2] = rgba[i + 2] ?? 0;
    }
    await fetch(`${req.uploadUrl}?${query}`, { method: 'POST', body: rgb });
  };
  const uploadKind = req.upload ?? 'display';
  const upload = async (frame: VideoFrame, index: number): Promise<void> => {
    if (uploadKind !== 'display') {
      // The decoded picture as it arrived (no scaling), for an upscaler outside the browser.
      const [nw, nh] = [frame.displayWidth, frame.displayHeight];
      const native = new OffscreenCanvas(nw, nh).getContext('2d', { willReadFrequently: true });
      if (native === null) throw new Error('2D canvas unavailable');
      native.drawImage(frame, 0, 0);
      await post(native, nw, nh, `index=${index}&native=1&w=${nw}&h=${nh}`);
    }
    if (uploadKind !== 'native') {
      // The browser's normal scaling to the source size, as a <video> element would show the frame.
      ctx.drawImage(frame, 0, 0, w, h);
      await post(ctx, w, h, `index=${index}`);
    }
    frame.close();
  };
  // The last shown frame: when the encoder drops source frames (lower frame rate under 'balanced'), the
  // screen keeps showing it, so that is what a dropped source frame is scored with. It is tracked during
  // the warm-up too, so that a scored frame dropped just as capture starts is still seen as dropped.
  let shown = null as { frame: VideoFrame; index: number } | null;
  const pump = (async () => {
    while (!done) {
      const { value: frame, done: ended } = await reader.read();
      if (ended || frame === undefined) break;
      if (counting) framesRead++;
      const index = await readFrameIndex(frame, geometry, scratch);
      if (index === null || index >= req.loopFrames || index === shown?.index) {
        if (counting && index === null) unreadable++;
        frame.close();
        continue;
      }
      if (shown !== null) {
        if (capturing) {
          for (let j: number = (shown.index + 1) % req.loopFrames; j !== index; j = (j + 1) % req.loopFrames) {
            if (!wanted.has(j)) continue;
            repeated.push(j);
            keep(shown.frame, j);
          }
        }
        shown.frame.close();
      }
      if (capturing && wanted.has(index)) keep(frame, index);
      shown = { frame, index };
    }
    shown?.frame.close();
  })();
  await new Promise((r) => setTimeout(r, req.warmupMs));
  const before = await stat(pc1, 'outbound-rtp');
  const inBefore = await stat(pc2, 'inbound-rtp');
  const t0 = performance.now();
  capturing = true;
  counting = true;
  await new Promise((r) => setTimeout(r, req.captureMs));
  counting = false;
  const after = await stat(pc1, 'outbound-rtp');
  const seconds = (performance.now() - t0) / 1000;
  const inbound = await stat(pc2, 'inbound-rtp');
  // Frames decoded in the window may still sit in the processor's queue: let the page catch up on them.
  const drainUntil = performance.now() + DRAIN_MS;
  while (wanted.size > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
  capturing = false;
  const codecs: string[] = [];
  (await pc1.getStats()).forEach((s: Record<string, unknown>) => {
    if (s.type === 'codec') codecs.push(String(s.mimeType));
  });
  done = true;
  await reader.cancel();
  await pump.catch(() => undefined);
  for (const f of held.splice(0)) await upload(f.frame, f.index);
  pc1.close();
  pc2.close();
  const num = (o: Record<string, unknown>, k: string): number => {
    const v = o[k];
    return typeof v === 'number' ? v : 0;
  };
  return {
    bytesSent: num(after, 'bytesSent') - num(before, 'bytesSent'),
    seconds,
    captured,
    repeated,
    framesRead,
    unreadable,
    framesDecoded: num(inbound, 'framesDecoded') - num(inBefore, 'framesDecoded'),
    framesEncoded: num(after, 'framesEncoded') - num(before, 'framesEncoded'),
    sentWidth: num(after, 'frameWidth'),
    sentHeight: num(after, 'frameHeight'),
    sentFps: num(after, 'framesPerSecond'),
    receivedFps: num(inbound, 'framesPerSecond'),
    receivedWidth: num(inbound, 'frameWidth'),
    receivedHeight: num(inbound, 'frameHeight'),
    qualityLimitationReason: typeof after.qualityLimitationReason === 'string' ? after.qualityLimitationReason : '',
    codec: codecs.join(','),
    candidates,
  };
}

const api: WebrtcPageApi = { run };
(window as unknown as { swiftsrWebrtc: WebrtcPageApi }).swiftsrWebrtc = api;
document.title = 'ready';
