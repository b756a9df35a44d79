import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifySignalingUrl, confirmSignalingUrl } from '../demo/shared/signalingUrl.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.(ts|html)$/.test(e.name) ? [p] : [];
  });
}

describe('demo pages (red team #10)', () => {
  it('no demo page writes markup from strings (peer ids come from the signaling server)', () => {
    const offenders = sources('demo').filter((f) => /\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('classifies ?signaling= URLs: same origin, loopback, or foreign', () => {
    const page = 'http://127.0.0.1:8080';
    expect(classifySignalingUrl('ws://127.0.0.1:8080/ws', page)).toBe('same-origin');
    expect(classifySignalingUrl('wss://app.example/ws', 'https://app.example')).toBe('same-origin');
    expect(classifySignalingUrl('ws://127.0.0.1:9999/', page)).toBe('loopback');
    expect(classifySignalingUrl('ws://localhost:1/', page)).toBe('loopback');
    expect(classifySignalingUrl('ws://[::1]:1/', page)).toBe('loopback');
    expect(classifySignalingUrl('wss://evil.example/ws', page)).toBe('foreign');
    expect(classifySignalingUrl('ws://127.0.0.1.evil.example/ws', page)).toBe('foreign');
    expect(classifySignalingUrl('ws://app.example/ws', 'https://app.example')).toBe('foreign');
    expect(() => classifySignalingUrl('javascript:alert(1)', page)).toThrow(TypeError);
    expect(() => classifySignalingUrl('ws://u:p@127.0.0.1/', page)).toThrow(TypeError);
    expect(() => classifySignalingUrl('not a url', page)).toThrow(TypeError);
  });

  it('connects to a foreign signaling server only when the user confirms it by host name', () => {
    const questions: string[] = [];
    const ask = (answer: boolean) => (q: string): boolean => { questions.push(q); return answer; };
    expect(() => confirmSignalingUrl('wss://evil.example:444/ws', 'http://127.0.0.1:8080', ask(false))).toThrow(/evil\.example:444 refused/);
    expect(questions[0]).toContain('evil.example:444');
    expect(() => confirmSignalingUrl('wss://evil.example:444/ws', 'http://127.0.0.1:8080', ask(true))).not.toThrow();
    confirmSignalingUrl('ws://127.0.0.1:9/ws', 'http://127.0.0.1:8080', ask(false));
    expect(questions).toHaveLength(2);
  });
});
