import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PAGES_DIR = join(ROOT, 'test/.out/pages');
const STAMP = join(ROOT, 'test/.out/pages.stamp');
const LOCK = join(ROOT, 'test/.out/pages.lock');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

/**
 * Builds the test pages with Vite unless an up-to-date build exists. Browser spec files run in parallel
 * processes: a lock directory makes the second one wait for the first one's build instead of racing it.
 */
export async function ensurePagesBuilt(): Promise<string> {
  const sources = Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'test/browser/pages')), statSync(join(ROOT, 'vite.browser.config.ts')).mtimeMs);
  mkdirSync(join(ROOT, 'test/.out'), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (waited > 240_000) throw new Error(`stale lock ${LOCK}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const built = existsSync(STAMP) ? Number(readFileSync(STAMP, 'utf8')) : 0;
    if (built < sources || !existsSync(join(PAGES_DIR, 'receiver.html'))) {
      await build({ configFile: join(ROOT, 'vite.browser.config.ts') });
      writeFileSync(STAMP, String(sources));
    }
  } finally {
    rmdirSync(LOCK);
  }
  return PAGES_DIR;
}
