// Property tests of the two parsers that read untrusted bytes: the IDX reader (raw and gzip) and the
// checkpoint loader. Valid inputs are mutated (bit flips, byte sets, insertions, deletions,
// truncations); every result must either parse to consistent data or throw a SimdnetError with a
// documented code: never another exception, a crash or a hang. Runs are bounded by count and by
// time (each property stops after TIME_LIMIT_MS, which counts as a pass), so the file takes < 20 s.
// A failure prints fast-check's seed and path; replay with fc.assert(…, { seed, path }).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

import { crc32, decodeCheckpoint, encodeCheckpoint, parameterCount } from '../../src/checkpoint.js';
import {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  parseIdx,
  parseImages,
  parseLabels,
  type Gunzip,
} from '../../src/data/idx.js';
import { nodeGunzip } from '../../src/data/mnist.js';
import { SimdnetError, type SimdnetErrorCode } from '../../src/errors.js';
import { loadSimdnet, type Runtime } from '../../src/index.node.js';
import { Network } from '../../src/network.js';

const RUNS = 1000;
const TIME_LIMIT_MS = 3000;
const options = { numRuns: RUNS, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)] };

const IDX_CODES: readonly SimdnetErrorCode[] = [
  'IDX_TRUNCATED',
  'IDX_TRAILING_BYTES',
  'IDX_BAD_MAGIC',
  'IDX_BAD_DTYPE',
  'IDX_BAD_DIMS',
  'IDX_TOO_LARGE',
  'IDX_BAD_GZIP',
  'IDX_GZIP_UNSUPPORTED',
  'IDX_LABEL_RANGE',
];
const CHECKPOINT_CODES: readonly SimdnetErrorCode[] = [
  'CHECKPOINT_CORRUPT',
  'CHECKPOINT_VERSION',
  'CHECKPOINT_CHECKSUM',
];

/** Throws unless `e` is a SimdnetError with one of `codes`: the only failure the parsers may report. */
function documented(e: unknown, codes: readonly SimdnetErrorCode[]): void {
  if (!(e instanceof SimdnetError))
    throw new Error(`undocumented ${e instanceof Error ? e.name : typeof e}: ${String(e)}`, { cause: e });
  if (!codes.includes(e.code)) throw new Error(`undocumented code ${e.code}: ${e.message}`);
}

// ---- mutations ----------------------------------------------------------------------------------

// Positions are fractions of the current length, so they land everywhere, the header most often.
const position = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((i) => ({ header: i })),
  fc.double({ min: 0, max: 1, noNaN: true }).map((f) => ({ fraction: f })),
);
type Position = { header: number } | { fraction: number };
const resolve = (p: Position, length: number) =>
  Math.min(length, 'header' in p ? p.header : Math.floor(p.fraction * length));

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), p: position, mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({
    kind: fc.constant('set' as const),
    p: position,
    value: fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff), fc.integer({ min: 0, max: 255 })),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    p: position,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), p: position, count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), p: position }),
  // Format-aware: a 32-bit word at a 4-byte boundary (IDX dims, checkpoint sizes) or a special float.
  fc.record({
    kind: fc.constant('u32' as const),
    p: position,
    value: fc.oneof(fc.constantFrom(0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff), fc.nat()),
    littleEndian: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('f32' as const),
    p: position,
    value: fc.constantFrom(NaN, Infinity, -Infinity, 3.4e38, -0, 1e-45),
  }),
);
type Mutation = {
  kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate' | 'u32' | 'f32';
  p: Position;
  mask?: number;
  value?: number;
  bytes?: Uint8Array;
  count?: number;
  littleEndian?: boolean;
};

function mutate(input: Uint8Array, mutations: Mutation[]): Uint8Array {
  let bytes = input.slice();
  for (const m of mutations) {
    const at = resolve(m.p, bytes.length);
    switch (m.kind) {
      case 'flip':
        if (at < bytes.length) bytes[at]! ^= m.mask!;
        break;
      case 'set':
        if (at < bytes.length) bytes[at] = m.value!;
        break;
      case 'insert':
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...m.bytes!, ...bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + m.count!)]);
        break;
      case 'truncate':
        bytes = bytes.slice(0, at);
        break;
      case 'u32':
      case 'f32': {
        const word = at - (at % 4);
        if (word + 4 > bytes.length) break;
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        if (m.kind === 'u32') view.setUint32(word, m.value!, m.littleEndian);
        else view.setFloat32(word, m.value!, true);
        break;
      }
    }
  }
  return bytes;
}

const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

// ---- IDX ----------------------------------------------------------------------------------------

