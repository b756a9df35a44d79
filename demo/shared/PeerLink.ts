import { isLoopbackCandidate, keepLoopbackCandidates } from '../../signaling-server/candidates.js';
import type { IceCandidateInit, RelayedAnswer, RelayedCandidate, RelayedOffer, SignalMessage } from '../../signaling-server/protocol.js';

/**
 * One RTCPeerConnection with the perfect-negotiation pattern (W3C WebRTC 1.0, section 10.7): either side
 * may (re)negotiate; on an offer collision the polite side rolls back and the impolite side ignores the
 * incoming offer. The SFU never offers, so with it there are no collisions at all.
 */
export class PeerLink {
  readonly pc: RTCPeerConnection;
  private makingOffer = false;
  private ignoreOffer = false;
  /** Candidates that arrived before any remote description (a server may trickle ahead of its answer). */
  private early: RTCIceCandidateInit[] = [];

  constructor(
    readonly remoteId: string,
    private readonly polite: boolean,
    config: RTCConfiguration,
    private readonly signal: (msg: SignalMessage) => void,
    private readonly loopbackOnly: boolean,
    private readonly onError: (error: unknown) => void = (e) => console.error(e),
  ) {
    this.pc = new RTCPeerConnection(config);
    this.pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true;
        await this.pc.setLocalDescription();
        const sdp = this.pc.localDescription?.sdp ?? '';
        this.signal({ type: 'offer', to: remoteId, sdp: this.filter(sdp) });
      } catch (error) {
        this.onError(error);
      } finally {
        this.makingOffer = false;
      }
    };
    this.pc.onicecandidate = ({ candidate }) => {
      if (candidate === null || candidate.candidate === '') return;
      if (this.loopbackOnly && !isLoopbackCandidate(candidate.candidate)) return;
      const c: IceCandidateInit = { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex, usernameFragment: candidate.usernameFragment };
      this.signal({ type: 'candidate', to: remoteId, candidate: c });
    };
  }

  async handle(msg: RelayedOffer | RelayedAnswer | RelayedCandidate): Promise<void> {
    if (msg.type === 'candidate') {
      const c = msg.candidate;
      if (c === null || c.candidate === '' || (this.loopbackOnly && !isLoopbackCandidate(c.candidate))) return;
      if (this.pc.remoteDescription === null) {
        this.early.push(c);
        return;
      }
      try {
        await this.pc.addIceCandidate(c);
      } catch (error) {
        if (!this.ignoreOffer) throw error;
      }
      return;
    }
    const collision = msg.type === 'offer' && (this.makingOffer || this.pc.signalingState !== 'stable');
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) return;
    await this.pc.setRemoteDescription({ type: msg.type, sdp: this.filter(msg.sdp) });
    for (const c of this.early.splice(0)) await this.pc.addIceCandidate(c);
    if (msg.type === 'offer') {
      await this.pc.setLocalDescription();
      this.signal({ type: 'answer', to: this.remoteId, sdp: this.filter(this.pc.localDescription?.sdp ?? '') });
    }
  }

  close(): void {
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.close();
  }

  private filter(sdp: string): string {
    return this.loopbackOnly ? keepLoopbackCandidates(sdp) : sdp;
  }
}
