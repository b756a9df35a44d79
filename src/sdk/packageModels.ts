import { DEFAULT_MODEL_BASE_URL } from './options.js';
import { SHIPPED_MODEL_FILES } from './shippedModels.js';

/**
 * Where the worker really fetches the package's own model files. With the default `modelBaseUrl`, the
 * worker resolves `index.json` and every model file against that folder as usual, but a bundler has moved
 * each file to a URL of its own (Vite build: hashed names or data: URLs; webpack: hashed names); this maps
 * each resolved URL to the bundler's. Empty for any other `modelBaseUrl` (the app hosts the folder itself).
 */
export function packageModelUrls(resolvedBaseUrl: string): Record<string, string> {
  if (resolvedBaseUrl !== DEFAULT_MODEL_BASE_URL) return {};
  const urls: Record<string, string> = {};
  for (const [path, url] of Object.entries(SHIPPED_MODEL_FILES)) {
    const logical = new URL(path, DEFAULT_MODEL_BASE_URL).href;
    if (logical !== url) urls[logical] = url;
  }
  return urls;
}
