import { reportResult } from '../../scripts/netns.js';
import { runMediasoupPages } from './browserScenario.js';

/** Child-process entry, run inside a network namespace by pages.test.ts: argv = pages dir, .y4m file. */
const [pagesDir = '', y4m = ''] = process.argv.slice(2);
reportResult('MEDIASOUP_PAGES', () => runMediasoupPages(pagesDir, y4m));
