import { SwiftSRReceiver, type ReceiverOptions, type ReceiverStats } from '../../src/sdk/index.js';
import type { PeerInfo, RelayedAnswer, RelayedCandidate, RelayedOffer } from '../../signaling-server/protocol.js';
import { MediasoupSession } from '../shared/MediasoupSession.js';
import { $, openPage } from '../shared/page.js';
import { readTrackFrame, toBase64 } from '../shared/pixels.js';
import { selectedPairAddresses } from '../shared/rtpStats.js';
import { SignalingClient } from '../shared/SignalingClient.js';
import { describeReceiverAdapt } from '../shared/adaptReadout.js';
import { CALL_RESULTS_URL, describeReadout, parseCallCurves, readoutAt, type CallCurves } from './callReadout.js';
import { openDownlink, openMediasoupDownlink, readInbound, type Downlink } from './downlink.js';
import { ModelUpdateLink } from './modelUpdates.js';

const { cfg, query } = openPage();
const ui = {
  tier: $<HTMLSelectElement>('tier'), compare: $<HTMLSelectElement>('compare'), enabled: $<HTMLInputElement>('enabled'),
  status: $<HTMLParagraphElement>('status'), stage: $<HTMLDivElement>('stage'), raw: $<HTMLVideoElement>('raw'),
  overlay: $<HTMLDivElement>('overlay'), divider: $<HTMLDivElement>('divider'), adapted: $<HTMLSpanElement>('adapted'),
};
let srCanvas = $<HTMLCanvasElement>('sr');
ui.divider.style.left = '50%';

// out=WxH: the painted size (default 1920x1080); tests use a small one, SwiftShader paints it in seconds.
const [outWidth, outHeight] = /^\d+x\d+$/.test(query.get('out') ?? '') ? (query.get('out') ?? '').split('x').map(Number) as [number, number] : [1920, 1080];
srCanvas.width = outWidth;
srCanvas.height = outHeight;
// layout=bare: only the SR canvas at the page origin (pixel tests); layout=screen: no controls.
const layout = query.get('layout') ?? 'full';
if (layout !== 'full') {
  $('chrome').hidden = true;
  document.body.style.margin = '0';
  Object.assign(ui.stage.style, { width: `${outWidth}px`, height: `${outHeight}px`, maxWidth: 'none' });
}
if (layout === 'bare') {
  ui.overlay.hidden = true;
  for (const el of document.querySelectorAll<HTMLElement>('.label, #divider')) el.hidden = true;
}
ui.tier.value = query.get('tier') ?? 'auto';
ui.compare.value = layout === 'bare' ? 'sr' : (query.get('compare') ?? 'slider');

/** What the e2e tests and the headless demo read. */
const state = {
  phase: 'connecting', error: null as string | null, sdkState: 'idle', stats: null as ReceiverStats | null, statsEvents: 0,
  events: [] as Array<{ type: string; detail: string }>, inbound: null as Awaited<ReturnType<typeof readInbound>>, estimate: '',
};
(window as unknown as { __receiver: unknown }).__receiver = {
  get snapshot() { return { ...state, events: [...state.events], connection: downlink?.connectionState() ?? 'none' }; },
  selectedPairs: async () => (downlink === undefined ? [] : selectedPairAddresses(downlink)),
  grabOutput: (step?: number) => grabOutput(step),
  grabInput: () => grabInput(),
  /** Base64 of the last binary model-update messages, as they arrived on the channel. */
  updates: () => [...updates.received],
};
const updates = new ModelUpdateLink((type, detail) => state.events.push({ type, detail }));

let receiver: SwiftSRReceiver | undefined;
let downlink: Downlink | undefined;
let currentTrack: MediaStreamTrack | undefined;
let callCurves: CallCurves[] = [];
let signaling: SignalingClient | undefined;
/** mode=mediasoup: one Device and recv transport for the page's life; each producer gets a consumer. */
let mediasoup: Promise<MediasoupSession> | undefined;

