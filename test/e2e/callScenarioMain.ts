import { reportResult } from '../../scripts/netns.js';
import { runCallScenario, SCENARIO_RESULT, type ScenarioOptions } from './callScenario.js';

/** Child process entry: the e2e test runs this inside its own network namespace. */
const options = JSON.parse(process.argv[2] ?? '{}') as ScenarioOptions;
reportResult(SCENARIO_RESULT, () => runCallScenario(options));
