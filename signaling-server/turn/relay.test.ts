import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnInNetns } from '../../scripts/netns.js';
import { parseCoturnLog } from './Coturn.js';
import { MIN_FRAMES, type RelayReport } from './relayScenario.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs relayScenario in a child process inside a fresh network namespace (only `lo`): coturn, the
 * signaling server and Chromium cannot reach any other interface, so the relayed call stays on 127.0.0.1.
 */
function runIsolated(timeoutMs: number): Promise<RelayReport> {
  const child = spawnInNetns(process.execPath, ['--import', 'tsx', join(ROOT, 'signaling-server/turn/relayScenarioMain.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child === null) return Promise.reject(new Error('cannot create a network namespace (unshare -n as root, or unshare -rn); the TURN relay test needs one to keep all traffic on this machine'));
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString('utf8'); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`relay scenario timed out after ${timeoutMs} ms\n${err.slice(-3000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RELAY_RESULT '));
      if (code === 0 && line !== undefined) resolve(JSON.parse(line.slice('RELAY_RESULT '.length)) as RelayReport);
      else reject(new Error(`relay scenario exited with ${String(code)}\n${err.slice(-3000)}`));
    });
  });
}

describe('TURN relay (coturn on 127.0.0.1, two Chromium pages with iceTransportPolicy "relay")', () => {
  it('carries video through the relay the signaling server hands out', async () => {
    const r = await runIsolated(60_000);

    // Both pages got exactly the configured relay in `joined`.
    expect(r.configured.urls).toMatch(/^turn:127\.0\.0\.1:\d+\?transport=udp$/);
    expect(r.sender.iceServers).toEqual([r.configured]);
    expect(r.receiver.iceServers).toEqual([r.configured]);
    expect(r.sender.error).toBeNull();
    expect(r.receiver.error).toBeNull();

    // Only relay candidates, on the loopback relay address, and a relay-relay pair selected on both ends.
    for (const page of [r.sender, r.receiver]) {
      expect(page.candidates.length).toBeGreaterThan(0);
      for (const c of page.candidates) expect(c).toMatchObject({ type: 'relay', address: '127.0.0.1' });
      expect(page.pairs).toHaveLength(1);
      expect(page.pairs[0]).toMatchObject({ localType: 'relay', local: '127.0.0.1', remoteType: 'relay', remote: '127.0.0.1', relayProtocol: 'udp' });
    }

    // Frames arrived and show the sender's pattern: red left half, blue right half.
    expect(r.receiver.framesDecoded).toBeGreaterThanOrEqual(MIN_FRAMES);
    const px = r.receiver.pixels;
    expect(px).toMatchObject({ width: 480, height: 270 });
    const [lr = 0, lg = 255, lb = 255] = px?.left ?? [];
    const [rr = 255, rg = 255, rb = 0] = px?.right ?? [];
    expect([lr > 200, lg < 50, lb < 50]).toEqual([true, true, true]);
    expect([rr < 50, rg < 50, rb > 200]).toEqual([true, true, true]);

    // coturn's own account: two allocations from 127.0.0.1 clients, each relaying to a 127.0.0.1 peer,
    // and the sender's video went through the relay (the sample is taken a little before the relay's
    // count closes, and the two count slightly different headers: half is a wide margin above zero).
    const sessions = parseCoturnLog(r.turnLog);
    expect(sessions.filter((s) => s.allocated)).toHaveLength(2);
    for (const s of sessions.filter((x) => x.allocated)) {
      expect(s.client).toBe('127.0.0.1');
      expect(s.peers).toEqual(['127.0.0.1']);
    }
    const relayed = Math.max(...sessions.map((s) => s.peerBytesReceived));
    expect(relayed).toBeGreaterThan(0.5 * (r.sender.pairs[0]?.bytesSent ?? Infinity));
    expect(r.sender.pairs[0]?.bytesSent).toBeGreaterThan(10_000);
  }, 90_000);
});
