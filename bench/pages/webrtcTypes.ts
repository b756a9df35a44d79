/** Shared by the WebRTC loopback page and bench/webrtcCurve.ts: plain data only. */
import type { Codec } from '../../imaging/codecs.js';

/** The browser's names of the bench codecs. */
export type WebrtcCodec = Uppercase<Codec>;

export interface WebrtcRunRequest {
  readonly width: number;
  readonly height: number;
  readonly maxBitrateBps: number;
  /** Unset: the browser default ('balanced'). 'maintain-resolution': how a SwiftSR sender pins 270p. */
  readonly degradation?: 'maintain-resolution';
  /** Sent codec (default VP8). */
  readonly codec?: WebrtcCodec;
  /** A resolution cap on the encoding (curve F); the encoder may still go lower under 'balanced'. */
  readonly scaleResolutionDownBy?: number;
  /** Which pictures of each scored frame are uploaded: drawn at the source size by the browser (curves C,
   * D), at the size it arrived in (curves E, F: upscaled in Node), or both (default 'display'). */
  readonly upload?: 'display' | 'native' | 'both';
  /** Let rate control and resolution adaptation settle before measuring. */
  readonly warmupMs: number;
  readonly captureMs: number;
  /** Source frame indices to capture (each once), decoded from the barcode. */
  readonly wanted: readonly number[];
  /** Frames in one loop of the fake camera's file (the barcode index wraps there). */
  readonly loopFrames: number;
  readonly barcode: { readonly bits: number; readonly block: number };
  /** Captured frames are POSTed here as raw RGB with ?index=N (native ones with &native=1&w=W&h=H). */
  readonly uploadUrl: string;
}

export interface WebrtcRunResult {
  readonly bytesSent: number;
  readonly seconds: number;
  readonly captured: readonly number[];
  /** Of those, source frames the receiver never got (dropped by the encoder or in transit): scored with
   * the frame still on screen, as a viewer sees it. The page reads every received frame's barcode, so a
   * slow page delays these frames but does not lose them (framesRead = framesDecoded shows it). */
  readonly repeated: readonly number[];
  /** Frames the page read from the remote track in the capture window, and of those without a barcode. */
  readonly framesRead: number;
  readonly unreadable: number;
  /** The same window's inbound-rtp framesDecoded and outbound-rtp framesEncoded deltas. */
  readonly framesDecoded: number;
  readonly framesEncoded: number;
  /** What the browser encoder chose under the cap (outbound-rtp at the end of the window). */
  readonly sentWidth: number;
  readonly sentHeight: number;
  readonly sentFps: number;
  readonly receivedFps: number;
  /** inbound-rtp frameWidth/frameHeight at the end of the window: the size the receiver decodes. */
  readonly receivedWidth: number;
  readonly receivedHeight: number;
  readonly qualityLimitationReason: string;
  readonly codec: string;
  readonly candidates: readonly string[];
}

export interface WebrtcPageApi {
  run(req: WebrtcRunRequest): Promise<WebrtcRunResult>;
}

/**
 * Frame index barcode in the bottom-left corner: a white guard block, `bits` index bits (MSB first, white =
 * 1), a black guard block. Luma sampled at block centres survives a 4x+ downscale by the encoder.
 */
export function decodeBarcode(luma: (x: number, y: number) => number, height: number, bits: number, block: number): number | null {
  const y = height - block / 2;
  const at = (i: number): boolean => luma(i * block + block / 2, y) > 128;
  if (!at(0) || at(bits + 1)) return null;
  let v = 0;
  for (let i = 1; i <= bits; i++) v = v * 2 + (at(i) ? 1 : 0);
  return v;
}
