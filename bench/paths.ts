import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
/** Research data lives beside the repo and is never copied into it. */
export const SHARED_DATASETS = resolve(REPO_ROOT, '..', 'shared', 'datasets');
export const DEFAULT_VIDEO = join(SHARED_DATASETS, 'video', 'video-1080p-60fps-2s.mp4');

export class MissingDataError extends Error {
  override readonly name = 'MissingDataError';
}

/** Fails with a message that says what is missing and how to point the bench elsewhere. */
export function requirePath(path: string, what: string, flag: string): string {
  if (!existsSync(path)) {
    throw new MissingDataError(`${what} not found at ${path}. The shared research data (../shared/datasets) is absent on this machine; pass ${flag} <path> to use your own.`);
  }
  return path;
}
