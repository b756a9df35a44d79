import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import type { IceServerConfig } from '../signaling-server/protocol.js';
import { startDemoServer, type DemoServer } from './demoServer.js';
import { runHeadless } from './demoHeadless.js';
import { inNetns, spawnInNetns } from './netns.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MODES = ['p2p', 'simple-peer', 'sfu'] as const;
type Mode = (typeof MODES)[number];

const HELP = `npm run demo [-- options]

  --headless          run a sender and a receiver in headless Chromium, write a screenshot and stats, exit
  --seconds N         headless run length (default 10)
  --mode MODE         p2p | simple-peer | sfu (headless; default p2p)
  --tier TIER         receiver model: auto | lite32x4 | tiny | bicubic (default auto)
  --send MODE         headless sender resolution: adapt (browser adaptation, default) | pin270 | cap
  --cap ROWS          with --send cap: the most rows sent (default 540)
  --port N            HTTP port (default 8080; headless: any free port)
  --host ADDR         listen address (default 127.0.0.1)
  --sfu-host ADDR     address the SFU's ICE binds to (default 127.0.0.1: media stays on this machine)
  --turn URL          add a TURN/STUN server for the pages, e.g. turn:127.0.0.1:3478 (with --turn-user/--turn-pass)
  --token-secret S    require room tokens signed with S (see signaling-server/README.md)
  --no-build          serve the existing dist/demo build
  --out DIR           headless output folder (default demo-output)
  --models DIR        folder with <variant>/model.json (default models)
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      headless: { type: 'boolean', default: false },
      seconds: { type: 'string', default: '10' },
      mode: { type: 'string', default: 'p2p' },
      tier: { type: 'string', default: 'auto' },
      send: { type: 'string', default: 'adapt' },
      cap: { type: 'string', default: '540' },
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'sfu-host': { type: 'string', default: '127.0.0.1' },
      turn: { type: 'string' },
      'turn-user': { type: 'string' },
      'turn-pass': { type: 'string' },
      'token-secret': { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      out: { type: 'string', default: 'demo-output' },
      models: { type: 'string', default: 'models' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const mode = values.mode as Mode;
  if (!MODES.includes(mode)) throw new RangeError(`--mode must be one of ${MODES.join(', ')}, got "${values.mode}"`);
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds < 2 || seconds > 3600) throw new RangeError(`--seconds must be a number in 2..3600, got "${values.seconds}"`);
  const port = Number(values.port ?? (values.headless ? 0 : 8080));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`--port must be an integer in 0..65535, got "${values.port}"`);

  const pagesDir = join(ROOT, 'dist/demo');
  if (!values['no-build'] || !existsSync(join(pagesDir, 'receiver/index.html'))) {
    console.log('demo: building the pages with Vite…');
    await build({ configFile: join(ROOT, 'vite.demo.config.ts') });
  }
  if (values.headless && !inNetns()) {
    // Rerun inside a network namespace with only `lo`: the browsers cannot pick the LAN interface.
    const args = ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2), '--no-build'];
    const child = spawnInNetns(process.execPath, args, { stdio: 'inherit', cwd: process.cwd() });
    if (child !== null) {
      const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
      process.exitCode = code;
      return;
    }
    console.warn('demo: no network namespace available (needs root or unprivileged user namespaces); keeping WebRTC on 127.0.0.1 candidates by filtering only.');
  }
  const models = resolve(ROOT, values.models);
  const shipped = ['lite32x4', 'tiny'].filter((v) => existsSync(join(models, v, 'model.json')));
  if (shipped.length === 0) console.warn(`demo: ${models} holds no trained weights (lite32x4, tiny): receivers will report a model-load error; use --tier bicubic or --models DIR.`);

  const iceServers: IceServerConfig[] = [];
  if (values.turn !== undefined) {
    const s: IceServerConfig = { urls: values.turn };
    if (values['turn-user'] !== undefined) s.username = values['turn-user'];
    if (values['turn-pass'] !== undefined) s.credential = values['turn-pass'];
    iceServers.push(s);
  }
  const server: DemoServer = await startDemoServer({
    host: values.host, port, iceServers, sfuHost: values['sfu-host'], tokenSecret: values['token-secret'],
    mounts: { '/': pagesDir, '/models/': models, '/bench/results/': join(ROOT, 'bench/results') },
  });

  if (values.headless) {
    try {
      const outDir = join(ROOT, values.out);
      mkdirSync(outDir, { recursive: true });
      const result = await runHeadless({ baseUrl: server.url, mode, seconds, tier: values.tier, send: values.send, cap: values.cap, outDir, root: ROOT });
      const statsPath = join(outDir, 'stats.json');
      writeFileSync(statsPath, JSON.stringify(result.stats, null, 2) + '\n');
      console.log(`demo: receiver screenshot ${relative(process.cwd(), result.screenshot)}`);
      console.log(`demo: stats ${relative(process.cwd(), statsPath)}`);
      console.log(`demo: ${result.summary}`);
    } finally {
      await server.close();
    }
    return;
  }

  const q = (m: Mode | 'mediasoup'): string => `?mode=${m}&room=demo`;
  console.log(`SwiftSR demo on ${server.url}  (Ctrl-C to stop)`);
  console.log(`  sender:   ${server.url}/sender/index.html${q('p2p')}`);
  console.log(`  receiver: ${server.url}/receiver/index.html${q('p2p')}`);
  console.log(`  SFU (one upload, many receivers): ${server.url}/sender/index.html${q('sfu')} and ${server.url}/receiver/index.html${q('sfu')}`);
  console.log(`  simple-peer: ${server.url}/sender/index.html${q('simple-peer')} and ${server.url}/receiver/index.html${q('simple-peer')}`);
  if (server.mediasoup.mounted) {
    console.log(`  mediasoup: ${server.url}/sender/index.html${q('mediasoup')} and ${server.url}/receiver/index.html${q('mediasoup')}`);
  } else {
    console.log(`  mediasoup mode not served: ${server.mediasoup.reason}`);
  }
  if (values['sfu-host'] === '127.0.0.1') {
    console.log('  note: the SFU listens on 127.0.0.1 only; a browser reaches it when started with --allow-loopback-in-peer-connection, or pass --sfu-host <this machine\'s address>.');
  }
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
