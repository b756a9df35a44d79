import { RateLimiter } from '../RateLimiter.js';
import { guarded, type SfuErrorHandler } from './guard.js';

/**
 * The data channel a SwiftSR sender streams model updates on (src/sdk/updateChannel.ts has the same
 * label: this package is installed on its own and cannot import the SDK).
 */
export const MODEL_CHANNEL_LABEL = 'swiftsr-model';

export interface ModelRelayOptions {
  /**
   * Largest binary message forwarded (and the SCTP max-message-size the SFU advertises). 256 KiB is what
   * Chromium accepts on its own data channels, so nothing larger could reach a browser subscriber anyway;
   * the largest shipped update is paper-skip's int8 one (~200 KB; lite48x8: 51 KB int8, 102 KB fp16).
   */
  maxBinaryBytes: number;
  /** Largest text message forwarded: update info is at most 512 bytes of JSON. */
  maxTextBytes: number;
  /** Token bucket per room over the publisher's messages (binary and text alike). */
  messagesPerSecond: number;
  burstMessages: number;
  /**
   * Token bucket per room over the publisher's bytes. 64 KiB/s is 20 % of a 2.5 Mbit/s video, four times
   * the 5 % a sender spends by default; it bounds what a flooding publisher costs the SFU's uplink:
   * this rate times the number of subscribers.
   */
  bytesPerSecond: number;
  /** At least `maxBinaryBytes`, so that one largest update passes a full bucket. */
  burstBytes: number;
  /** A subscriber whose channel holds more than this unsent is skipped for the message (it stopped reading). */
  maxBufferedBytes: number;
}

export const DEFAULT_MODEL_RELAY_OPTIONS: ModelRelayOptions = {
  maxBinaryBytes: 256 * 1024,
  maxTextBytes: 512,
  messagesPerSecond: 4,
  burstMessages: 8,
  bytesPerSecond: 64 * 1024,
  burstBytes: 512 * 1024,
  maxBufferedBytes: 1024 * 1024,
};

export function checkModelRelayOptions(o: ModelRelayOptions): void {
  for (const [k, v] of Object.entries(o)) if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`modelChannel.${k} must be a positive number, got ${String(v)}`);
  if (o.burstBytes < o.maxBinaryBytes) throw new RangeError(`modelChannel.burstBytes (${o.burstBytes}) must be >= maxBinaryBytes (${o.maxBinaryBytes}), or the largest update could never pass`);
  if (o.burstMessages < 1) throw new RangeError(`modelChannel.burstMessages must be >= 1, got ${o.burstMessages}`);
}

interface Subscribable<A extends unknown[]> {
  subscribe(f: (...args: A) => void): { unSubscribe: () => void };
}

/** The part of werift's RTCDataChannel the relay uses (tests pass fakes). */
export interface RelayChannel {
  readonly label: string;
  readonly readyState: string;
  readonly bufferedAmount: number;
  send(data: Buffer | string): void;
  close(): void;
  readonly onMessage: Subscribable<[string | Buffer]>;
  readonly stateChanged: Subscribable<[string]>;
}

export type RelayDropReason = 'too-large' | 'rate' | 'backpressure' | 'send-failed' | 'from-subscriber' | 'other-channel';

export interface ModelRelayStats {
  publishing: boolean;
  /** Subscribers with a model channel. */
  subscribers: number;
  /** Publisher messages accepted (each forwarded to every open subscriber). */
  accepted: number;
  /** Messages sent to subscribers, and their bytes. */
  forwarded: number;
  forwardedBytes: number;
  dropped: Record<RelayDropReason, number>;
  /** Size of the update a late subscriber gets on join (null: none yet). */
  latestBytes: number | null;
}

interface Attached {
  peerId: string;
  channel: RelayChannel;
  off: Array<() => void>;
}

/**
 * One room's model-update fan-out: every message on the publisher's `swiftsr-model` channel goes to every
 * subscriber's channel of that label (ordered, reliable), within size and rate caps; a subscriber whose
 * channel opens later first gets the newest binary update and the text (update info) that followed it.
 * Subscribers never send on it: anything they send is dropped and counted.
 */
export class ModelChannelRelay {
  private publisher: Attached | undefined;
  private readonly subscribers = new Map<string, Attached>();
  private readonly messageBucket: RateLimiter;
  private readonly byteBucket: RateLimiter;
  private latest: { update: Buffer; info: string | undefined } | undefined;
  private readonly counts = { accepted: 0, forwarded: 0, forwardedBytes: 0 };
  private readonly dropped: Record<RelayDropReason, number> = { 'too-large': 0, rate: 0, backpressure: 0, 'send-failed': 0, 'from-subscriber': 0, 'other-channel': 0 };

