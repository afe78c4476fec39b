// Files a command writes (--save, --plot, --report) go into an existing directory: checked before
// the work starts, so a typo costs a message rather than a finished run.
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SimdnetError } from '../errors.js';

export async function checkOutputDirectory(file: string, what: string): Promise<void> {
  const dir = dirname(resolve(file));
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    /* reported below */
  }
  if (!isDir)
    throw new SimdnetError('SAVE_FAILED', `cannot save ${what} to ${file}: the directory ${dir} does not exist`);
}
