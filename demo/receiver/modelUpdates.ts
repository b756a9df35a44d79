import type { ReceiverStats, SwiftSRReceiver } from '../../src/sdk/index.js';
import type { ReceiverAdaptState } from '../shared/adaptReadout.js';
import { toBase64 } from '../shared/pixels.js';

/** Binary messages kept for the e2e test (it decodes the one whose sequence paints): a few KB each. */
const KEEP = 8;

/**
 * Keeps the connection's model-update channel attached to whichever SwiftSRReceiver the page has (a tier
 * change rebuilds it), and what the readout and the test hooks read: the newest 'modelupdate' and
 * 'modelrevert', and the last binary messages as they arrived.
 */
export class ModelUpdateLink {
  private channel: RTCDataChannel | undefined;
  private receiver: SwiftSRReceiver | undefined;
  private detachUpdates: (() => void) | undefined;
  private lastUpdate: ReceiverAdaptState['lastUpdate'] = null;
  private lastRevert: ReceiverAdaptState['lastRevert'] = null;
  /** Base64 of the last binary messages, oldest first. */
  readonly received: string[] = [];

  constructor(private readonly log: (type: string, detail: string) => void) {}

  /** A new SwiftSRReceiver: listen to its update events and hand it the channel (the old one was disposed). */
  setReceiver(r: SwiftSRReceiver): void {
    this.detachUpdates = undefined;
    this.receiver = r;
    r.on('modelupdate', (e) => {
      this.lastUpdate = { model: e.model, generation: e.generation, bytes: e.bytes, gainDb: e.gainDb };
      this.log('modelupdate', `${e.model} x${e.scale} generation ${e.generation} (${e.bytes} B, gain ${e.gainDb ?? '?'} dB)`);
    });
    r.on('modelrevert', (e) => {
      this.lastRevert = { model: e.model, reason: e.reason };
      this.log('modelrevert', `${e.model}: ${e.reason}`);
    });
    this.attach();
  }

  /** The connection's channel (undefined: the connection went away). */
  setChannel(channel: RTCDataChannel | undefined): void {
    this.detachUpdates?.();
    this.detachUpdates = undefined;
    this.channel = channel;
    this.lastUpdate = null;
    this.lastRevert = null;
    this.received.length = 0;
    if (channel === undefined) return;
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', (ev: MessageEvent<unknown>) => {
      if (this.channel !== channel || !(ev.data instanceof ArrayBuffer)) return;
      this.received.push(toBase64(new Uint8Array(ev.data)));
      if (this.received.length > KEEP) this.received.shift();
    });
    this.attach();
  }

  state(stats: ReceiverStats | null): ReceiverAdaptState {
    return {
      generation: stats?.modelGeneration ?? 0,
      lastUpdate: this.lastUpdate,
      lastRevert: this.lastRevert,
      updatesApplied: stats?.updatesApplied ?? 0,
      updatesRejected: stats?.updatesRejected ?? 0,
      channel: this.channel !== undefined,
    };
  }

  private attach(): void {
    if (this.channel === undefined || this.receiver === undefined || this.detachUpdates !== undefined) return;
    this.detachUpdates = this.receiver.attachModelUpdates(this.channel);
  }
}
