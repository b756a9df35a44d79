/**
 * Side-effect import for training: registers TF.js's gradient functions. tfjs-core does not register them
 * itself, and its `dist/register_all_gradients.js` cannot be imported under plain Node ESM (extensionless
 * relative imports); tfjs-layers' entry registers the same set and loads in Node, vitest and bundlers. The
 * generator itself never uses tfjs-layers. Runtime code does not need this module.
 */
import '@tensorflow/tfjs-layers';
