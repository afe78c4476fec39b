// Checkpoint files in Node. save() is atomic: it writes a temporary file beside the target, flushes
// it to disk and renames it over, so a crash or a failed write never destroys the previous
// checkpoint; a failed save removes its temporary file.
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SimdnetError } from './errors.js';
import { Network } from './network.js';
import type { Runtime } from './runtime.js';

let saves = 0;

/** Writes `net` as a checkpoint at `path`; any failure is a SimdnetError SAVE_FAILED and leaves `path` as it was. */
export async function saveNetwork(net: Network, path: string): Promise<void> {
  if (!(net instanceof Network)) throw new TypeError('saveNetwork: net must be a Network');
  if (typeof path !== 'string' || path === '')
    throw new TypeError(`saveNetwork: path must be a non-empty string, got ${JSON.stringify(path)}`);
  const bytes = net.toBytes();
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${saves++}.tmp`);
  try {
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync(); // the bytes are on disk before the rename makes them the checkpoint
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true }).catch(() => {});
    throw new SimdnetError(
      'SAVE_FAILED',
      `cannot save the checkpoint to ${path}: ${(err as Error).message}; ${path} was left as it was`,
      {
        cause: err,
      },
    );
  }
}

export async function loadNetwork(runtime: Runtime, path: string): Promise<Network> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new SimdnetError('DATA_NOT_FOUND', `cannot read checkpoint ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return Network.fromBytes(runtime, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}
