import type { WorkerToMain } from '../worker/protocol.js';
import { ModelUpdateRejectedError } from './errors.js';
import type { ModelRevertEvent, ModelUpdateEvent } from './events.js';
import { parseUpdateInfo, type UpdateChannelLike } from './updateChannel.js';

/** At most one 'error' event per refusal reason per this many ms; the rest are counted into the next one. */
export const REJECTION_EVENT_INTERVAL_MS = 1000;
/**
 * How long a 'modelupdate' waits for its update info (sent right after the binary message) before it is
 * emitted with gainDb null.
 */
export const UPDATE_INFO_WAIT_MS = 1000;
/** A Blob longer than this is refused unread: beyond any update of any variant (paper-skip's fp16 one is ~400 kB). */
export const MAX_UPDATE_MESSAGE_BYTES = 1 << 20;
/** Binary messages kept while there is no worker yet (attachModelUpdates() before the first attach()). */
const EARLY_MESSAGES = 4;
/** Update infos remembered for pairing with 'modelupdate'. */
const INFOS = 16;

export interface UpdateLinkHost {
  /** Hands one binary message to the worker (transferred); false when the worker has not started. */
  post(data: ArrayBuffer): boolean;
  emitUpdate(e: ModelUpdateEvent): void;
  emitRevert(e: ModelRevertEvent): void;
  emitError(e: ModelUpdateRejectedError): void;
}

type WorkerUpdateMessage = Extract<WorkerToMain, { type: 'modelupdate' | 'modelrevert' | 'update-rejected' }>;

/**
 * The main-thread half of model updates for one receiver: listens to update channels, sends binary
 * messages to the worker in arrival order, pairs the worker's 'modelupdate' with the sender's update info,
 * and coalesces refusals (the worker's and its own: info text, oversize Blobs) into error events.
 */
export class ModelUpdateLink {
  readonly #detachers = new Set<() => void>();
  readonly #early: ArrayBuffer[] = [];
  readonly #infos = new Map<string, number>();
  /** 'modelupdate' events waiting for their info, by `${variant}#${seq}`. */
  readonly #waiting = new Map<string, { event: Omit<ModelUpdateEvent, 'gainDb'>; timer: ReturnType<typeof setTimeout> }>();
  readonly #rejections = new Map<string, { last: number; count: number; detail: string; timer: ReturnType<typeof setTimeout> | null }>();
  /** Refusals and bytes seen only here (the worker counts its own). */
  rejected = 0;
  bytes = 0;
  #disposed = false;

  constructor(private readonly host: UpdateLinkHost) {}

  attach(channel: UpdateChannelLike): () => void {
    if (typeof channel?.addEventListener !== 'function' || typeof channel.removeEventListener !== 'function') {
      throw new TypeError('attachModelUpdates(channel): channel must have addEventListener and removeEventListener (an RTCDataChannel does)');
    }
    if (channel.binaryType !== undefined) channel.binaryType = 'arraybuffer';
    // Blobs are read asynchronously: one chain per channel keeps the messages in arrival order.
    let chain = Promise.resolve();
    let attached = true;
    const listener = (e: { data: unknown }): void => {
      const data = e.data;
      const step = typeof data === 'string'
        ? (): void => this.#info(data)
        : async (): Promise<void> => {
          const buffer = await this.#binary(data);
          if (buffer !== null && attached) this.#send(buffer);
        };
      chain = chain.then(step).catch((error: unknown) => {
        // A Blob that cannot be read: refused like any unreadable message; the chain goes on.
        this.rejected++;
        this.#rejectedBy('bad-type', `unreadable message: ${String(error)}`);
      });
    };
    channel.addEventListener('message', listener);
    const detach = (): void => {
      attached = false;
      channel.removeEventListener('message', listener);
      this.#detachers.delete(detach);
    };
    this.#detachers.add(detach);
    return detach;
  }

