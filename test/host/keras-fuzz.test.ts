// Property tests of the Keras / tfjs LayersModel reader (src/tfjs/keras-format.ts): model.json
// objects with values deleted or replaced anywhere (by other JSON values, NaN, huge or negative
// numbers), weight files truncated, extended or bit-flipped, and arbitrary values in place of the
// whole model. Every result must either be a consistent model (each Dense layer has a kernel of
// inputs×units and a bias of units values, all finite) or a SimdnetError MODEL_INVALID /
// MODEL_UNSUPPORTED: never another exception. Bounded by count and time as fuzz.test.ts is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SimdnetError } from '../../src/errors.js';
import { decodeKerasWeights, parseKerasModelJson, type KerasModel } from '../../src/tfjs/keras-format.js';
import { keras2Mnist, keras3Functional, keras3Mnist, modelFiles } from './keras-fixtures.js';
import { Rng } from './reference.js';

const RUNS = 500;
const TIME_LIMIT_MS = 4000;
const options = { numRuns: RUNS, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)] };

function documented(e: unknown): void {
  if (!(e instanceof SimdnetError))
    throw new Error(`undocumented ${e instanceof Error ? e.name : typeof e}: ${String(e)}`, { cause: e });
  if (e.code !== 'MODEL_INVALID' && e.code !== 'MODEL_UNSUPPORTED')
    throw new Error(`undocumented code ${e.code}: ${e.message}`);
}

function consistent(model: KerasModel): void {
  for (const layer of model.layers) {
    if (layer.kind !== 'dense') continue;
    assert.equal(model.weights.get(`${layer.name}/kernel`)?.length, layer.inputs * layer.units, `${layer.name}/kernel`);
    if (layer.useBias) assert.equal(model.weights.get(`${layer.name}/bias`)?.length, layer.units, `${layer.name}/bias`);
  }
  for (const [name, values] of model.weights)
    assert.ok(values.every(Number.isFinite), `${name} holds a non-finite value`);
}

/** Every path (list of keys and indices) to a value inside `value`. */
function paths(
  value: unknown,
  prefix: Array<string | number> = [],
  out: Array<Array<string | number>> = [],
): Array<Array<string | number>> {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

const replacement = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    NaN,
    Infinity,
    -1,
    0,
    0.5,
    2 ** 31,
    2 ** 53,
    1e308,
    null,
    undefined,
    '',
    'float16',
    'Conv2D',
    'softmax',
    [],
    {},
    [null],
    [null, 0],
    [null, -3, 4],
  ),
);
const edit = fc.record({ at: fc.nat(), remove: fc.boolean(), value: replacement });
type Edit = { at: number; remove: boolean; value: unknown };

function applyEdits(model: unknown, edits: Edit[]): unknown {
  let copy = structuredClone(model);
  for (const e of edits) {
    const all = paths(copy);
    const path = all[e.at % all.length]!;
    // A copy: fast-check hands the same constant objects ([null, 0], {}…) to every run, and a later
    // edit of this model must not change them (it made cyclic "constants" in later runs).
    const value = structuredClone(e.value);
    if (path.length === 0) {
      copy = value;
      continue;
    }
    const parent = path.slice(0, -1).reduce((o: any, k) => o[k], copy); // eslint-disable-line @typescript-eslint/no-explicit-any
    const key = path[path.length - 1]!;
    if (e.remove && Array.isArray(parent)) parent.splice(key as number, 1);
    else if (e.remove) delete parent[key];
    else parent[key] = value;
  }
  return copy;
}

const byteEdit = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('extend' as const), bytes: fc.integer({ min: 1, max: 9 }) }),
  fc.record({
    kind: fc.constant('flip' as const),
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    mask: fc.integer({ min: 1, max: 255 }),
  }),
  fc.constant({ kind: 'none' as const }),
);
type ByteEdit = { kind: 'truncate' | 'extend' | 'flip' | 'none'; fraction?: number; bytes?: number; mask?: number };

function editBytes(bytes: Uint8Array, e: ByteEdit): Uint8Array {
  const at = Math.floor((e.fraction ?? 0) * bytes.length);
  switch (e.kind) {
    case 'truncate':
      return bytes.subarray(0, at);
    case 'extend': {
      const out = new Uint8Array(bytes.length + e.bytes!);
      out.set(bytes);
      return out;
    }
    case 'flip': {
      const out = bytes.slice();
      if (at < out.length) out[at]! ^= e.mask!;
      return out;
    }
    default:
      return bytes;
  }
}

/**
 * Parses, then hands the decoder one file per path the (edited) manifest names: the original files
 * in order (empty ones past their count), one of them edited by `be`.
 */
function read(
  json: unknown,
  original: readonly Uint8Array[],
  be: ByteEdit = { kind: 'none' },
  which = 0,
): KerasModel | null {
  let plan;
  try {
    plan = parseKerasModelJson(json);
  } catch (e) {
    documented(e);
    return null;
  }
  const files = plan.paths.map((_, k) => original[k] ?? new Uint8Array(0));
  if (files.length > 0) files[which % files.length] = editBytes(files[which % files.length]!, be);
  try {
    const model = decodeKerasWeights(plan, files);
    consistent(model);
    return model;
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    documented(e);
    return null;
  }
}

describe('keras-format fuzz', () => {
  const fixtures = {
    'Keras 2 Sequential': keras2Mnist(),
    'Keras 3 Sequential': keras3Mnist(),
    'Keras 3 Functional': keras3Functional(),
  };
  for (const [label, fixture] of Object.entries(fixtures)) {
    const files = modelFiles(fixture, new Rng(7));
    it(`${label}: edited model.json and weight bytes parse consistently or fail with a documented code`, () => {
      assert.ok(read(fixture, files), 'the unedited fixture does not read');
      fc.assert(
        fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), byteEdit, fc.nat(), (edits, be, which) => {
          read(applyEdits(fixture, edits), files, be, which);
        }),
        options,
      );
    });
  }

  it('arbitrary values in place of model.json fail with a documented code', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        read(value, []);
      }),
      options,
    );
  });
});
