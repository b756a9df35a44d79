import { describe, expect, it } from 'vitest';
import { candidateAddress, isLoopbackCandidate, keepLoopbackCandidates } from './candidates.js';

describe('loopback candidate filter', () => {
  const lo = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0';
  const lan = 'candidate:2 1 udp 2122260223 198.51.100.5 50001 typ host generation 0';
  const mdns = 'candidate:3 1 udp 2122260223 0b6c2c7e-1.local 50002 typ host';

  it('reads the address field', () => {
    expect(candidateAddress(lo)).toBe('127.0.0.1');
    expect(candidateAddress(`a=${lan}`)).toBe('198.51.100.5');
    expect(candidateAddress('candidate:broken')).toBeUndefined();
  });

  it('keeps only 127.0.0.1 candidates', () => {
    expect([lo, lan, mdns, ''].map(isLoopbackCandidate)).toEqual([true, false, false, false]);
    const sdp = ['v=0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', `a=${lo}`, `a=${lan}`, `a=${mdns}`, 'a=end-of-candidates', ''].join('\r\n');
    expect(keepLoopbackCandidates(sdp)).toBe(['v=0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', `a=${lo}`, 'a=end-of-candidates', ''].join('\r\n'));
  });
});
