/**
 * Installed in the sender page before its scripts run (page.evaluateOnNewDocument): every video
 * RTCRtpSender the page makes sends at `1 / downBy` of the camera size with `maintain-resolution`, whatever
 * the page's own send mode asks, and `__forceDownBy(d)` changes it mid-call, as an app would with
 * `scaleResolutionDownBy`. Test instrumentation: the demo's modes are the demo's business.
 * Runs in the page, so it uses nothing but the page's globals; the structural types below stand in for
 * the DOM ones, which this Node-side file does not have.
 */
interface Params {
  degradationPreference?: string;
  encodings: Array<{ scaleResolutionDownBy?: number; scaleResolutionDownTo?: unknown }>;
}
interface Sender {
  setParameters: (this: Sender, p: Params, ...rest: unknown[]) => Promise<void>;
  getParameters: (this: Sender) => Params;
}
interface PeerConnectionProto {
  addTransceiver: (this: PeerConnectionProto, track: unknown, init?: unknown) => { sender: Sender };
}
interface PageGlobals {
  RTCRtpSender: { prototype: Sender };
  RTCPeerConnection: { prototype: PeerConnectionProto };
  __forceDownBy?: (d: number) => Promise<number>;
}

export function installSenderHook(initialDownBy: number): void {
  const g = globalThis as unknown as PageGlobals;
  const forced = { downBy: initialDownBy };
  const senders = new Set<Sender>();
  const setParameters = g.RTCRtpSender.prototype.setParameters;
  g.RTCRtpSender.prototype.setParameters = function (this: Sender, p: Params, ...rest: unknown[]): Promise<void> {
    if (senders.has(this)) {
      p.degradationPreference = 'maintain-resolution';
      for (const e of p.encodings) {
        delete e.scaleResolutionDownTo;
        e.scaleResolutionDownBy = forced.downBy;
      }
    }
    return setParameters.call(this, p, ...rest);
  };
  const addTransceiver = g.RTCPeerConnection.prototype.addTransceiver;
  g.RTCPeerConnection.prototype.addTransceiver = function (this: PeerConnectionProto, track: unknown, init?: unknown) {
    const tx = addTransceiver.call(this, track, init);
    // A kind string is a capability probe, not the call's video.
    if (typeof track === 'object' && track !== null && (track as { kind?: unknown }).kind === 'video') {
      senders.add(tx.sender);
      void tx.sender.setParameters(tx.sender.getParameters()).catch(() => undefined);
    }
    return tx;
  };
  g.__forceDownBy = async (d: number) => {
    forced.downBy = d;
    let n = 0;
    for (const s of senders) {
      try {
        await s.setParameters(s.getParameters());
        n++;
      } catch {
        // The connection of a receiver that left: nothing to send on.
      }
    }
    return n;
  };
}
