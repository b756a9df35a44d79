import { setupBackend as setupInferenceBackend, type BackendName } from '../../eval/backend.js';
import { installGradients } from './gradients.js';

export { BACKENDS, BackendError, type BackendName } from '../../eval/backend.js';

/** The trainer's backend: the inference setup plus the gradients the wasm backend lacks. */
export async function setupBackend(name: BackendName): Promise<void> {
  await setupInferenceBackend(name);
  await installGradients();
}
