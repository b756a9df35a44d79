import { SwiftSRSender, type SenderOptions } from '../../src/sdk/index.js';
import type { SenderAdaptView } from '../shared/adaptReadout.js';

/** What the page reads from the URL for the sender's knobs (tests make it small: crops, budget, model). */
export function adaptOptionsFrom(query: URLSearchParams, model: string, modelBaseUrl: string): Partial<SenderOptions> {
  const o: Partial<SenderOptions> = { model, modelBaseUrl };
  const num = (key: string): number | undefined => (query.get(key) === null ? undefined : Number(query.get(key)));
  const backend = query.get('adaptBackend');
  if (backend === 'auto' || backend === 'webgpu' || backend === 'webgl' || backend === 'cpu') o.backend = backend;
  const codec = query.get('adaptCodec');
  if (codec === 'none') o.codec = null;
  else if (codec === 'vp8' || codec === 'vp9' || codec === 'h264') o.codec = codec;
  const encoding = query.get('adaptEncoding');
  if (encoding === 'int8' || encoding === 'fp16') o.encoding = encoding;
  const knobs = { crop: num('adaptCrop'), batch: num('adaptBatch'), budgetMsPerSecond: num('adaptBudget'), learningRate: num('adaptLr'), minGainDb: num('adaptMinGain'), sampleIntervalMs: num('adaptSampleMs') };
  for (const [k, v] of Object.entries(knobs)) if (v !== undefined) Object.assign(o, { [k]: v });
  return o;
}

/**
 * The "adapt to this call" switch: one SwiftSRSender on the page's camera track, attached as soon as the
 * switch is on (before any receiver joined, P2P: it trains at camera / scale meanwhile and publishes
 * nothing until the first connection reports its send size and bitrate), streaming its updates on every
 * connection's `swiftsr-model` channel. Channels come and go with receivers (P2P) and stay registered
 * while the switch is off.
 */
export class AdaptController {
  private sender: SwiftSRSender | undefined;
  private params: { width: number; height: number; bitrateBps: number } | undefined;
  private readonly channels = new Map<string, RTCDataChannel>();
  private readonly detachers = new Map<string, () => void>();
  stats: SenderAdaptView | null = null;
  /** 'update' events since the switch went on. */
  updates = 0;
  /** Sequence number of the last update (0: none): it names the weights receivers paint with. */
  lastSeq = 0;

  constructor(private readonly onError: (error: unknown) => void, private readonly log: (line: string) => void) {}

  get running(): boolean {
    return this.sender !== undefined;
  }

  /** Starts adapting on `track`; resolves when the model is loaded and training runs. */
  async start(track: MediaStreamTrack, options: Partial<SenderOptions>): Promise<void> {
    if (this.sender !== undefined) return;
    const sender = new SwiftSRSender(options);
    this.sender = sender;
    this.updates = 0;
    this.lastSeq = 0;
    sender.on('stats', (s) => { if (this.sender === sender) this.stats = s; });
    sender.on('update', (u) => {
      if (this.sender !== sender) return;
      this.updates += 1;
      this.lastSeq = u.seq;
      this.log(`update ${this.updates} (seq ${u.seq}): ${u.bytes} B ${u.encoding} of ${u.variant}, held-back gain ${u.gainDb.toFixed(2)} dB`);
    });
    sender.on('error', (e) => this.onError(e));
    for (const [id, ch] of this.channels) this.detachers.set(id, sender.addChannel(ch));
    if (this.params !== undefined) sender.setSendParameters(this.params);
    await sender.attach(track);
  }

  async stop(): Promise<void> {
    const sender = this.sender;
    if (sender === undefined) return;
    this.sender = undefined;
    this.stats = null;
    for (const off of this.detachers.values()) off();
    this.detachers.clear();
    const leaks = await sender.dispose();
    this.log(`adaptation stopped; left behind: ${JSON.stringify(leaks)}`);
  }

  addChannel(id: string, channel: RTCDataChannel): void {
    this.removeChannel(id);
    this.channels.set(id, channel);
    if (this.sender !== undefined) this.detachers.set(id, this.sender.addChannel(channel));
  }

  removeChannel(id: string): void {
    this.detachers.get(id)?.();
    this.detachers.delete(id);
    this.channels.delete(id);
  }

  setSendParameters(width: number, height: number, bitrateBps: number): void {
    if (!(width > 0 && height > 0 && bitrateBps > 0)) return;
    this.params = { width, height, bitrateBps };
    this.sender?.setSendParameters(this.params);
  }

  /** Test hook: freeze the published generation while receivers are scored; resolves once the sender confirmed it (nothing more is published). */
  async pause(): Promise<void> {
    await this.sender?.pause();
  }

  resume(): void {
    this.sender?.resume();
  }
}
