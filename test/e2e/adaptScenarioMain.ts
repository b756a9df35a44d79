import { reportResult } from '../../scripts/netns.js';
import { ADAPT_RESULT, runAdaptScenario, type AdaptOptions } from './adaptScenario.js';

/** Child process entry: the adaptation e2e test runs this inside its own network namespace. */
const options = JSON.parse(process.argv[2] ?? '{}') as AdaptOptions;
reportResult(ADAPT_RESULT, () => runAdaptScenario(options));
