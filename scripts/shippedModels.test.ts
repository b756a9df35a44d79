import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { redirectingFetch } from '../src/worker/fileUrls.js';
import { packageFilesWithModels, readPackageFiles, renderShippedModule, SHIPPED_MODULE, shippedModelFiles } from './shippedModels.js';

const MODELS = fileURLToPath(new URL('../models/', import.meta.url));

describe('npm run models:shipped', () => {
  it('the committed src/sdk/shippedModels.ts lists every file of the fast and quality models (rerun it after models:index)', () => {
    const files = shippedModelFiles(MODELS);
    expect(readFileSync(SHIPPED_MODULE, 'utf8')).toBe(renderShippedModule(files));
    expect(files).toContain('tiny/group1-shard1of1.bin');
    expect(files.some((f) => f.startsWith('paper'))).toBe(false);
    expect(readPackageFiles()).toEqual(packageFilesWithModels(readPackageFiles(), files));
  });

  it("the worker's redirecting fetch swaps listed URLs and passes the rest through", async () => {
    const seen: string[] = [];
    const inner = ((input: Parameters<typeof fetch>[0]) => {
      seen.push(input instanceof Request ? input.url : input instanceof URL ? input.href : input);
      return Promise.resolve(new Response('x'));
    }) as typeof fetch;
    const f = redirectingFetch(inner, { 'http://a.test/models/tiny/model.json': 'data:application/json,{}' });
    await f('http://a.test/models/tiny/model.json');
    await f(new URL('http://a.test/models/tiny/model.json'));
    await f('http://a.test/models/index.json');
    expect(seen).toEqual(['data:application/json,{}', 'data:application/json,{}', 'http://a.test/models/index.json']);
  });
});
