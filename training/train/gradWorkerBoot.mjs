// Worker threads do not inherit tsx's loader hooks: load the TypeScript worker through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./gradWorker.ts', import.meta.url);