function fail(error: unknown): void {
  state.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  ui.status.textContent = `Error: ${state.error}`;
  console.error(error);
}

/** output=track: the SDK paints into `receiver.outputTrack`, shown by a <video> (its other output path). */
const trackOutput = query.get('output') === 'track';
const srVideo = document.createElement('video');
srVideo.muted = true;
srVideo.autoplay = true;
srVideo.playsInline = true;
if (trackOutput) srCanvas.replaceWith(srVideo);

function receiverOptions(): Partial<ReceiverOptions> {
  const o: Partial<ReceiverOptions> = { canvas: trackOutput ? null : srCanvas, outputWidth: outWidth, outputHeight: outHeight, modelBaseUrl: new URL(query.get('models') ?? '/models/', location.href).href, statsIntervalMs: 500 };
  const tier = ui.tier.value;
  // Plain bicubic is the SDK's A/B "off" view (enabled: false) on the lightest tier.
  if (tier === 'bicubic') Object.assign(o, { tiers: ['tiny'], adaptive: false, enabled: false });
  else if (tier !== 'auto') Object.assign(o, { tiers: [tier], adaptive: false });
  const backend = query.get('backend');
  if (backend === 'webgpu' || backend === 'webgl' || backend === 'bicubic') o.backend = backend;
  return o;
}

/** A receiver owns its canvas for life (the SDK may move it to a worker), so a new one gets a new canvas. */
async function rebuildReceiver(): Promise<void> {
  if (receiver !== undefined) {
    await receiver.dispose();
    const fresh = document.createElement('canvas');
    fresh.id = 'sr';
    fresh.width = outWidth;
    fresh.height = outHeight;
    srCanvas.replaceWith(fresh);
    srCanvas = fresh;
    applyCompare();
  }
  const r = new SwiftSRReceiver(receiverOptions());
  receiver = r;
  r.on('statechange', (e) => { state.sdkState = e.state; state.events.push({ type: 'statechange', detail: `${e.previous}->${e.state}` }); });
  r.on('stats', (s) => { state.stats = s; state.statsEvents += 1; });
  r.on('fallback', (e) => state.events.push({ type: 'fallback', detail: `${e.from}->${e.to}: ${e.reason}` }));
  r.on('tierchange', (e) => state.events.push({ type: 'tierchange', detail: `${e.from}->${e.to}: ${e.reason}` }));
  r.on('scalechange', (e) => state.events.push({ type: 'scalechange', detail: `x${e.from ?? '-'}->x${e.to ?? '-'} at ${e.inputWidth}x${e.inputHeight}: ${e.model ?? 'bicubic'}` }));
  r.on('error', (e) => {
    state.events.push({ type: 'error', detail: e.message });
    // A refused update is the sender's problem (counted in stats, shown in the overlay); the call goes on.
    if ((e as { code?: unknown }).code !== 'model-update-rejected') fail(e);
  });
  updates.setReceiver(r);
  if (ui.tier.value === 'bicubic') ui.enabled.checked = false;
  r.setEnabled(ui.enabled.checked);
  if (currentTrack !== undefined && currentTrack.readyState === 'live') await r.attach(currentTrack);
  showOutputTrack();
}

function showOutputTrack(): void {
  const out = receiver?.outputTrack ?? null;
  if (trackOutput && out !== null && (srVideo.srcObject as MediaStream | null)?.getVideoTracks()[0] !== out) srVideo.srcObject = new MediaStream([out]);
}

/**
 * The next outputTrack frame (output=track only) as base64 RGB, every `step`-th pixel of every `step`-th
 * row: tests score a 1080p frame without moving 8 MB through the DevTools protocol.
 */
