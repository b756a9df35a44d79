#!/usr/bin/env node
// `npx swiftsr-signaling [options]`: the SwiftSR signaling server (and optionally its werift SFU) in one
// command. The server is TypeScript; tsx (a dependency of this package) loads it, so there is no build step.
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

const HELP = `swiftsr-signaling [options]
  --host ADDR        listen address (default 127.0.0.1; 0.0.0.0 exposes it: put TLS in front)
  --port N           port (default 8080; 0 picks a free one)
  --path PATH        WebSocket path (default /ws)
  --mode MODE        p2p (relays offers and answers) or sfu (werift forwards the sender's video; default p2p)
  --sfu-host ADDR    address the SFU's ICE binds to and announces (default 127.0.0.1)
  --origin URL       allowed browser origin; repeat for several (default: any)
  SWIFTSR_TOKEN_SECRET=...  require room tokens signed with this secret (read from the environment, so it
                            never shows in the process list)`;

const { values: v } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    path: { type: 'string', default: '/ws' },
    mode: { type: 'string', default: 'p2p' },
    'sfu-host': { type: 'string', default: '127.0.0.1' },
    origin: { type: 'string', multiple: true },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (v.help) {
  console.log(HELP);
  process.exit(0);
}
const port = Number(v.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`swiftsr-signaling: --port must be an integer in [0, 65535], got '${v.port}'\n\n${HELP}`);
  process.exit(2);
}
if (v.mode !== 'p2p' && v.mode !== 'sfu') {
  console.error(`swiftsr-signaling: --mode must be p2p or sfu, got '${v.mode}'\n\n${HELP}`);
  process.exit(2);
}

register();
const { SignalingServer } = await import('../SignalingServer.ts');
const mediaRouter = v.mode === 'sfu' ? new (await import('../sfu/WeriftSfu.ts')).WeriftSfu({ hostAddress: v['sfu-host'], loopbackOnly: v['sfu-host'] === '127.0.0.1' }) : undefined;
const server = new SignalingServer({
  host: v.host,
  port,
  path: v.path,
  mode: v.mode,
  mediaRouter,
  allowedOrigins: v.origin ?? '*',
  tokenSecret: process.env.SWIFTSR_TOKEN_SECRET || undefined,
  onError: (context, error) => console.error(`swiftsr-signaling: ${context}:`, error),
});
console.log(`swiftsr-signaling: ${v.mode} on ${await server.start()}`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
