import { describe, expect, it } from 'vitest';
import { LIMITS, parseClientMessage, validateClientMessage } from './protocol.js';

describe('parseClientMessage', () => {
  it('accepts each well-formed message type and returns exactly its fields', () => {
    expect(parseClientMessage('{"type":"join","room":"r-1","role":"sender","token":"a.b"}')).toEqual({ ok: true, message: { type: 'join', room: 'r-1', role: 'sender', token: 'a.b' } });
    expect(parseClientMessage('{"type":"offer","to":"abc","sdp":"v=0"}')).toEqual({ ok: true, message: { type: 'offer', to: 'abc', sdp: 'v=0' } });
    expect(parseClientMessage('{"type":"answer","to":"abc","sdp":"v=0"}')).toEqual({ ok: true, message: { type: 'answer', to: 'abc', sdp: 'v=0' } });
    expect(parseClientMessage('{"type":"candidate","to":"abc","candidate":null}')).toEqual({ ok: true, message: { type: 'candidate', to: 'abc', candidate: null } });
    expect(parseClientMessage('{"type":"candidate","to":"abc","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}'))
      .toEqual({ ok: true, message: { type: 'candidate', to: 'abc', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } } });
    expect(parseClientMessage('{"type":"leave"}')).toEqual({ ok: true, message: { type: 'leave' } });
  });

  it('rejects invalid JSON with bad_json', () => {
    expect(parseClientMessage('{"type":')).toMatchObject({ ok: false, code: 'bad_json' });
  });

  it.each([
    ['null', 'must be a JSON object'],
    ['[1]', 'must be a JSON object'],
    ['{"type":"dance"}', 'unknown message type "dance"'],
    ['{"room":"a"}', 'unknown message type null'],
    ['{"type":"join","room":"a b","role":"sender"}', '"room" may only contain'],
    ['{"type":"join","room":"","role":"sender"}', '"room" must be 1..64'],
    ['{"type":"join","room":"a","role":"boss"}', '"role" must be "sender" or "receiver"'],
    ['{"type":"join","room":"a","role":"sender","extra":1}', 'unknown field "extra"'],
    ['{"type":"offer","to":"x"}', '"sdp" must be a string'],
    ['{"type":"offer","to":5,"sdp":"v"}', '"to" must be a string'],
    ['{"type":"candidate","to":"x"}', '"candidate" is required'],
    ['{"type":"candidate","to":"x","candidate":{"candidate":"c","sdpMLineIndex":-1}}', 'sdpMLineIndex must be an integer'],
    ['{"type":"candidate","to":"x","candidate":{"candidate":7}}', 'candidate.candidate must be a string'],
    ['{"type":"leave","room":"a"}', 'unknown field "room"'],
  ])('rejects %s with a message naming the problem', (text, fragment) => {
    expect(parseClientMessage(text)).toMatchObject({ ok: false, code: 'bad_message', message: expect.stringContaining(fragment) as string });
  });

  it('enforces the SDP size limit', () => {
    const sdp = 'x'.repeat(LIMITS.sdp + 1);
    expect(validateClientMessage({ type: 'offer', to: 'a', sdp })).toMatchObject({ ok: false, code: 'bad_message' });
    expect(validateClientMessage({ type: 'offer', to: 'a', sdp: sdp.slice(1) }).ok).toBe(true);
  });
});