  constructor(private readonly options: ModelRelayOptions, private readonly onError: SfuErrorHandler, now: () => number = () => performance.now()) {
    checkModelRelayOptions(options);
    this.messageBucket = new RateLimiter(options.messagesPerSecond, options.burstMessages, now);
    this.byteBucket = new RateLimiter(options.bytesPerSecond, options.burstBytes, now);
  }

  /**
   * A data channel a peer opened to the SFU: the model channel of the room's sender or of a receiver.
   * Any other label is closed (and counted as an 'other-channel' drop): the SFU forwards nothing else.
   */
  accept(role: 'sender' | 'receiver', peerId: string, channel: RelayChannel): void {
    if (channel.label !== MODEL_CHANNEL_LABEL) {
      this.dropped['other-channel'] += 1;
      channel.close();
    } else if (role === 'sender') {
      this.publish(peerId, channel);
    } else {
      this.subscribe(peerId, channel);
    }
  }

  /** The publisher's channel (a renegotiation replaces it); the newest update is kept across that. */
  publish(peerId: string, channel: RelayChannel): void {
    this.detach(this.publisher);
    const onMessage = guarded('model channel: publisher message', this.onError, (data: string | Buffer) => this.onPublisherMessage(data));
    this.publisher = { peerId, channel, off: [channel.onMessage.subscribe(onMessage).unSubscribe] };
  }

  subscribe(peerId: string, channel: RelayChannel): void {
    this.detach(this.subscribers.get(peerId));
    const a: Attached = { peerId, channel, off: [] };
    a.off.push(channel.onMessage.subscribe(guarded('model channel: subscriber message', this.onError, () => { this.dropped['from-subscriber'] += 1; })).unSubscribe);
    a.off.push(channel.stateChanged.subscribe(guarded('model channel: subscriber state', this.onError, (state: string) => {
      if (state === 'open') this.sendLatest(channel);
      else if (state === 'closed' && this.subscribers.get(peerId) === a) this.remove(peerId);
    })).unSubscribe);
    this.subscribers.set(peerId, a);
    if (channel.readyState === 'open') this.sendLatest(channel);
  }

  /** A peer's connection closed or was replaced (either role); the newest update stays for the next one. */
  remove(peerId: string): void {
    if (this.publisher?.peerId === peerId) {
      this.detach(this.publisher);
      this.publisher = undefined;
    }
    this.detach(this.subscribers.get(peerId));
    this.subscribers.delete(peerId);
  }

  /** The publisher left: the next one starts from its own base model, so its predecessor's update is dropped. */
  resetPublisher(): void {
    this.detach(this.publisher);
    this.publisher = undefined;
    this.latest = undefined;
  }

  stats(): ModelRelayStats {
    return { publishing: this.publisher !== undefined, subscribers: this.subscribers.size, ...this.counts, dropped: { ...this.dropped }, latestBytes: this.latest?.update.length ?? null };
  }

  close(): void {
    this.resetPublisher();
    for (const id of [...this.subscribers.keys()]) this.remove(id);
  }

  private onPublisherMessage(data: string | Buffer): void {
    const binary = typeof data !== 'string';
    const size = binary ? data.length : Buffer.byteLength(data, 'utf8');
    if (size > (binary ? this.options.maxBinaryBytes : this.options.maxTextBytes)) {
      this.dropped['too-large'] += 1;
      return;
    }
    // Charged in order and never refunded: a flood pays for its refused messages too.
    if (!this.messageBucket.take() || !this.byteBucket.take(size)) {
      this.dropped.rate += 1;
      return;
    }
    this.counts.accepted += 1;
    if (binary) this.latest = { update: Buffer.from(data), info: undefined };
    else if (this.latest !== undefined && this.latest.info === undefined) this.latest.info = data;
    for (const s of this.subscribers.values()) if (s.channel.readyState === 'open') this.sendTo(s.channel, data, size);
  }

  private sendLatest(channel: RelayChannel): void {
    const l = this.latest;
    if (l === undefined) return;
    this.sendTo(channel, l.update, l.update.length);
    if (l.info !== undefined) this.sendTo(channel, l.info, Buffer.byteLength(l.info, 'utf8'));
  }

  private sendTo(channel: RelayChannel, data: Buffer | string, size: number): void {
    if (channel.bufferedAmount + size > this.options.maxBufferedBytes) {
      this.dropped.backpressure += 1;
      return;
    }
    try {
      channel.send(data);
      this.counts.forwarded += 1;
      this.counts.forwardedBytes += size;
    } catch {
      // A subscriber that advertised a smaller max-message-size, or a channel closing under us: counted.
      this.dropped['send-failed'] += 1;
    }
  }

  private detach(a: Attached | undefined): void {
    if (a === undefined) return;
    for (const off of a.off.splice(0)) off();
  }
}
