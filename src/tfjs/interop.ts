// TensorFlow.js LayersModel files (model.json + weights.bin) in Node: fileHandler, the tf.io
// IOHandler plain tfjs lacks in Node (tfjs-node has file://, tfjs only http(s) and browser
// storage), and simdnet networks to and from such files. It writes what tfjs-node's file handler
// writes: model.json holding the topology and a weightsManifest with one group whose single file,
// weights.bin, is the weight data; it reads any number of groups and shards. In memory and in
// browsers: artifacts.ts.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { SimdnetError } from '../errors.js';
import type { Network } from '../network.js';
import type { Runtime } from '../runtime.js';
import { joinWeightData, layersModelHandler, modelArtifactsInfo, networkFromModelArtifacts } from './artifacts.js';
import { MODEL_JSON, WEIGHTS_BIN, checkWeightBytes, type WeightsManifestGroup } from './layers-format.js';

export * from './layers-format.js';
export * from './artifacts.js';

/** The model.json and weight file paths fileHandler(location) writes: `location` is a directory, or the .json path itself. */
function savePaths(location: string): { modelJson: string; weights: string } {
  if (!location.toLowerCase().endsWith('.json'))
    return { modelJson: path.join(location, MODEL_JSON), weights: path.join(location, WEIGHTS_BIN) };
  const stem = path.basename(location).slice(0, -'.json'.length);
  // model.json keeps tfjs-node's weights.bin; another name gets its own weights beside it.
  return {
    modelJson: location,
    weights: path.join(path.dirname(location), stem === 'model' ? WEIGHTS_BIN : `${stem}.weights.bin`),
  };
}

async function readOrThrow(file: string, what: string): Promise<Uint8Array> {
  try {
    const bytes = await readFile(file);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SimdnetError(
      'DATA_NOT_FOUND',
      `cannot read ${what} ${file}${code === 'ENOENT' ? ': no such file' : `: ${(err as Error).message}`}`,
      {
        cause: err,
      },
    );
  }
}

function invalid(modelPath: string, what: string): SimdnetError {
  return new SimdnetError('MODEL_INVALID', `${modelPath} is not a valid tfjs model.json: ${what}`);
}

/** The weightsManifest of a parsed model.json, its structure checked. */
function manifestOf(json: Record<string, unknown>, modelPath: string): WeightsManifestGroup[] {
  const manifest = json.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw invalid(modelPath, 'weightsManifest is not an array');
  manifest.forEach((group: unknown, g: number) => {
    const { paths, weights } = (group ?? {}) as Partial<WeightsManifestGroup>;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && p !== ''))
      throw invalid(modelPath, `weightsManifest[${g}].paths is not a list of file names`);
    for (const p of paths) {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p) || path.isAbsolute(p)) {
        throw new SimdnetError(
          'MODEL_UNSUPPORTED',
          `${modelPath}: weight path ${JSON.stringify(p)} is not relative to model.json; simdnet reads weight files beside it`,
        );
      }
    }
    if (
      !Array.isArray(weights) ||
      !weights.every(
        (w) =>
          typeof w?.name === 'string' &&
          typeof w.dtype === 'string' &&
          Array.isArray(w.shape) &&
          w.shape.every((d) => Number.isInteger(d) && d >= 0),
      )
    ) {
      throw invalid(
        modelPath,
        `weightsManifest[${g}].weights needs a name, a dtype and a shape of integers for each weight`,
      );
    }
  });
  return manifest as WeightsManifestGroup[];
}

/** The model.json fileHandler(location) reads: `location`/model.json for a directory, else `location`. */
async function loadPath(location: string): Promise<string> {
  try {
    if ((await stat(location)).isDirectory()) return path.join(location, MODEL_JSON);
  } catch {
    // readOrThrow reports the missing path.
  }
  return location;
}

/** What model.json and ModelArtifacts hold alike, copied as it is (the weights go their own ways). */
const MODEL_JSON_FIELDS = [
  'modelTopology',
  'format',
  'generatedBy',
  'convertedBy',
  'trainingConfig',
  'signature',
  'userDefinedMetadata',
  'modelInitializer',
  'initializerSignature',
] as const satisfies ReadonlyArray<keyof io.ModelJSON & keyof io.ModelArtifacts>;
type ModelJsonFields = Pick<io.ModelJSON, (typeof MODEL_JSON_FIELDS)[number]>;

