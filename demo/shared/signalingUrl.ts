/** Where a page's `?signaling=` URL points, relative to the page that opens it. */
export type SignalingTarget = 'same-origin' | 'loopback' | 'foreign';

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

/**
 * Classifies the signaling URL a page is about to connect to. A crafted link can carry any `?signaling=`,
 * and the signaling server learns the page's peers and steers its WebRTC negotiation, so pages connect to
 * their own origin or to this machine only, and ask before anything else (`confirmSignalingUrl`).
 */
export function classifySignalingUrl(url: string, pageOrigin: string): SignalingTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`signaling URL is not a URL (${url.length} characters)`);
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new TypeError(`signaling URL must use ws: or wss:, got ${u.protocol}`);
  if (u.username !== '' || u.password !== '') throw new TypeError('signaling URL must not carry credentials');
  if (u.origin === pageOrigin.replace(/^http/, 'ws')) return 'same-origin';
  if (LOOPBACK_HOSTS.has(u.hostname) || /^127(\.\d{1,3}){3}$/.test(u.hostname)) return 'loopback';
  return 'foreign';
}

/** Throws unless the URL is same-origin or loopback, or the user confirms the foreign host by name. */
export function confirmSignalingUrl(url: string, pageOrigin: string, confirm: (question: string) => boolean): void {
  if (classifySignalingUrl(url, pageOrigin) !== 'foreign') return;
  const host = new URL(url).host;
  if (!confirm(`This link connects the page to the signaling server at ${host}, which is not this site. That server sees who joins and negotiates the video connection. Connect anyway?`)) {
    throw new Error(`signaling server ${host} refused by the user (not this site, not loopback)`);
  }
}
