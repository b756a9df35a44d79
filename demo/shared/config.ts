/** Page settings from the URL query, so that a link (or a test) fully describes a session. */
export type DemoMode = 'p2p' | 'simple-peer' | 'sfu' | 'mediasoup';

export interface DemoConfig {
  mode: DemoMode;
  room: string;
  /** WebSocket URL of the signaling server for this mode. */
  signalingUrl: string;
  /** Keep only 127.0.0.1 ICE candidates (tests and headless runs; needs --allow-loopback-in-peer-connection). */
  loopbackOnly: boolean;
}

const MODES: readonly DemoMode[] = ['p2p', 'simple-peer', 'sfu', 'mediasoup'];

/** The signaling path the demo server mounts for each mode. */
export const SIGNALING_PATHS: Record<DemoMode, string> = { 'p2p': '/ws', 'simple-peer': '/ws', 'sfu': '/ws-sfu', 'mediasoup': '/ws-mediasoup' };

export function readConfig(search: string, origin: string): DemoConfig {
  const q = new URLSearchParams(search);
  const modeParam = q.get('mode') ?? 'p2p';
  if (!(MODES as readonly string[]).includes(modeParam)) throw new RangeError(`mode must be one of ${MODES.join(', ')}, got "${modeParam}"`);
  const mode = modeParam as DemoMode;
  const room = q.get('room') ?? 'demo';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(room)) throw new RangeError('room may only contain A-Z, a-z, 0-9, "_" and "-" (1..64 characters)');
  const wsOrigin = origin.replace(/^http/, 'ws');
  return { mode, room, signalingUrl: q.get('signaling') ?? `${wsOrigin}${SIGNALING_PATHS[mode]}`, loopbackOnly: q.get('loopback') === '1' };
}
