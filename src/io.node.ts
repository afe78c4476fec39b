// Checkpoint files in Node. save() is atomic: it writes a temporary file beside the target and
// renames it over, so a crash mid-save never destroys the previous checkpoint.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SimdnetError } from './errors.js';
import { Network } from './network.js';
import type { Runtime } from './runtime.js';

export async function saveNetwork(net: Network, path: string): Promise<void> {
  const bytes = net.toBytes();
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}

export async function loadNetwork(runtime: Runtime, path: string): Promise<Network> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new SimdnetError('DATA_NOT_FOUND', `cannot read checkpoint ${path}: ${(err as Error).message}`, { cause: err });
  }
  return Network.fromBytes(runtime, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}