async function grabOutput(step = 1): Promise<{ width: number; height: number; rgb: string }> {
  const out = receiver?.outputTrack ?? null;
  if (!trackOutput || out === null) throw new Error('grabOutput needs the page opened with output=track and a running receiver');
  const { width, height, rgba } = await readTrackFrame(out);
  const w = Math.ceil(width / step);
  const h = Math.ceil(height / step);
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0, o = 0; y < h; y++) {
    for (let x = 0; x < w; x++, o += 3) {
      const i = (y * step * width + x * step) * 4;
      rgb[o] = rgba[i] ?? 0;
      rgb[o + 1] = rgba[i + 1] ?? 0;
      rgb[o + 2] = rgba[i + 2] ?? 0;
    }
  }
  return { width: w, height: h, rgb: toBase64(rgb) };
}

/** The next frame of the arriving video as base64 RGBA: what the receiver upscales (tests score against it). */
async function grabInput(): Promise<{ width: number; height: number; rgba: string }> {
  if (currentTrack === undefined) throw new Error('no video arriving');
  const { width, height, rgba } = await readTrackFrame(currentTrack);
  return { width, height, rgba: toBase64(rgba) };
}

/** The painting ratio, model scale and model, e.g. "2.00x: x2 tiny-x2", "1.50x: x2 tiny-x2 + resample", "4.00x: bicubic". */
function describeScale(s: ReceiverStats): string {
  const ratio = `${s.ratio.toFixed(2)}x`;
  if (s.modelScale === null || s.model === null) return `${ratio}: bicubic`;
  const resample = Math.abs(s.modelScale / s.ratio - 1) > 0.01 ? ' + resample' : '';
  return `${ratio}: x${s.modelScale} ${s.model}${resample}`;
}

function applyCompare(): void {
  const mode = ui.compare.value;
  ui.stage.className = mode === 'side' ? 'side' : '';
  ui.raw.hidden = mode === 'sr';
  ui.divider.hidden = mode !== 'slider' || layout === 'bare';
  (trackOutput ? srVideo : srCanvas).style.clipPath = mode === 'slider' ? `inset(0 0 0 ${ui.divider.style.left || '50%'})` : '';
}

async function onSender(sender: PeerInfo, rtc: RTCConfiguration): Promise<void> {
  // mediasoup: nothing to negotiate with the sender itself; the server announces its producer.
  if (cfg.mode === 'mediasoup') return;
  await follow(openDownlink({ mode: cfg.mode, senderId: sender.id, rtc, loopbackOnly: cfg.loopbackOnly, signal: (m) => signaling?.send(m), onError: fail }));
}

async function onProducer(producerId: string, rtc: RTCConfiguration): Promise<void> {
  const client = signaling;
  if (client === undefined) return;
  mediasoup ??= import('mediasoup-client').then(({ Device }) => MediasoupSession.open(client, new Device(), { iceServers: rtc.iceServers ?? [] }));
  await follow(openMediasoupDownlink(await mediasoup, producerId));
}

async function follow(link: Downlink): Promise<void> {
  downlink?.close();
  downlink = link;
  updates.setChannel(undefined);
  link.modelChannel?.then((ch) => { if (downlink === link) updates.setChannel(ch); }).catch(fail);
  state.phase = 'negotiating';
  const track = await link.track;
  if (downlink !== link) return;
  currentTrack = track;
  ui.raw.srcObject = new MediaStream([track]);
  ui.status.textContent = 'Receiving; loading the model…';
  try {
    if (receiver !== undefined) await link.attachTo(receiver);
  } catch (error) {
    // The sender left (or another took over) before the first frame: detach() aborted this attach.
    if (downlink !== link) return;
    throw error;
  }
  if (downlink !== link) return;
  showOutputTrack();
  state.phase = 'running';
  ui.status.textContent = `Upscaling whatever arrives → 1920x1080 (${cfg.mode}).`;
}

function onSenderGone(): void {
  downlink?.close();
  downlink = undefined;
  currentTrack = undefined;
  updates.setChannel(undefined);
  receiver?.detach();
  ui.raw.srcObject = null;
  state.phase = 'waiting';
  state.inbound = null;
  ui.status.textContent = 'The sender left; waiting for a sender…';
}

