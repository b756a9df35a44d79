import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type InlineConfig } from 'vite';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PAGES_DIR = join(ROOT, 'test/.out/pages');

/** Newest modification time of a file, or of any file below a folder. */
function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

export interface CachedBuild {
  /** Files and folders (relative to the repo root) whose change makes the build stale. */
  readonly sources: readonly string[];
  /** Vite config file, relative to the repo root. */
  readonly configFile: string;
  readonly outDir: string;
  /** A file (relative to outDir) that a complete build always has. */
  readonly marker: string;
  readonly overrides?: InlineConfig;
}

/**
 * Runs a Vite build unless an up-to-date one exists. Spec files run in parallel processes: a lock directory
 * (`<outDir>.lock`) makes the second one wait for the first one's build instead of racing it, and a stamp
 * (`<outDir>.stamp`) records the newest source time that was built.
 */
export async function buildOnce(spec: CachedBuild): Promise<string> {
  const lock = `${spec.outDir}.lock`;
  const stamp = `${spec.outDir}.stamp`;
  const sources = Math.max(...spec.sources.map((s) => newestMtime(join(ROOT, s))));
  mkdirSync(dirname(spec.outDir), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 240_000) throw new Error(`stale lock ${lock}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const built = existsSync(stamp) ? Number(readFileSync(stamp, 'utf8')) : 0;
    if (built < sources || !existsSync(join(spec.outDir, spec.marker))) {
      await build({ configFile: join(ROOT, spec.configFile), ...spec.overrides });
      writeFileSync(stamp, String(sources));
    }
  } finally {
    rmdirSync(lock);
  }
  return spec.outDir;
}

/** The browser specs' test pages (vite.browser.config.ts writes them to PAGES_DIR). */
export function ensurePagesBuilt(): Promise<string> {
  return buildOnce({ sources: ['src', 'test/browser/pages', 'vite.browser.config.ts'], configFile: 'vite.browser.config.ts', outDir: PAGES_DIR, marker: 'receiver.html' });
}