function idx(magic: number, dims: number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic >>> 0, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

const imagesFile = fc
  .record({
    count: fc.integer({ min: 1, max: 4 }),
    rows: fc.integer({ min: 1, max: 5 }),
    cols: fc.integer({ min: 1, max: 5 }),
  })
  .chain(({ count, rows, cols }) =>
    fc
      .uint8Array({ minLength: count * rows * cols, maxLength: count * rows * cols })
      .map((body) => idx(IDX_IMAGES_MAGIC, [count, rows, cols], body)),
  );
const labelsFile = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 24 })
  .map((labels) => idx(IDX_LABELS_MAGIC, [labels.length], Uint8Array.from(labels)));
const anyIdxFile = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((dims) => {
  const size = dims.reduce((a, b) => a * b, 1);
  return fc.uint8Array({ minLength: size, maxLength: size }).map((body) => idx(0x0800 | dims.length, dims, body));
});

/** How the mutated bytes reach the parser: raw; gzip of the mutated file; or the gzip stream itself mutated. */
const encoding = fc.constantFrom('raw', 'gzip-after', 'mutate-gzip');

function encode(file: Uint8Array, muts: Mutation[], how: string): Uint8Array {
  if (how === 'raw') return mutate(file, muts);
  if (how === 'gzip-after') return gzipSync(mutate(file, muts));
  return mutate(gzipSync(file), muts);
}

type Parser = (bytes: Uint8Array, name: string, gunzip: Gunzip | undefined) => void;

/** Runs `parse`; a result must be consistent, a failure documented. */
function checkIdx(bytes: Uint8Array, name: string, gunzip: Gunzip | undefined, parse: Parser): void {
  try {
    parse(bytes, name, gunzip);
  } catch (e) {
    documented(e, IDX_CODES);
  }
}

const parseAny: Parser = (bytes, name, gunzip) => {
  const { dims, data } = parseIdx(bytes, name, { gunzip });
  assert.ok(dims.length >= 1 && dims.every((d) => Number.isInteger(d) && d >= 1), `dims ${dims}`);
  assert.equal(
    data.length,
    dims.reduce((a, b) => a * b, 1),
    'data length ≠ product of dims',
  );
};
const parseImagesChecked: Parser = (bytes, name, gunzip) => {
  const { count, rows, cols, pixels } = parseImages(bytes, name, { gunzip });
  assert.ok(
    [count, rows, cols].every((d) => Number.isInteger(d) && d >= 1),
    `dims ${count}×${rows}×${cols}`,
  );
  assert.equal(pixels.length, count * rows * cols, 'pixels ≠ count·rows·cols');
};
const parseLabelsChecked: Parser = (bytes, name, gunzip) => {
  const { count, labels } = parseLabels(bytes, name, { gunzip, numClasses: 10 });
  assert.equal(labels.length, count, 'labels ≠ count');
  assert.ok(
    labels.every((l) => l < 10),
    'a label ≥ 10 was accepted',
  );
};

describe('fuzz: IDX reader', () => {
  const cases: Array<[string, fc.Arbitrary<Uint8Array>, Parser]> = [
    ['parseImages', imagesFile, parseImagesChecked],
    ['parseLabels', labelsFile, parseLabelsChecked],
    ['parseIdx', anyIdxFile, parseAny],
  ];
  for (const [fn, file, parse] of cases) {
    it(`${fn}: mutated and truncated files, raw and gzip, parse consistently or fail with a documented code`, () => {
      fc.assert(
        fc.property(file, mutations, encoding, fc.boolean(), fc.boolean(), (valid, muts, how, gzName, withGunzip) => {
          const name = `fuzz-idx${gzName ? '.gz' : ''}`;
          checkIdx(encode(valid, muts, how), name, withGunzip ? nodeGunzip : undefined, parse);
        }),
        options,
      );
    });
  }

  it('every truncation of a valid raw and gzip file is refused (IDX_TRUNCATED or IDX_BAD_GZIP)', () => {
    fc.assert(
      fc.property(imagesFile, fc.boolean(), (valid, gz) => {
        const bytes = gz ? gzipSync(valid) : valid;
        for (let n = 0; n < bytes.length; n++) {
          assert.throws(
            () => parseImages(bytes.subarray(0, n), 'cut', { gunzip: nodeGunzip }),
            (e: unknown) => {
              documented(e, gz ? ['IDX_BAD_GZIP', 'IDX_TRUNCATED'] : ['IDX_TRUNCATED']);
              return true;
            },
            `a ${n}-byte prefix of ${bytes.length} parsed`,
          );
        }
      }),
      { ...options, numRuns: 60 },
    );
  });

  it('random headers (any type byte, 0-4 dims including 0 and 2³²−1) with a body near their size', () => {
    const header = fc.record({
      dtype: fc.constantFrom(0x08, 0x08, 0x08, 0x09, 0x0d, 0x00),
      dims: fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(0x80000000, 0xffffffff)), {
        maxLength: 4,
      }),
      delta: fc.integer({ min: -2, max: 2 }),
    });
    fc.assert(
      fc.property(header, fc.boolean(), ({ dtype, dims, delta }, gz) => {
        const size = dims.reduce((p, d) => p * d, 1);
        const length = Math.max(0, Math.min(64, (size > 64 ? 0 : size) + delta));
        let bytes = idx((dtype << 8) | dims.length, dims, new Uint8Array(length).fill(3));
        if (gz) bytes = gzipSync(bytes);
        for (const parse of [parseAny, parseImagesChecked, parseLabelsChecked])
          checkIdx(bytes, 'header', nodeGunzip, parse);
      }),
      options,
    );
  });

  it('arbitrary bytes (half of them starting with the gzip magic) never crash the reader', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (tail, gz) => {
        const bytes = gz ? Uint8Array.from([0x1f, 0x8b, ...tail]) : tail;
        checkIdx(bytes, 'random', nodeGunzip, parseAny);
        checkIdx(bytes, 'random', nodeGunzip, parseImagesChecked);
        checkIdx(bytes, 'random', nodeGunzip, parseLabelsChecked);
      }),
      options,
    );
  });
});

