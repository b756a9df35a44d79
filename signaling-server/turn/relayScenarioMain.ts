import { reportResult } from '../../scripts/netns.js';
import { runRelayScenario } from './relayScenario.js';

/** Child-process entry, run inside a network namespace by relay.test.ts. */
reportResult('RELAY_RESULT', () => runRelayScenario());
