import SimplePeer from '@thaunknown/simple-peer';
import { UPDATE_CHANNEL_LABEL } from '../../src/sdk/index.js';
import { SFU_PEER_ID, type RelayedAnswer, type RelayedCandidate, type RelayedOffer } from '../../signaling-server/protocol.js';
import { MediasoupSession } from '../shared/MediasoupSession.js';
import { $, openPage } from '../shared/page.js';
import { PeerLink } from '../shared/PeerLink.js';
import { readTrackFrame, toBase64 } from '../shared/pixels.js';
import { selectedPairAddresses, type StatsSource } from '../shared/rtpStats.js';
import { SignalingClient } from '../shared/SignalingClient.js';
import { fromSimplePeer, toSimplePeer } from '../shared/simplePeerSignal.js';
import { describeSenderAdapt } from '../shared/adaptReadout.js';
import { AdaptController, adaptOptionsFrom } from './adapt.js';
import { applyEncoding, parseSendMode, preferCodec, readSenderStats, sendableCodecs, type CodecName, type SenderStats, type SendMode } from './encoding.js';
import { openSource, type SourceKind, type VideoSourceHandle } from './source.js';

/** One outgoing connection: to a receiver (P2P, simple-peer), to the SFU, or a mediasoup producer. */
interface Uplink {
  readonly to: string;
  /** The connection's stats (transport, candidate pairs, outbound RTP). */
  readonly stats: StatsSource;
  readonly sender: () => RTCRtpSender | undefined;
  handle(msg: RelayedOffer | RelayedAnswer | RelayedCandidate): void;
  close(): void;
}

const { cfg, query } = openPage();
const ui = {
  source: $<HTMLSelectElement>('source'), file: $<HTMLInputElement>('file'), codec: $<HTMLSelectElement>('codec'),
  bitrate: $<HTMLInputElement>('bitrate'), send: $<HTMLSelectElement>('send'), cap: $<HTMLSelectElement>('cap'),
  encoding: $<HTMLParagraphElement>('encoding'), start: $<HTMLButtonElement>('start'), apply: $<HTMLButtonElement>('apply'),
  stop: $<HTMLButtonElement>('stop'), status: $<HTMLParagraphElement>('status'), preview: $<HTMLVideoElement>('preview'),
  adapt: $<HTMLInputElement>('adapt'), adaptModel: $<HTMLSelectElement>('adapt-model'), adaptStats: $<HTMLPreElement>('adapt-stats'),
  stats: $<HTMLTableSectionElement>('stats').querySelector('tbody') as HTMLTableSectionElement,
};
$<HTMLAnchorElement>('receiver-link').href = `../receiver/index.html${location.search}`;

for (const name of sendableCodecs()) ui.codec.add(new Option(name, name));
if (cfg.mode === 'sfu') ui.codec.title = 'The SFU forwards without transcoding and negotiates VP8 for everyone.';
if (cfg.mode === 'mediasoup') ui.codec.title = 'mediasoup forwards without transcoding: pick a codec its router offers (VP8 or H264 by default).';
ui.source.value = query.get('source') ?? 'clip';
ui.send.value = query.get('send') ?? 'adapt';
if (query.get('cap') !== null) ui.cap.value = query.get('cap') ?? '540';
ui.codec.value = query.get('codec') ?? 'VP8';
ui.bitrate.value = query.get('bitrate') ?? ui.bitrate.value;
ui.adapt.checked = query.get('adapt') === '1';
ui.adaptModel.value = query.get('adaptModel') ?? ui.adaptModel.value;
if (cfg.mode === 'simple-peer' || cfg.mode === 'mediasoup') ui.adapt.title = 'Updates travel on a data channel of the P2P or SFU connection; this mode carries none.';

/** What the e2e tests and the headless demo read. */
const state = { phase: 'idle' as string, error: null as string | null, links: new Map<string, SenderStats | null>() };
(window as unknown as { __sender: unknown }).__sender = {
  get phase() { return state.phase; },
  get error() { return state.error; },
  get stats() { return Object.fromEntries(state.links); },
  grabFrame: () => grabFrame(),
  adapt: {
    get stats() { return adapt.stats; },
    get updates() { return adapt.updates; },
    get lastSeq() { return adapt.lastSeq; },
    pause: () => adapt.pause(),
    resume: () => adapt.resume(),
  },
  selectedPairs: async () => Promise.all([...uplinks.values()].map((u) => selectedPairAddresses(u.stats))).then((a) => a.flat()),
};

let source: VideoSourceHandle | undefined;
let signaling: SignalingClient | undefined;
const uplinks = new Map<string, Uplink>();
let statsTimer = 0;
const adapt = new AdaptController((e) => fail(e), (line) => console.info(`[adapt] ${line}`));

