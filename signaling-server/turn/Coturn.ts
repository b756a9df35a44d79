import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IceServerConfig } from '../protocol.js';

export const TURNSERVER = process.env.SWIFTSR_TURNSERVER ?? 'turnserver';

export interface CoturnOptions {
  username: string;
  password: string;
  realm: string;
}

export interface Coturn {
  readonly port: number;
  /** What the signaling server's `iceServers` option takes for this relay. */
  readonly iceServer: IceServerConfig;
  /** Everything turnserver printed so far. */
  log(): string;
  stop(): Promise<void>;
}

/** True when Debian's coturn (`turnserver`) is on the PATH. */
export function hasTurnserver(): boolean {
  return spawnSync(TURNSERVER, ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** A free loopback TCP port; the UDP port of the same number is checked by the caller's readiness probe. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Resolves when a STUN Binding request (RFC 5389 section 6: type 0x0001, magic cookie 0x2112A442) to
 * 127.0.0.1:port gets a Binding success response (0x0101) with our transaction id.
 */
function stunReady(port: number, timeoutMs: number): Promise<void> {
  const socket = createSocket('udp4');
  const txId = randomBytes(12);
  const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), txId]);
  return new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => finish(new Error(`turnserver did not answer STUN on 127.0.0.1:${port} within ${timeoutMs} ms`)), timeoutMs);
    const retry = setInterval(() => socket.send(request, port, '127.0.0.1'), 100);
    const finish = (error?: Error): void => {
      clearTimeout(deadline);
      clearInterval(retry);
      socket.close();
      if (error === undefined) resolve();
      else reject(error);
    };
    socket.on('message', (msg) => {
      if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(txId)) finish();
    });
    socket.on('error', (e) => finish(e));
    socket.send(request, port, '127.0.0.1');
  });
}

/**
 * Starts coturn on 127.0.0.1 only, as a child of this process: one long-term-credential user, a fresh
 * SQLite db and pid file in a temp dir, no CLI, no TLS/DTLS listeners, relay addresses on 127.0.0.1,
 * and loopback peers allowed (coturn refuses them by default, and here every peer is on loopback).
 */
export async function startCoturn(o: CoturnOptions): Promise<Coturn> {
  if (!hasTurnserver()) throw new Error(`"${TURNSERVER}" not found: install Debian's coturn (apt-get install coturn; scripts/setup.sh does)`);
  const dir = mkdtempSync(join(tmpdir(), 'swiftsr-coturn-'));
  const port = await freePort();
  const relayBase = 40_000 + Math.floor(Math.random() * 20_000);
  const args = [
    '-n', '--no-cli', '--no-tls', '--no-dtls', '--no-tcp-relay', '--fingerprint', '--no-software-attribute',
    '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    `--min-port=${relayBase}`, `--max-port=${relayBase + 200}`, '--allow-loopback-peers',
    '--lt-cred-mech', `--user=${o.username}:${o.password}`, `--realm=${o.realm}`,
    `--userdb=${join(dir, 'turndb')}`, `--pidfile=${join(dir, 'turnserver.pid')}`, '--log-file=stdout', '--simple-log', '--verbose',
  ];
  const child: ChildProcess = spawn(TURNSERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => { log += d.toString('utf8'); });
  child.stderr?.on('data', (d: Buffer) => { log += d.toString('utf8'); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Never leave a relay running behind a crashed test.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([stunReady(port, 15_000), exited.then(() => { throw new Error(`turnserver exited early:\n${log.slice(-2000)}`); })]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    port,
    iceServer: { urls: `turn:127.0.0.1:${port}?transport=udp`, username: o.username, credential: o.password },
    log: () => log,
    stop,
  };
}

export interface CoturnSession {
  id: string;
  allocated: boolean;
  /** Client address (ip) that the session came from, from the close line. */
  client: string | undefined;
  /** Peers it was granted permission for. */
  peers: string[];
  /** Bytes the relay received from and sent to peers (`peer usage`), logged when the allocation closes. */
  peerBytesReceived: number;
  peerBytesSent: number;
}

/** The sessions in a coturn `--verbose --simple-log` log (4.6 format). */
export function parseCoturnLog(log: string): CoturnSession[] {
  const sessions = new Map<string, CoturnSession>();
  const get = (id: string): CoturnSession => {
    let s = sessions.get(id);
    if (s === undefined) {
      s = { id, allocated: false, client: undefined, peers: [], peerBytesReceived: 0, peerBytesSent: 0 };
      sessions.set(id, s);
    }
    return s;
  };
  for (const line of log.split('\n')) {
    const m = /session (\d+): (.*)$/.exec(line);
    if (m === null) continue;
    const [, id = '', rest = ''] = m;
    if (rest.includes('ALLOCATE processed, success')) get(id).allocated = true;
    const peer = /^peer (\S+) lifetime updated/.exec(rest);
    if (peer?.[1] !== undefined && !get(id).peers.includes(peer[1])) get(id).peers.push(peer[1]);
    const usage = /^peer usage: .*rb=(\d+), sp=\d+, sb=(\d+)/.exec(rest);
    if (usage !== null) {
      get(id).peerBytesReceived = Number(usage[1]);
      get(id).peerBytesSent = Number(usage[2]);
    }
    const closed = /remote ([\d.]+):\d+/.exec(rest);
    if (rest.startsWith('closed') && closed?.[1] !== undefined) get(id).client = closed[1];
  }
  return [...sessions.values()];
}
