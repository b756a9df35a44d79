/**
 * ICE candidate filtering shared by the SFU (Node) and the demo pages (browser). The tests and the
 * default demo keep all media on 127.0.0.1: WebRTC would otherwise pick the machine's LAN address,
 * and `.local` (mDNS) candidates would send multicast queries onto the LAN to resolve them.
 */

/** The connection address of an `a=candidate`/`candidate:` line, or undefined when malformed. */
export function candidateAddress(candidate: string): string | undefined {
  const parts = candidate.replace(/^a=/, '').trim().split(/\s+/);
  // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
  return parts.length >= 8 ? parts[4] : undefined;
}

export function isLoopbackCandidate(candidate: string): boolean {
  return candidateAddress(candidate) === '127.0.0.1';
}

/** Removes every `a=candidate` line whose address is not 127.0.0.1 from an SDP. */
export function keepLoopbackCandidates(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  return sdp
    .split(eol)
    .filter((line) => !line.startsWith('a=candidate:') || isLoopbackCandidate(line))
    .join(eol);
}
