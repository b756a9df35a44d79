/**
 * The `swiftsr/worker` entry: the wire protocol's types, and the worker script's URL for apps whose
 * bundler needs it spelled out (pass it as the receiver's `workerUrl` option).
 */
export * from './protocol.js';

export const WORKER_URL: string = new URL('./sr.worker.js', import.meta.url).href;
