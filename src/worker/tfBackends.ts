import * as tf from '@tensorflow/tfjs-core';

/**
 * Drops a backend (and its factory) if registered. tf.findBackend() would instantiate a registered factory
 * as a side effect, so the registry is consulted directly.
 */
export function unregisterBackend(name: string): void {
  if (name in tf.engine().registryFactory) tf.removeBackend(name);
}
