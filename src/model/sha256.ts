/** Lowercase hex SHA-256 through WebCrypto: the same code in Node 20, pages and workers, no dependency. */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  // digest() rejects views of a SharedArrayBuffer; copy those.
  const bytes = data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