async function main(): Promise<void> {
  await rebuildReceiver();
  applyCompare();
  fetch(CALL_RESULTS_URL).then((r) => (r.ok ? r.json() : null)).then((j: unknown) => { callCurves = parseCallCurves(j); }).catch(() => undefined);
  signaling = new SignalingClient(cfg.signalingUrl);
  let rtc: RTCConfiguration = {};
  const relay = (msg: RelayedOffer | RelayedAnswer | RelayedCandidate): void => {
    if (downlink !== undefined && msg.from === downlink.remoteId) downlink.handle(msg);
  };
  signaling.handle({
    'peer-joined': (msg) => {
      if (msg.peer.role === 'sender') onSender(msg.peer, rtc).catch(fail);
    },
    'peer-left': (msg) => {
      if (msg.peer.role === 'sender') onSenderGone();
    },
    offer: relay,
    answer: relay,
    candidate: relay,
    error: (msg) => fail(new Error(`${msg.code}: ${msg.message}`)),
    'ms-producer': (msg) => void onProducer(msg.producerId, rtc).catch(fail),
  });
  const joined = await signaling.join(cfg.room, 'receiver', query.get('token') ?? undefined);
  rtc = { iceServers: joined.iceServers };
  const sender = joined.peers.find((p) => p.role === 'sender');
  state.phase = 'waiting';
  ui.status.textContent = 'Waiting for a sender…';
  if (sender !== undefined) await onSender(sender, rtc);
}

let sample: { bytes: number; at: number } | undefined;
window.setInterval(() => {
  void (async () => {
    const inbound = downlink === undefined ? null : await readInbound(downlink, sample);
    if (inbound !== null) sample = inbound.sample;
    state.inbound = inbound;
    const s = state.stats;
    state.estimate = inbound === null ? '' : describeReadout(readoutAt(callCurves, inbound.codec, inbound.kbps));
    const adapt = describeReceiverAdapt(updates.state(s));
    ui.adapted.textContent = adapt.badge;
    ui.adapted.className = adapt.adapted ? 'badge on' : 'badge';
    ui.overlay.textContent = [
      `state ${state.sdkState} · ${state.phase}`,
      s === null ? 'no stats yet' : `${s.outputFps.toFixed(1)} fps · model ${s.modelMsP50.toFixed(1)} ms (p95 ${s.modelMsP95.toFixed(1)})`,
      s === null ? '' : `tier ${s.tier} · backend ${s.backend}${s.f16 ? ' f16' : ''} · latency ${s.latencyMsP50.toFixed(1)} ms`,
      s === null ? '' : `${s.inputWidth}x${s.inputHeight} → ${s.outputWidth}x${s.outputHeight} · ${describeScale(s)} · dropped ${s.framesDropped}`,
      inbound === null ? 'no inbound video' : `received ${inbound.kbps.toFixed(0)} kbit/s ${inbound.codec} ${inbound.width}x${inbound.height} @ ${inbound.fps.toFixed(0)} fps`,
      state.estimate,
      adapt.badge,
      ...adapt.lines,
    ].filter((l) => l !== '').join('\n');
  })().catch(() => undefined);
}, 1000);

ui.tier.addEventListener('change', () => void rebuildReceiver().catch(fail));
ui.compare.addEventListener('change', applyCompare);
ui.enabled.addEventListener('change', () => receiver?.setEnabled(ui.enabled.checked));
$('fullscreen').addEventListener('click', () => void ui.stage.requestFullscreen().catch(fail));
ui.stage.addEventListener('pointermove', (ev) => {
  if (ui.compare.value !== 'slider') return;
  const rect = ui.stage.getBoundingClientRect();
  ui.divider.style.left = `${(((ev.clientX - rect.left) / rect.width) * 100).toFixed(2)}%`;
  applyCompare();
});
main().catch(fail);
