import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ROOT, run } from './packedApp.js';

/** The signaling server as its own package: `npm pack` of signaling-server/, installed alone, started with its bin. */
const dir = mkdtempSync(join(tmpdir(), 'swiftsr-signaling-app-'));
let child: ChildProcess | null = null;

afterAll(() => {
  if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

function firstLine(c: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no ${String(pattern)} in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = pattern.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    c.stdout?.on('data', onData);
    c.stderr?.on('data', onData);
    c.once('exit', (code) => reject(new Error(`exited with ${String(code)}:\n${out}`)));
  });
}

describe('swiftsr-signaling package', () => {
  it('installs on its own and `swiftsr-signaling --mode sfu` serves a room in one command', async () => {
    const packed = run('npm', ['pack', '--pack-destination', dir, '--silent'], join(ROOT, 'signaling-server'));
    expect(packed.status, packed.output).toBe(0);
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    expect(tgz).toBeDefined();
    writeFileSync(join(dir, 'package.json'), '{ "name": "signaling-host", "private": true }\n');
    const installed = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(dir, tgz ?? '')], dir);
    expect(installed.status, installed.output).toBe(0);
    child = spawn(join(dir, 'node_modules/.bin/swiftsr-signaling'), ['--port', '0', '--mode', 'sfu'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const [, url] = await firstLine(child, /sfu on (ws:\/\/127\.0\.0\.1:\d+\/ws)/, 60_000);
    const ws = new WebSocket(url ?? '');
    const reply = await new Promise<{ type: string; role?: string }>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => ws.send(JSON.stringify({ type: 'join', room: 'smoke', role: 'receiver' })));
      ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as { type: string }));
    });
    ws.close();
    expect(reply.type).toBe('joined');
  }, 180_000);
});
