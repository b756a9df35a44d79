/**
 * The request/response messages a mediasoup-client Device needs (mode "mediasoup"): router RTP
 * capabilities, WebRTC transport creation and DTLS connect, produce, consume and resume. Every request
 * carries an `id` that the reply (`ms-response`, or `error` with `requestId`) echoes. The mediasoup
 * parameter objects are checked for shape and size here; their values (codec names, payload types,
 * fingerprints) are checked again by mediasoup itself, whose refusal comes back as `media_error`.
 */
import { checkInt, checkKeys, checkObjectArray, checkString, isRecord, nestsDeeperThan } from './schema.js';

export type JsonObject = Record<string, unknown>;
export type MsDirection = 'send' | 'recv';

export const MS_LIMITS = {
  requestId: 2 ** 31 - 1,
  objectId: 64,
  codecs: 32,
  headerExtensions: 32,
  encodings: 16,
  fingerprints: 8,
  /** JSON size of one parameters object. */
  paramsBytes: 32 * 1024,
  /** Nesting of one parameters object (rtpParameters.codecs[].rtcpFeedback[] is 4). */
  paramsDepth: 12,
} as const;

export interface MsCapabilitiesRequest { type: 'ms-capabilities'; id: number }
export interface MsCreateTransportRequest { type: 'ms-create-transport'; id: number; direction: MsDirection }
export interface MsConnectRequest { type: 'ms-connect'; id: number; transportId: string; dtlsParameters: JsonObject }
/** SwiftSR forwards one video track per room, so `kind` is always "video". */
export interface MsProduceRequest { type: 'ms-produce'; id: number; transportId: string; kind: 'video'; rtpParameters: JsonObject }
export interface MsConsumeRequest { type: 'ms-consume'; id: number; transportId: string; producerId: string; rtpCapabilities: JsonObject }
export interface MsResumeRequest { type: 'ms-resume'; id: number; consumerId: string }

export type MsRequest = MsCapabilitiesRequest | MsCreateTransportRequest | MsConnectRequest | MsProduceRequest | MsConsumeRequest | MsResumeRequest;
export type MsRequestType = MsRequest['type'];
export const MS_REQUEST_TYPES: readonly MsRequestType[] = ['ms-capabilities', 'ms-create-transport', 'ms-connect', 'ms-produce', 'ms-consume', 'ms-resume'];

export interface MsTransportParameters { id: string; iceParameters: JsonObject; iceCandidates: JsonObject[]; dtlsParameters: JsonObject }
export interface MsConsumerParameters { id: string; producerId: string; kind: 'video'; rtpParameters: JsonObject }

/** What each request answers with. */
export interface MsResponseMap {
  'ms-capabilities': { routerRtpCapabilities: JsonObject };
  'ms-create-transport': MsTransportParameters;
  'ms-connect': Record<string, never>;
  'ms-produce': { producerId: string };
  'ms-consume': MsConsumerParameters;
  'ms-resume': Record<string, never>;
}
export type MsResponseData = MsResponseMap[MsRequestType];

export interface MsResponse { type: 'ms-response'; id: number; data: MsResponseData }
/** To receivers: the room's sender produced video (also sent on join when it already has). */
export interface MsProducerNotice { type: 'ms-producer'; producerId: string }
/** To a receiver: its consumer is gone (the producer or the transport closed) and must be closed. */
export interface MsConsumerClosedNotice { type: 'ms-consumer-closed'; consumerId: string }
export type MsServerMessage = MsResponse | MsProducerNotice | MsConsumerClosedNotice;

export function isMsRequestType(type: unknown): type is MsRequestType {
  return (MS_REQUEST_TYPES as readonly unknown[]).includes(type);
}

function checkParams(obj: Record<string, unknown>, key: string): string | null {
  const v = obj[key];
  if (!isRecord(v)) return `"${key}" must be an object`;
  // Bounded depth first: JSON.stringify recurses and would overflow the stack on a deep value.
  if (nestsDeeperThan(v, MS_LIMITS.paramsDepth)) return `"${key}" may nest at most ${MS_LIMITS.paramsDepth} deep`;
  if (JSON.stringify(v).length > MS_LIMITS.paramsBytes) return `"${key}" must be at most ${MS_LIMITS.paramsBytes} bytes of JSON`;
  return null;
}

function checkCodecs(list: unknown[], key: string, needKind: boolean): string | null {
  for (const c of list as Record<string, unknown>[]) {
    const err = checkString(c, 'mimeType', 64) ?? checkInt(c, 'clockRate', 1, 10_000_000)
      ?? (needKind && c.kind !== 'audio' && c.kind !== 'video' ? '"kind" must be "audio" or "video"' : null)
      ?? (c.parameters === undefined || isRecord(c.parameters) ? null : '"parameters" must be an object')
      ?? (c.rtcpFeedback === undefined || (Array.isArray(c.rtcpFeedback) && c.rtcpFeedback.length <= 16 && c.rtcpFeedback.every(isRecord)) ? null : '"rtcpFeedback" must be an array of at most 16 objects');
    if (err !== null) return `${key}: ${err}`;
    if (!needKind && checkInt(c, 'payloadType', 0, 127) !== null) return `${key}: "payloadType" must be an integer in 0..127`;
  }
  return null;
}

