// The user's npm, for tests that pack and install the package. Under `npm test`, PATH starts with
// node_modules/.bin, where a dependency of as-pect (npm-install-peers) puts npm 6, which lacks
// --pack-destination and reports packs differently: skip node_modules/.bin directories.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function usersNpm(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '' || dir.split(path.sep).includes('node_modules')) continue;
    const candidate = path.join(dir, 'npm');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return 'npm';
}

export function npm(args: string[], options: { cwd: string }): Promise<{ stdout: string; stderr: string }> {
  return run(usersNpm(), args, { ...options, maxBuffer: 16 << 20 });
}