function modelJsonFields(source: ModelJsonFields): ModelJsonFields {
  return Object.fromEntries(MODEL_JSON_FIELDS.map((key) => [key, source[key]])) as ModelJsonFields;
}

async function loadFiles(location: string): Promise<io.ModelArtifacts> {
  const modelPath = await loadPath(location);
  const text = new TextDecoder().decode(await readOrThrow(modelPath, 'tfjs model'));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SimdnetError(
      'MODEL_INVALID',
      `${modelPath} is not a valid tfjs model.json: it is not JSON (${(err as Error).message})`,
      {
        cause: err,
      },
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw invalid(modelPath, 'the top level is not a JSON object');
  const record = json as Record<string, unknown>;
  if (record.modelTopology === undefined) throw invalid(modelPath, 'it has no modelTopology');
  const manifest = manifestOf(record, modelPath);
  const base = path.dirname(modelPath);
  const shards = (
    await Promise.all(
      manifest.map(async (group) => {
        const files = await Promise.all(group.paths.map((p) => readOrThrow(path.join(base, p), 'weight file')));
        checkWeightBytes(
          modelPath,
          group,
          files.reduce((n, f) => n + f.length, 0),
        );
        return files;
      }),
    )
  ).flat();
  const weightData = new Uint8Array(shards.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const file of shards) {
    weightData.set(file, at);
    at += file.length;
  }
  return {
    ...modelJsonFields(json as io.ModelJSON),
    weightSpecs: manifest.flatMap((group) => group.weights as io.WeightsManifestEntry[]),
    weightData: weightData.buffer,
  };
}

async function saveFiles(location: string, artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new SimdnetError(
      'MODEL_UNSUPPORTED',
      `cannot save to ${location}: the model's topology is binary (a GraphDef); fileHandler writes layers models as JSON`,
    );
  }
  const files = savePaths(location);
  const modelJson: io.ModelJSON = {
    ...modelJsonFields(artifacts as io.ModelJSON),
    weightsManifest: [{ paths: [path.basename(files.weights)], weights: artifacts.weightSpecs ?? [] }],
  };
  try {
    await mkdir(path.dirname(files.modelJson), { recursive: true });
    await writeFile(
      files.weights,
      artifacts.weightData === undefined ? new Uint8Array(0) : joinWeightData(artifacts.weightData),
    );
    // Written last: a model.json is there only once its weights are.
    await writeFile(files.modelJson, `${JSON.stringify(modelJson)}\n`);
  } catch (err) {
    throw new SimdnetError(
      'SAVE_FAILED',
      `cannot save the tfjs model to ${files.modelJson}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return { modelArtifactsInfo: modelArtifactsInfo(artifacts) };
}

/**
 * A tf.io.IOHandler on files, for tfjs in plain Node. `location` is a directory (model.json and
 * weights.bin in it; save creates it) or a .json path (its weights beside it: weights.bin for
 * model.json, <name>.weights.bin otherwise). `model.save(fileHandler(dir))` and
 * `tf.loadLayersModel(fileHandler(dir))` work with any LayersModel; files that are missing or
 * malformed are a SimdnetError naming the file.
 */
export function fileHandler(location: string): io.IOHandler {
  if (typeof location !== 'string' || location === '')
    throw new TypeError(`fileHandler: location must be a non-empty path, got ${JSON.stringify(location)}`);
  return { load: () => loadFiles(location), save: (artifacts) => saveFiles(location, artifacts) };
}

/** Writes `net` as `dir`/model.json and `dir`/weights.bin (creating dir; a .json path as fileHandler takes it). Returns the two paths. */
export async function exportLayersModel(net: Network, dir: string): Promise<{ modelJson: string; weights: string }> {
  const artifacts = await layersModelHandler(net).load!();
  await fileHandler(dir).save!(artifacts);
  return savePaths(dir);
}

/** Reads a tfjs layers model from a directory holding model.json, or from the model.json path. */
export async function importLayersModel(runtime: Runtime, dirOrModelJsonPath: string): Promise<Network> {
  const artifacts = await fileHandler(dirOrModelJsonPath).load!();
  return networkFromModelArtifacts(runtime, artifacts, await loadPath(dirOrModelJsonPath));
}
