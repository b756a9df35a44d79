import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Several evals of one model (one per dataset, run in parallel) update swiftsr.json one at a time. */
async function withLock(path: string, fn: () => Promise<void>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || i > 600) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

/** Stores one result under `metrics[key]` of the model's swiftsr.json (atomic rename, other keys kept). */
export async function writeMetrics(modelDir: string, key: string, entry: Record<string, unknown>): Promise<void> {
  const metaPath = join(modelDir, 'swiftsr.json');
  await withLock(`${metaPath}.lock`, async () => {
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { metrics?: Record<string, unknown> };
    meta.metrics = { ...(meta.metrics ?? {}), [key]: { ...entry, measuredAt: new Date().toISOString() } };
    const tmp = `${metaPath}.tmp-${process.pid}`;
    await writeFile(tmp, `${JSON.stringify(meta, null, 2)}\n`);
    await rename(tmp, metaPath);
  });
}