/** The switch, or autostart with adapt=1: fine-tune the receivers' model on this camera while the call runs. */
function startAdapt(track: MediaStreamTrack): void {
  const models = new URL(query.get('models') ?? '/models/', location.href).href;
  adapt.start(track, adaptOptionsFrom(query, ui.adaptModel.value, models)).catch(fail);
}

/** One source frame as base64 RGBA, for comparing what receivers paint with what was sent. */
async function grabFrame(): Promise<{ width: number; height: number; rgba: string }> {
  if (source === undefined) throw new Error('no source yet');
  const { width, height, rgba } = await readTrackFrame(source.track);
  return { width, height, rgba: toBase64(rgba) };
}

function fail(error: unknown): void {
  state.error = error instanceof Error ? error.message : String(error);
  ui.status.textContent = `Error: ${state.error}`;
  console.error(error);
}

function sendMode(): SendMode {
  return parseSendMode(ui.send.value, ui.cap.value);
}

/** Bitrate cap and send mode on one sender; the status line says what the browser took. */
async function encode(sender: RTCRtpSender): Promise<void> {
  const applied = await applyEncoding(sender, Number(ui.bitrate.value), sendMode());
  ui.encoding.textContent = `Sending: ${applied.resolution}; degradation ${applied.degradation}.`;
}

function peerLinkUplink(to: string, track: MediaStreamTrack, rtc: RTCConfiguration): Uplink {
  const link = new PeerLink(to, false, rtc, (m) => signaling?.send(m), cfg.loopbackOnly, fail);
  const tx = link.pc.addTransceiver(track, { direction: 'sendonly', streams: [new MediaStream([track])], sendEncodings: [{ maxBitrate: Number(ui.bitrate.value) * 1000 }] });
  // Model updates (issue 12): opened on every connection, in the same negotiation as the video; the receiver
  // accepts it (P2P) or the SFU forwards it to every receiver's own.
  adapt.addChannel(to, link.pc.createDataChannel(UPDATE_CHANNEL_LABEL, { ordered: true }));
  try {
    preferCodec(tx, ui.codec.value as CodecName);
  } catch (error) {
    fail(error);
  }
  void encode(tx.sender).catch(fail);
  return {
    to, stats: link.pc, sender: () => tx.sender,
    handle: (m) => void link.handle(m).catch(fail),
    close: () => link.close(),
  };
}

function simplePeerUplink(to: string, track: MediaStreamTrack, rtc: RTCConfiguration): Uplink {
  const peer = new SimplePeer({ initiator: true, trickle: true, stream: new MediaStream([track]), config: rtc });
  peer.on('signal', (data) => {
    const m = fromSimplePeer(data, to, cfg.loopbackOnly);
    if (m !== null) signaling?.send(m);
  });
  peer.on('connect', () => { void encode(peer._pc.getSenders()[0] as RTCRtpSender).catch(fail); });
  peer.on('error', fail);
  return {
    to, stats: peer._pc, sender: () => peer._pc.getSenders().find((s) => s.track?.kind === 'video'),
    handle: (m) => {
      const data = toSimplePeer(m, cfg.loopbackOnly);
      if (data !== null) peer.signal(data);
    },
    close: () => peer.destroy(),
  };
}

/** mediasoup: one send transport and producer; the server fans it out to every receiver. */
function mediasoupUplink(track: MediaStreamTrack, rtc: RTCConfiguration): Uplink {
  const client = signaling;
  if (client === undefined) throw new Error('not joined');
  const session = import('mediasoup-client').then(({ Device }) => MediasoupSession.open(client, new Device(), { iceServers: rtc.iceServers ?? [] }));
  const producer = session.then((s) => s.publish({ track }, { maxBitrateKbps: Number(ui.bitrate.value), codec: ui.codec.value }));
  let rtpSender: RTCRtpSender | undefined;
  producer.then((p) => {
    rtpSender = p.rtpSender;
    if (rtpSender !== undefined) return encode(rtpSender);
  }).catch(fail);
  return {
    to: 'mediasoup',
    stats: { getStats: async () => (await producer).getStats() },
    sender: () => rtpSender,
    handle: () => undefined,
    close: () => {
      void producer.then((p) => p.close(), () => undefined);
      void session.then((s) => s.close(), () => undefined);
    },
  };
}

function openUplink(to: string, track: MediaStreamTrack, rtc: RTCConfiguration): void {
  uplinks.get(to)?.close();
  const up = cfg.mode === 'mediasoup' ? mediasoupUplink(track, rtc) : cfg.mode === 'simple-peer' ? simplePeerUplink(to, track, rtc) : peerLinkUplink(to, track, rtc);
  uplinks.set(to, up);
  state.links.set(to, null);
}

function closeUplink(to: string): void {
  adapt.removeChannel(to);
  uplinks.get(to)?.close();
  uplinks.delete(to);
  state.links.delete(to);
}

