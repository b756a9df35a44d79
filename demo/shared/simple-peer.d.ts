/** The part of @thaunknown/simple-peer the demo uses (the package ships no types). */
declare module '@thaunknown/simple-peer' {
  export type SignalData =
    | { type: 'offer' | 'answer'; sdp: string }
    | { type: 'candidate'; candidate: RTCIceCandidateInit }
    | { type: 'renegotiate'; renegotiate: true }
    | { type: 'transceiverRequest'; transceiverRequest: { kind: string; init?: RTCRtpTransceiverInit } };

  export interface SimplePeerOptions {
    initiator?: boolean;
    stream?: MediaStream;
    trickle?: boolean;
    config?: RTCConfiguration;
  }

  // The package's own shape: a default-exported class.
  // eslint-disable-next-line no-restricted-syntax
  export default class SimplePeer {
    constructor(options?: SimplePeerOptions);
    readonly destroyed: boolean;
    readonly _pc: RTCPeerConnection;
    readonly _remoteTracks?: readonly { readonly track: MediaStreamTrack }[];
    signal(data: SignalData): void;
    destroy(error?: Error): void;
    on(event: 'signal', listener: (data: SignalData) => void): this;
    on(event: 'track', listener: (track: MediaStreamTrack, stream: MediaStream) => void): this;
    on(event: 'connect' | 'close', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    removeListener(event: string, listener: (...args: never[]) => void): this;
  }
}
