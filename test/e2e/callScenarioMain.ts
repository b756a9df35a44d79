import { runCallScenario, type ScenarioOptions } from './callScenario.js';

/** Child process entry: the e2e test runs this inside its own network namespace. */
const RESULT_PREFIX = 'SCENARIO_RESULT ';

const options = JSON.parse(process.argv[2] ?? '{}') as ScenarioOptions;
runCallScenario(options).then(
  (report) => {
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(report)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  },
);
