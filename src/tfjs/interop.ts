// simdnet networks to and from TensorFlow.js LayersModel files (model.json + weights.bin) in Node.
// The format itself, browser-safe, is in layers-format.ts; this module adds the file system.
//
// tfjs reads what exportLayersModel writes with tf.loadLayersModel(url) over http(s), or with
// tf.io.fromMemory / a custom IOHandler (plain tfjs has no file:// handler; tfjs-node does).
// importLayersModel reads what tfjs writes through a handler that stores model.json and the
// weight shards the way tfjs-node's file:// handler does.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeCheckpoint } from '../checkpoint.js';
import { SimdnetError } from '../errors.js';
import { Network } from '../network.js';
import type { Runtime } from '../runtime.js';
import { MODEL_JSON, WEIGHTS_BIN, decodeLayersModelWeights, parseLayersModelJson, toLayersModel, type LayersModelArtifacts } from './layers-format.js';

export * from './layers-format.js';

/** model.json and weights.bin for `net`, in memory. */
export function networkToLayersModel(net: Network, options: { name?: string } = {}): LayersModelArtifacts {
  return toLayersModel(net.layers, net.getParameters(), options);
}

/** A network with the widths and weights of a parsed model.json and its weight files. */
export function networkFromLayersModel(runtime: Runtime, modelJson: unknown, files: readonly Uint8Array[], source = MODEL_JSON): Network {
  const plan = parseLayersModelJson(modelJson, source);
  const params = decodeLayersModelWeights(plan, files);
  return Network.fromBytes(runtime, encodeCheckpoint(plan.layers, params), source);
}

/** Writes `dir`/model.json and `dir`/weights.bin (creating dir). Returns the two paths. */
export async function exportLayersModel(net: Network, dir: string): Promise<{ modelJson: string; weights: string }> {
  const { modelJson, weightData } = networkToLayersModel(net);
  await mkdir(dir, { recursive: true });
  const files = { modelJson: path.join(dir, MODEL_JSON), weights: path.join(dir, WEIGHTS_BIN) };
  await writeFile(files.weights, weightData);
  await writeFile(files.modelJson, `${JSON.stringify(modelJson)}\n`);
  return files;
}

async function readOrThrow(file: string, what: string): Promise<Uint8Array> {
  try {
    const bytes = await readFile(file);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SimdnetError('DATA_NOT_FOUND', `cannot read ${what} ${file}${code === 'ENOENT' ? ': no such file' : `: ${(err as Error).message}`}`, { cause: err });
  }
}

/** Reads a tfjs layers model from a directory holding model.json, or from the model.json path. */
export async function importLayersModel(runtime: Runtime, dirOrModelJsonPath: string): Promise<Network> {
  let modelPath = dirOrModelJsonPath;
  try {
    if ((await stat(modelPath)).isDirectory()) modelPath = path.join(modelPath, MODEL_JSON);
  } catch {
    // readOrThrow reports the missing path.
  }
  const text = new TextDecoder().decode(await readOrThrow(modelPath, 'tfjs model'));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SimdnetError('MODEL_INVALID', `${modelPath} is not a valid tfjs layers model: it is not JSON (${(err as Error).message})`, { cause: err });
  }
  const plan = parseLayersModelJson(json, modelPath);
  const base = path.dirname(modelPath);
  const files = await Promise.all(plan.paths.map((p) => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p) || path.isAbsolute(p)) {
      throw new SimdnetError('MODEL_UNSUPPORTED', `${modelPath}: weight path ${JSON.stringify(p)} is not relative to model.json; simdnet reads weight files beside it`);
    }
    return readOrThrow(path.join(base, p), 'weight file');
  }));
  const params = decodeLayersModelWeights(plan, files);
  return Network.fromBytes(runtime, encodeCheckpoint(plan.layers, params), modelPath);
}
