import { reportResult } from '../../scripts/netns.js';
import { RESOLUTION_RESULT, runResolutionScenario, type ResolutionOptions } from './resolutionScenario.js';

/** Child process entry: resolution.test.ts runs this inside its own network namespace. */
const options = JSON.parse(process.argv[2] ?? '{}') as ResolutionOptions;
reportResult(RESOLUTION_RESULT, () => runResolutionScenario(options));
