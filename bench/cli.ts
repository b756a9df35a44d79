import { adaptMain, ADAPT_HELP } from './adaptGain.js';
import { bandwidthMain, BANDWIDTH_HELP } from './bandwidthCli.js';
import { qualityMain, QUALITY_HELP } from './qualityCli.js';
import { rescoreMain, RESCORE_HELP } from './rescoreCalls.js';
import { speedMain, SPEED_HELP } from './speedCli.js';

const USAGE = `npm run bench -- <speed|quality|bandwidth|rescore-calls|adapt> [options]   (or npm run bench:<name>)

${SPEED_HELP}

${QUALITY_HELP}

${BANDWIDTH_HELP}

${RESCORE_HELP}

${ADAPT_HELP}`;

async function main(argv: readonly string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'bandwidth':
      await bandwidthMain(rest);
      return;
    case 'speed':
      await speedMain(rest);
      return;
    case 'quality':
      await qualityMain(rest);
      return;
    case 'adapt':
      await adaptMain(rest);
      return;
    case 'rescore-calls':
      await rescoreMain(rest);
      return;
    default:
      console.error(USAGE);
      process.exitCode = cmd === undefined || cmd === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  process.exitCode = 1;
});
