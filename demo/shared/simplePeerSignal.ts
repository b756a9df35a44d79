import type { SignalData } from '@thaunknown/simple-peer';
import { isLoopbackCandidate, keepLoopbackCandidates } from '../../signaling-server/candidates.js';
import type { RelayedAnswer, RelayedCandidate, RelayedOffer, SignalMessage } from '../../signaling-server/protocol.js';

/** simple-peer's `signal` event as a protocol message; null for what needs no relay (or is filtered out). */
export function fromSimplePeer(data: SignalData, to: string, loopbackOnly: boolean): SignalMessage | null {
  switch (data.type) {
    case 'offer':
    case 'answer':
      return { type: data.type, to, sdp: loopbackOnly ? keepLoopbackCandidates(data.sdp) : data.sdp };
    case 'candidate': {
      const c = data.candidate;
      if (typeof c.candidate !== 'string' || c.candidate === '' || (loopbackOnly && !isLoopbackCandidate(c.candidate))) return null;
      return { type: 'candidate', to, candidate: { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null } };
    }
    // One-way video set up at construction never renegotiates or requests transceivers.
    case 'renegotiate':
    case 'transceiverRequest':
      return null;
    default:
      return null;
  }
}

/** A relayed protocol message as simple-peer signal data; null when filtered out. */
export function toSimplePeer(msg: RelayedOffer | RelayedAnswer | RelayedCandidate, loopbackOnly: boolean): SignalData | null {
  if (msg.type === 'candidate') {
    const c = msg.candidate;
    if (c === null || c.candidate === '' || (loopbackOnly && !isLoopbackCandidate(c.candidate))) return null;
    const init: RTCIceCandidateInit = { candidate: c.candidate };
    if (c.sdpMid != null) init.sdpMid = c.sdpMid;
    if (c.sdpMLineIndex != null) init.sdpMLineIndex = c.sdpMLineIndex;
    return { type: 'candidate', candidate: init };
  }
  return { type: msg.type, sdp: loopbackOnly ? keepLoopbackCandidates(msg.sdp) : msg.sdp };
}
