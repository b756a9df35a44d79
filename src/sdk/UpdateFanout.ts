import { TokenBucket } from '../adapt/publishPolicy.js';
import type { UpdateChannelLike } from './updateChannel.js';

/** One published update: the binary message and its info text (sent right after it). */
export interface FanoutUpdate {
  readonly seq: number;
  readonly message: ArrayBuffer;
  readonly info: string;
}

interface ChannelState {
  readonly channel: UpdateChannelLike;
  /** Created at the first send, full: a channel that opens late gets the latest update at once. */
  bucket: TokenBucket | null;
  sentSeq: number;
}

/** How often channels that wait (not open yet, backed up, out of budget) are looked at again. */
export const FANOUT_RETRY_MS = 250;

/**
 * Sends each update on every channel: the latest one as soon as a channel is open, then each newer one.
 * Every channel has its own byte budget (a token bucket at the update rate, one message deep), and a
 * channel whose `bufferedAmount` already exceeds one message is skipped until it drains: a slow link gets
 * the newest update when it can take it (updates are deltas against the base, so skipping loses nothing),
 * never a growing queue.
 */
export class UpdateFanout {
  readonly #channels = new Map<UpdateChannelLike, ChannelState>();
  readonly #now: () => number;
  #rate = 0;
  #latest: FanoutUpdate | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Update bytes per second each channel may carry (maxUpdateShare × video bitrate / 8). */
  setRate(bytesPerSecond: number): void {
    this.#rate = bytesPerSecond;
    for (const s of this.#channels.values()) s.bucket?.setRate(bytesPerSecond, this.#now());
    this.flush();
  }

  add(channel: UpdateChannelLike): () => void {
    if (typeof channel?.send !== 'function' || typeof channel.addEventListener !== 'function') throw new TypeError('addChannel(channel): channel must have send() and addEventListener() (an RTCDataChannel)');
    if (!this.#channels.has(channel)) {
      if ('binaryType' in channel) channel.binaryType = 'arraybuffer';
      this.#channels.set(channel, { channel, bucket: null, sentSeq: 0 });
    }
    this.flush();
    return () => {
      this.#channels.delete(channel);
    };
  }

  publish(update: FanoutUpdate): void {
    this.#latest = update;
    this.flush();
  }

  get channelCount(): number {
    return this.#channels.size;
  }

  /** Sends what each channel can take now; schedules a retry for the rest. */
  flush(): void {
    if (this.#closed) return;
    const latest = this.#latest;
    let waiting = false;
    for (const s of [...this.#channels.values()]) {
      const state = s.channel.readyState;
      if (state === 'closing' || state === 'closed') {
        this.#channels.delete(s.channel);
        continue;
      }
      if (latest === null || s.sentSeq >= latest.seq) continue;
      if ((state !== undefined && state !== 'open') || (s.channel.bufferedAmount ?? 0) > latest.message.byteLength) {
        waiting = true;
        continue;
      }
      const bytes = latest.message.byteLength;
      const now = this.#now();
      if (s.bucket === null) {
        s.bucket = new TokenBucket(bytes, now, bytes);
        s.bucket.setRate(this.#rate, now);
      }
      s.bucket.ensureCapacity(bytes);
      if (!s.bucket.take(bytes, now)) {
        waiting = true;
        continue;
      }
      try {
        s.channel.send?.(latest.message);
        s.channel.send?.(latest.info);
        s.sentSeq = latest.seq;
      } catch {
        // A channel closing under us: the next flush drops it by its readyState.
        waiting = true;
      }
    }
    if (waiting && this.#timer === null) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.flush();
      }, FANOUT_RETRY_MS);
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#channels.clear();
  }
}