async function start(): Promise<void> {
  ui.start.disabled = true;
  state.phase = 'starting';
  const fileUrl = ui.file.files?.[0] !== undefined ? URL.createObjectURL(ui.file.files[0]) : query.get('video');
  source = await openSource(ui.source.value as SourceKind, fileUrl);
  ui.preview.srcObject = new MediaStream([source.track]);
  const track = source.track;
  signaling = new SignalingClient(cfg.signalingUrl);
  const relay = (msg: RelayedOffer | RelayedAnswer | RelayedCandidate): void => uplinks.get(msg.from)?.handle(msg);
  signaling.handle({
    'peer-joined': (msg) => {
      if (msg.peer.role === 'receiver' && (cfg.mode === 'p2p' || cfg.mode === 'simple-peer')) openUplink(msg.peer.id, track, rtc);
    },
    'peer-left': (msg) => closeUplink(msg.peer.id),
    offer: relay,
    answer: relay,
    candidate: relay,
    error: (msg) => fail(new Error(`${msg.code}: ${msg.message}`)),
  });
  const joined = await signaling.join(cfg.room, 'sender', query.get('token') ?? undefined);
  const rtc: RTCConfiguration = { iceServers: joined.iceServers };
  if (cfg.mode === 'sfu') openUplink(SFU_PEER_ID, track, rtc);
  else if (cfg.mode === 'mediasoup') openUplink('mediasoup', track, rtc);
  else for (const p of joined.peers) if (p.role === 'receiver') openUplink(p.id, track, rtc);
  if (ui.adapt.checked) startAdapt(track);
  state.phase = 'live';
  ui.status.textContent = `Live in room "${cfg.room}" (${cfg.mode}). Open the receiver page to watch.`;
  ui.apply.disabled = false;
  ui.stop.disabled = false;
  const samples = new Map<string, { bytes: number; at: number }>();
  statsTimer = window.setInterval(() => void refreshStats(samples), 1000);
}

async function refreshStats(samples: Map<string, { bytes: number; at: number }>): Promise<void> {
  const rows: HTMLTableRowElement[] = [];
  let first: SenderStats | undefined;
  for (const up of uplinks.values()) {
    const sender = up.sender();
    const r = sender === undefined ? null : await readSenderStats(sender, samples.get(up.to));
    if (r === null) continue;
    samples.set(up.to, r.sample);
    state.links.set(up.to, r.stats);
    const s = r.stats;
    first ??= s;
    // Peer ids and codec names come from the signaling server and the browser: text, never markup.
    const row = document.createElement('tr');
    for (const cell of [up.to, s.codec, s.kbps.toFixed(0), s.fps.toFixed(0), `${s.width}x${s.height}`, s.encoder, s.qualityLimitation]) {
      row.appendChild(document.createElement('td')).textContent = cell;
    }
    rows.push(row);
  }
  ui.stats.replaceChildren(...rows);
  // The adapter trains at what the (first) encoder sends now; its update budget is a share of the bitrate cap.
  if (first !== undefined) adapt.setSendParameters(first.width, first.height, Number(ui.bitrate.value) * 1000);
  ui.adaptStats.textContent = adapt.stats === null ? (adapt.running ? 'adaptation starting…' : '') : describeSenderAdapt(adapt.stats, first === undefined ? null : first.kbps * 1000, adapt.updates).join('\n');
}

function stop(): void {
  clearInterval(statsTimer);
  void adapt.stop().catch(fail);
  for (const to of [...uplinks.keys()]) closeUplink(to);
  signaling?.close();
  source?.stop();
  state.phase = 'stopped';
  ui.status.textContent = 'Stopped.';
  ui.start.disabled = false;
  ui.apply.disabled = true;
  ui.stop.disabled = true;
}

ui.source.addEventListener('change', () => { if (ui.source.value === 'file') ui.file.click(); });
ui.cap.disabled = ui.send.value !== 'cap' && ui.send.value !== 'pin';
ui.send.addEventListener('change', () => { ui.cap.disabled = ui.send.value !== 'cap' && ui.send.value !== 'pin'; });
ui.start.addEventListener('click', () => void start().catch(fail));
ui.adapt.addEventListener('change', () => {
  if (!ui.adapt.checked) void adapt.stop().catch(fail);
  else if (source !== undefined && state.phase === 'live') startAdapt(source.track);
});
ui.stop.addEventListener('click', stop);
ui.apply.addEventListener('click', () => {
  for (const up of uplinks.values()) {
    const s = up.sender();
    if (s !== undefined) void encode(s).catch(fail);
  }
});
(window as unknown as { __stopSender: () => void }).__stopSender = stop;
if (query.get('autostart') === '1') void start().catch(fail);