// ---- checkpoints --------------------------------------------------------------------------------

let runtime: Runtime;
before(async () => {
  runtime = await loadSimdnet({ variant: 'scalar' });
});

const checkpoint = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 4 }).chain((layers) => {
  const P = parameterCount(layers);
  return fc
    .float32Array({ minLength: P, maxLength: P, noNaN: true, noDefaultInfinity: true })
    .map((params) => ({ layers, params, bytes: encodeCheckpoint(layers, params) }));
});

/** After mutating, optionally recompute the trailing CRC so the structural checks behind it get exercised. */
function reseal(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 4) return bytes;
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** A decoded checkpoint must be exactly what encodeCheckpoint would write for it: nothing else is accepted. */
function checkDecoded(bytes: Uint8Array, layers: number[], params: Float32Array): void {
  assert.ok(layers.length >= 2 && layers.every((w) => Number.isInteger(w) && w >= 1), `layers ${layers}`);
  assert.equal(params.length, parameterCount(layers), 'parameter count');
  assert.ok(params.every(Number.isFinite), 'a non-finite parameter was accepted');
  assert.deepEqual(encodeCheckpoint(layers, params), bytes, 'accepted bytes are not canonical');
}

describe('fuzz: checkpoint loader', () => {
  for (const resealed of [false, true]) {
    it(`decodeCheckpoint: mutated checkpoints${resealed ? ' with a recomputed CRC' : ''} decode canonically or fail with a documented code`, () => {
      fc.assert(
        fc.property(checkpoint, mutations, ({ bytes }, muts) => {
          let input = mutate(bytes, muts);
          if (resealed) input = reseal(input);
          try {
            const { layers, params } = decodeCheckpoint(input, 'fuzz.snet');
            checkDecoded(input, layers, params);
          } catch (e) {
            documented(e, CHECKPOINT_CODES);
          }
        }),
        options,
      );
    });
  }

  it('Network.fromBytes: mutated (and resealed) checkpoints build a network holding exactly the decoded weights, or fail documented', () => {
    fc.assert(
      fc.property(checkpoint, mutations, fc.boolean(), ({ bytes }, muts, resealed) => {
        let input = mutate(bytes, muts);
        if (resealed) input = reseal(input);
        let net: Network | undefined;
        try {
          net = Network.fromBytes(runtime, input, 'fuzz.snet');
        } catch (e) {
          documented(e, CHECKPOINT_CODES);
          return;
        }
        try {
          const { layers, params } = decodeCheckpoint(input);
          assert.deepEqual([...net.layers], layers);
          assert.deepEqual(net.getParameters(), params);
          assert.deepEqual(net.toBytes(), input, 'the network does not write back the bytes it was built from');
        } finally {
          net.dispose();
        }
      }),
      { ...options, numRuns: 500 },
    );
  });

  it('the unmutated generator output always round-trips (the control for the properties above)', () => {
    fc.assert(
      fc.property(checkpoint, ({ layers, params, bytes }) => {
        const decoded = decodeCheckpoint(bytes);
        assert.deepEqual(decoded.layers, layers);
        assert.deepEqual(decoded.params, params);
      }),
      { numRuns: 100 },
    );
  });
});
