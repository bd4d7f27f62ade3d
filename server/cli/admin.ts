import path from 'node:path';
import { describeError } from '../http/logger';
import { runAdmin } from './admin-commands';
import { promptHidden } from './prompt';

/** Entry point of `npm run admin -- <command>`; see admin-commands.ts. */
const dataDir = path.resolve(process.env.OUTPOST_DATA_DIR || './data');

runAdmin(process.argv.slice(2), dataDir, { out: (line) => console.log(line), askPassword: promptHidden }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`Failed: ${describeError(err)}`);
    process.exitCode = 1;
  }
);
