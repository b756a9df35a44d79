import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runIsolated } from '../../scripts/netns.js';
import { parseCoturnLog } from './Coturn.js';
import { MIN_FRAMES, type RelayReport } from './relayScenario.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('TURN relay (coturn on 127.0.0.1, two Chromium pages with iceTransportPolicy "relay")', () => {
  it('carries video through the relay the signaling server hands out', async () => {
    // In a fresh network namespace (only `lo`): the relayed call cannot leave 127.0.0.1.
    const r = await runIsolated<RelayReport>(join(ROOT, 'signaling-server/turn/relayScenarioMain.ts'), [], 'RELAY_RESULT', 60_000, ROOT);

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
