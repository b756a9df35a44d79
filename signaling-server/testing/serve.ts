import type { ClientOptions } from 'ws';
import type { SignalingServerInit } from '../options.js';
import { SignalingServer } from '../SignalingServer.js';
import { TestClient } from './TestClient.js';

const servers: SignalingServer[] = [];
const clients: TestClient[] = [];

/** A server on 127.0.0.1 and a free port, closed by `cleanUp`. */
export async function serve(options: SignalingServerInit = {}): Promise<{ server: SignalingServer; url: string }> {
  const server = new SignalingServer({ port: 0, host: '127.0.0.1', ...options });
  servers.push(server);
  return { server, url: await server.start() };
}

/** Closes `server` in `cleanUp` too (one made with other options, e.g. on a shared HTTP server). */
export function track(server: SignalingServer): SignalingServer {
  servers.push(server);
  return server;
}

/** A connected TestClient, terminated by `cleanUp`. */
export async function client(url: string, options: ClientOptions = {}): Promise<TestClient> {
  const c = await TestClient.connect(url, options);
  clients.push(c);
  return c;
}

export async function joined(url: string, room: string, role: 'sender' | 'receiver', token?: string): Promise<{ c: TestClient; id: string }> {
  const c = await client(url);
  c.send({ type: 'join', room, role, ...(token === undefined ? {} : { token }) });
  const j = await c.next('joined');
  return { c, id: j.id };
}

/** For afterEach: terminates every client and closes every server these helpers made. */
export async function cleanUp(): Promise<void> {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
}
