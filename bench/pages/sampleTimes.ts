/**
 * Timed runs after the warm-up: at least one, then until `iterations` samples or `budgetMs` of wall time,
 * whichever comes first (a slow cell on SwiftShader still reports one sample). Each result is disposed.
 */
export async function sampleTimes(once: () => Promise<[number, { dispose(): void }]>, iterations: number, budgetMs: number): Promise<number[]> {
  const samplesMs: number[] = [];
  const start = performance.now();
  while (samplesMs.length < iterations && (samplesMs.length === 0 || performance.now() - start < budgetMs)) {
    const [ms, result] = await once();
    result.dispose();
    samplesMs.push(ms);
  }
  return samplesMs;
}