  /** The worker started: what arrived before goes to it now. */
  flush(): void {
    for (const data of this.#early.splice(0)) this.host.post(data);
  }

  onWorkerMessage(m: WorkerUpdateMessage): void {
    // The worker finishes its frame after dispose() asked it to stop: nothing it says then starts a timer.
    if (this.#disposed) return;
    switch (m.type) {
      case 'modelupdate': {
        const event = { model: m.model, scale: m.scale, generation: m.generation, bytes: m.bytes };
        const key = `${m.variant}#${m.generation}`;
        const gainDb = this.#infos.get(key);
        if (gainDb !== undefined) {
          this.host.emitUpdate({ ...event, gainDb });
          return;
        }
        const timer = setTimeout(() => {
          this.#waiting.delete(key);
          this.host.emitUpdate({ ...event, gainDb: null });
        }, UPDATE_INFO_WAIT_MS);
        this.#waiting.set(key, { event, timer });
        return;
      }
      case 'modelrevert':
        this.host.emitRevert({ model: m.model, reason: m.reason });
        return;
      case 'update-rejected':
        this.#rejectedBy(m.reason, m.detail);
        return;
    }
  }

  /** Detaches every channel and drops pending events and timers. */
  dispose(): void {
    this.#disposed = true;
    for (const detach of [...this.#detachers]) detach();
    for (const w of this.#waiting.values()) clearTimeout(w.timer);
    this.#waiting.clear();
    for (const r of this.#rejections.values()) if (r.timer !== null) clearTimeout(r.timer);
    this.#rejections.clear();
    this.#early.length = 0;
  }

  #info(text: string): void {
    if (this.#disposed) return;
    const info = parseUpdateInfo(text);
    if (info === null) {
      this.rejected++;
      this.#rejectedBy('bad-info', `update info text that is not {"type":"swiftsr-update-info",...} (${Math.min(text.length, 9999)} characters)`);
      return;
    }
    const key = `${info.variant}#${info.seq}`;
    const waiting = this.#waiting.get(key);
    if (waiting !== undefined) {
      clearTimeout(waiting.timer);
      this.#waiting.delete(key);
      this.host.emitUpdate({ ...waiting.event, gainDb: info.gainDb });
      return;
    }
    this.#infos.delete(key);
    this.#infos.set(key, info.gainDb);
    for (const k of this.#infos.keys()) {
      if (this.#infos.size <= INFOS) break;
      this.#infos.delete(k);
    }
  }

  /** The message's bytes as an ArrayBuffer this receiver owns; null (counted) for what cannot be an update. */
  async #binary(data: unknown): Promise<ArrayBuffer | null> {
    // A data channel's ArrayBuffer is the receiver's alone: transferred as is, no copy.
    if (data instanceof ArrayBuffer) return data;
    // The app may still use its view: copy the viewed bytes.
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer;
    if (typeof Blob !== 'undefined' && data instanceof Blob) {
      if (data.size <= MAX_UPDATE_MESSAGE_BYTES) return data.arrayBuffer();
      this.bytes += data.size;
      this.rejected++;
      this.#rejectedBy('too-large', `a ${data.size}-byte Blob; no update is longer than ${MAX_UPDATE_MESSAGE_BYTES}`);
      return null;
    }
    this.rejected++;
    this.#rejectedBy('bad-type', `an update must be binary, got ${data === null ? 'null' : typeof data}`);
    return null;
  }

  #send(data: ArrayBuffer): void {
    if (this.host.post(data)) return;
    this.#early.push(data);
    if (this.#early.length <= EARLY_MESSAGES) return;
    // Each update is whole (deltas against the base): the newer ones supersede the oldest.
    this.#early.shift();
    this.rejected++;
    this.#rejectedBy('stale-sequence', `superseded by ${EARLY_MESSAGES} newer messages before the receiver started`);
  }

  /** Coalesces refusals: the first of a reason at once, the rest of its second in one event when the second ends. */
  #rejectedBy(reason: string, detail: string): void {
    if (this.#disposed) return;
    const now = Date.now();
    const r = this.#rejections.get(reason);
    if (r === undefined || (r.timer === null && now - r.last >= REJECTION_EVENT_INTERVAL_MS)) {
      this.#rejections.set(reason, { last: now, count: 0, detail, timer: null });
      this.host.emitError(new ModelUpdateRejectedError(reason, 1, `refused a model update (${reason}): ${detail}`));
      return;
    }
    r.count++;
    r.detail = detail;
    r.timer ??= setTimeout(() => {
      const n = r.count;
      r.timer = null;
      r.count = 0;
      r.last = Date.now();
      this.host.emitError(new ModelUpdateRejectedError(reason, n, `refused ${n} model update message${n === 1 ? '' : 's'} (${reason}) in the last second; the last: ${r.detail}`));
    }, Math.max(0, r.last + REJECTION_EVENT_INTERVAL_MS - now));
  }
}
