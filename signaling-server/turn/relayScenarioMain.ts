import { runRelayScenario } from './relayScenario.js';

/** Child-process entry (run inside a network namespace by relay.test.ts): prints one RELAY_RESULT line. */
runRelayScenario().then(
  (report) => {
    process.stdout.write(`RELAY_RESULT ${JSON.stringify(report)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
