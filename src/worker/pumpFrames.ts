/**
 * Reads `readable` to its end, handing every frame to `onFrame`, then calls `onEnd` (the stream ended or
 * failed). Returns a stop function that cancels the read; `onEnd` still runs after a stop, and the caller
 * tells the two apart.
 */
export function pumpFrames<F>(readable: ReadableStream<F>, onFrame: (frame: F) => void, onEnd: () => void): () => void {
  const reader = readable.getReader();
  void (async () => {
    for (;;) {
      let result: ReadableStreamReadResult<F>;
      try {
        result = await reader.read();
      } catch {
        break;
      }
      if (result.done) break;
      onFrame(result.value);
    }
    onEnd();
  })();
  return () => void reader.cancel().catch(() => undefined);
}
