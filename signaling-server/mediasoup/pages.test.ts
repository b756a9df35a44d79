import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ensureDemoPages, stillY4m } from '../../test/e2e/harness.js';
import { runIsolated } from '../../scripts/netns.js';
import { BITRATE_KBPS, type MediasoupPagesReport } from './browserScenario.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('demo pages in mode=mediasoup (headless Chromium, mediasoup-client Chrome handler, fake mediasoup server)', () => {
  it('negotiates publish and consume through the ms-* protocol and returns the receiver to waiting when the sender leaves', async () => {
    const [pages, y4m] = await Promise.all([ensureDemoPages(), stillY4m()]);
    const r = await runIsolated<MediasoupPagesReport>(join(ROOT, 'signaling-server/mediasoup/browserScenarioMain.ts'), [pages, y4m], 'MEDIASOUP_PAGES', 150_000, ROOT);

    expect(r.senderError).toBeNull();
    expect(r.receiver).toEqual({ phase: 'negotiating', error: null, sdkState: 'loading' });
    // Chromium's own DTLS fingerprints reached mediasoup's connect() on both transports.
    for (const dtls of [r.sendDtls, r.recvDtls]) {
      const fp = (dtls?.fingerprints as Array<{ algorithm: string; value: string }> | undefined)?.[0];
      expect(fp?.algorithm).toBe('sha-256');
      expect(fp?.value).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    }
    // The sender's codec choice and bitrate cap are in what Chromium produced.
    const codecs = (r.producerRtp?.codecs as Array<{ mimeType: string }> | undefined)?.map((c) => c.mimeType);
    expect(codecs?.[0]).toBe('video/VP8');
    expect((r.producerRtp?.encodings as Array<{ maxBitrate?: number }> | undefined)?.[0]?.maxBitrate).toBe(BITRATE_KBPS * 1000);
    expect(r.consumerPaused).toBe(false);

    expect(r.afterSenderLeft).toEqual({ phase: 'waiting', error: null, sdkState: 'idle' });
    expect(r.routerAfter).toMatchObject({ producers: 0, consumers: 0, peers: 1 });
  }, 240_000);
});