function checkDtls(obj: Record<string, unknown>): string | null {
  const d = obj.dtlsParameters as Record<string, unknown>;
  const err = checkKeys(d, ['role', 'fingerprints'], 'dtlsParameters')
    ?? (d.role === undefined || d.role === 'auto' || d.role === 'client' || d.role === 'server' ? null : 'dtlsParameters.role must be "auto", "client" or "server"')
    ?? checkObjectArray(d, 'fingerprints', MS_LIMITS.fingerprints, 1);
  if (err !== null) return err;
  for (const f of d.fingerprints as Record<string, unknown>[]) {
    const e = checkKeys(f, ['algorithm', 'value'], 'a fingerprint') ?? checkString(f, 'algorithm', 16) ?? checkString(f, 'value', 256);
    if (e !== null) return `dtlsParameters.fingerprints: ${e}`;
  }
  return null;
}

function checkRtpParameters(obj: Record<string, unknown>): string | null {
  const p = obj.rtpParameters as Record<string, unknown>;
  return checkKeys(p, ['mid', 'codecs', 'headerExtensions', 'encodings', 'rtcp', 'msid'], 'rtpParameters')
    ?? checkObjectArray(p, 'codecs', MS_LIMITS.codecs, 1)
    ?? checkCodecs(p.codecs as unknown[], 'rtpParameters.codecs', false)
    ?? (p.encodings === undefined ? null : checkObjectArray(p, 'encodings', MS_LIMITS.encodings))
    ?? (p.headerExtensions === undefined ? null : checkObjectArray(p, 'headerExtensions', MS_LIMITS.headerExtensions))
    ?? (p.rtcp === undefined || isRecord(p.rtcp) ? null : '"rtcp" must be an object')
    ?? (p.mid === undefined ? null : checkString(p, 'mid', 32))
    ?? (p.msid === undefined ? null : checkString(p, 'msid', 256));
}

function checkRtpCapabilities(obj: Record<string, unknown>): string | null {
  const c = obj.rtpCapabilities as Record<string, unknown>;
  return checkKeys(c, ['codecs', 'headerExtensions'], 'rtpCapabilities')
    ?? checkObjectArray(c, 'codecs', MS_LIMITS.codecs, 1)
    ?? checkCodecs(c.codecs as unknown[], 'rtpCapabilities.codecs', true)
    ?? (c.headerExtensions === undefined ? null : checkObjectArray(c, 'headerExtensions', MS_LIMITS.headerExtensions));
}

const objectId = (data: Record<string, unknown>, key: string): string | null => checkString(data, key, MS_LIMITS.objectId);

/** Validates a message whose `type` is one of MS_REQUEST_TYPES: the request, or an error sentence. */
export function validateMsRequest(data: Record<string, unknown>, type: MsRequestType): MsRequest | string {
  const id = checkInt(data, 'id', 0, MS_LIMITS.requestId);
  if (id !== null) return id;
  const base = { id: data.id as number };
  switch (type) {
    case 'ms-capabilities':
      return checkKeys(data, ['type', 'id']) ?? { type, ...base };
    case 'ms-create-transport':
      return checkKeys(data, ['type', 'id', 'direction'])
        ?? (data.direction === 'send' || data.direction === 'recv' ? null : '"direction" must be "send" or "recv"')
        ?? { type, ...base, direction: data.direction as MsDirection };
    case 'ms-connect':
      return checkKeys(data, ['type', 'id', 'transportId', 'dtlsParameters']) ?? objectId(data, 'transportId')
        ?? checkParams(data, 'dtlsParameters') ?? checkDtls(data)
        ?? { type, ...base, transportId: data.transportId as string, dtlsParameters: data.dtlsParameters as JsonObject };
    case 'ms-produce':
      return checkKeys(data, ['type', 'id', 'transportId', 'kind', 'rtpParameters']) ?? objectId(data, 'transportId')
        ?? (data.kind === 'video' ? null : '"kind" must be "video" (SwiftSR forwards one video track)')
        ?? checkParams(data, 'rtpParameters') ?? checkRtpParameters(data)
        ?? { type, ...base, transportId: data.transportId as string, kind: 'video', rtpParameters: data.rtpParameters as JsonObject };
    case 'ms-consume':
      return checkKeys(data, ['type', 'id', 'transportId', 'producerId', 'rtpCapabilities']) ?? objectId(data, 'transportId') ?? objectId(data, 'producerId')
        ?? checkParams(data, 'rtpCapabilities') ?? checkRtpCapabilities(data)
        ?? { type, ...base, transportId: data.transportId as string, producerId: data.producerId as string, rtpCapabilities: data.rtpCapabilities as JsonObject };
    case 'ms-resume':
      return checkKeys(data, ['type', 'id', 'consumerId']) ?? objectId(data, 'consumerId') ?? { type, ...base, consumerId: data.consumerId as string };
    default: {
      const never: never = type;
      return `unhandled request ${String(never)}`;
    }
  }
}
