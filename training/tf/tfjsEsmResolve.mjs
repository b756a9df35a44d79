// Node ESM resolve hook: tfjs-core ships its per-kernel gradients only as ES modules with extensionless
// relative imports ('./gradients/Abs_grad'), which Node's ESM loader refuses. Inside tfjs-core's dist
// folder, an extensionless relative specifier resolves to the '.js' file next to it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (specifier.startsWith('.') && !/\.[cm]?js$/.test(specifier) && parent.includes('/@tensorflow/tfjs-core/dist/')) {
    const url = new URL(`${specifier}.js`, parent);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true, format: 'module' };
  }
  return next(specifier, context);
}
