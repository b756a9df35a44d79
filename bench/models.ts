import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson, parseSwiftSRMeta, type SwiftSRMeta } from '../src/model/manifest.js';
import { countMacs } from '../src/model/variants.js';
import { REPO_ROOT } from './paths.js';

export const MODELS_DIR = join(REPO_ROOT, 'models');

export interface ShippedModel {
  /** Directory name under models/. */
  readonly name: string;
  readonly dir: string;
  readonly meta: SwiftSRMeta;
}

/** Reads models/<name>/swiftsr.json for each name (default: every model directory), optionally of one scale. */
export function shippedModels(opts: { names?: readonly string[]; scale?: number; dir?: string } = {}): ShippedModel[] {
  const root = opts.dir ?? MODELS_DIR;
  const names = opts.names ?? (existsSync(root) ? readdirSync(root).filter((n) => existsSync(join(root, n, 'swiftsr.json'))).sort() : []);
  return names
    .map((name) => {
      const dir = name.includes('/') ? name : join(root, name);
      const file = join(dir, 'swiftsr.json');
      if (!existsSync(file)) throw new RangeError(`model '${name}': ${file} does not exist`);
      return { name: name.split('/').filter(Boolean).at(-1) ?? name, dir, meta: parseSwiftSRMeta(parseJson(readFileSync(file, 'utf8'), file)) };
    })
    .filter((m) => opts.scale === undefined || m.meta.scale === opts.scale);
}

/** Multiply-accumulates per frame, and the FLOPs (2 per MAC) that "GFLOP/s" counts. */
export function macsPerFrame(m: ShippedModel, width: number, height: number): number {
  return countMacs(m.meta.config, width, height);
}
