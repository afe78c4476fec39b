// The builds contain what their names promise: the simd build's kernels really use 128-bit SIMD
// (the GEMM tiles multiply and add f32x4 vectors loaded with v128.load), and the scalar build and
// the simd build's scalar twins contain no SIMD instruction at all. Reads the .wat text that
// `npm run build:wasm` writes next to each .wasm.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { KERNEL_EXPORT_NAMES } from '../../src/abi.js';

const SIMD_INSTRUCTION = /\b(v128|f32x4|f64x2|i8x16|i16x8|i32x4|i64x2)\.[a-z_0-9]+/;

/** Function bodies of a .wat file by name ('$assembly/gemm/gemmTiledB' → its text). */
function functions(wat: string): Map<string, string> {
  const bodies = new Map<string, string>();
  // Binaryen prints each function at one space of indentation: ` (func $name (param …) …`.
  const starts = [...wat.matchAll(/^ \(func (\$\S+)/gm)];
  starts.forEach((m, k) =>
    bodies.set(m[1]!, wat.slice(m.index!, k + 1 < starts.length ? starts[k + 1]!.index! : wat.length)),
  );
  return bodies;
}

/** Export name → internal function name. */
function exportsOf(wat: string): Map<string, string> {
  return new Map([...wat.matchAll(/^ \(export "([^"]+)" \(func (\$\S+)\)\)/gm)].map((m) => [m[1]!, m[2]!]));
}

function load(build: 'relaxed' | 'simd' | 'scalar' | 'threads' | 'threads-relaxed'): Promise<string> {
  return readFile(new URL(`../../build/simdnet.${build}.wat`, import.meta.url), 'utf8');
}

describe('build/simdnet.simd.wat', () => {
  let bodies: Map<string, string>;
  let exported: Map<string, string>;
  before(async () => {
    const wat = await load('simd');
    bodies = functions(wat);
    exported = exportsOf(wat);
  });

  /** `root` and every function it calls, directly or not, except `exclude`. */
  function reachable(root: string, exclude: ReadonlySet<string> = new Set()): Set<string> {
    const reached = new Set<string>([root]);
    for (const name of reached) {
      for (const m of bodies.get(name)!.matchAll(/\bcall (\$\S+)/g))
        if (!exclude.has(m[1]!) && bodies.has(m[1]!)) reached.add(m[1]!);
    }
    return reached;
  }

  // The GEMM's SIMD bodies are whatever sgemm calls in assembly/gemm*.ts: dispatchers (the K-panel
  // loop, the per-row-block shape switches) call tile bodies, which binaryen sometimes inlines and
  // sometimes keeps. Each leaf (a function that calls no other) but the scalar twin and the packing
  // copies (gemm-pack.ts, which move data only) must multiply and add f32x4 vectors loaded with
  // v128.load, and the four microkernel families must be among the functions reached.
  it('the leaf GEMM functions sgemm reaches (bar its scalar twin) multiply and add f32x4 vectors from v128.load', () => {
    const root = exported.get('sgemm')!,
      twin = exported.get('sgemm_scalar')!;
    const gemm = [...reachable(root, new Set([twin]))].filter(
      (n) => /^\$assembly\/gemm(-[a-z0-9-]+)?\//.test(n) && n !== root,
    );
    const leaves = gemm.filter(
      (n) =>
        !n.startsWith('$assembly/gemm-pack/') &&
        ![...bodies.get(n)!.matchAll(/\bcall (\$\S+)/g)].some((m) => bodies.has(m[1]!)),
    );
    assert.ok(
      leaves.length >= 2,
      `sgemm reaches only ${gemm.join(', ')}: expected the tile kernels and the NT kernels`,
    );
    for (const name of leaves) {
      for (const op of ['f32x4.mul', 'f32x4.add', 'v128.load'])
        assert.ok(bodies.get(name)!.includes(op), `${name} has no ${op}`);
    }
    for (const kernel of [
      'gemm-nn-4x8/rowTiles',
      'gemm-tn-8x4/transposedTile',
      'gemm-nt-2x4/gemmDotNT',
      'gemm-nt-4x4/gemmNTShortK',
    ]) {
      assert.ok(gemm.includes(`$assembly/${kernel}`), `no ${kernel} among ${gemm.join(', ')}`);
    }
  });

  it('sgemm calls its scalar twin from one place only (the TT fallback)', () => {
    const body = bodies.get(exported.get('sgemm')!)!;
    assert.equal([...body.matchAll(/\bcall \$assembly\/gemm\/sgemm_scalar\b/g)].length, 1);
  });

  it('every SIMD kernel (each export with a _scalar twin) uses SIMD instructions, itself or in what it calls', () => {
    const kernels = KERNEL_EXPORT_NAMES.filter(
      (n) => KERNEL_EXPORT_NAMES.includes(`${n}_scalar` as never) && n !== 'sgemm',
    );
    assert.ok(kernels.length >= 10, `only ${kernels.length} kernels with twins`);
    for (const name of kernels) {
      const root = exported.get(name);
      assert.ok(root && bodies.has(root), `${name} is not exported`);
      // Its twin is not SIMD code of the kernel's, so what only the twin reaches does not count.
      const code = [...reachable(root, new Set([exported.get(`${name}_scalar`)!]))]
        .map((n) => bodies.get(n)!)
        .join('\n');
      assert.match(code, SIMD_INSTRUCTION, `${name} has no SIMD instruction in the simd build`);
    }
  });

  it('the scalar twins stay scalar (they are the in-module oracle)', () => {
    const twins = KERNEL_EXPORT_NAMES.filter((n) => n.endsWith('_scalar'));
    for (const name of twins) {
      const body = bodies.get(exported.get(name)!);
      assert.ok(body, `${name} is not exported`);
      assert.doesNotMatch(body, SIMD_INSTRUCTION, `${name} uses SIMD in the simd build`);
    }
  });
});

describe('build/simdnet.scalar.wat', () => {
  it('contains no SIMD instruction or v128 value anywhere', async () => {
    const wat = await load('scalar');
    assert.ok(exportsOf(wat).has('sgemm'), 'not a simdnet build');
    const line = wat.split('\n').findIndex((l) => SIMD_INSTRUCTION.test(l) || /\bv128\b/.test(l));
    assert.equal(line, -1, `line ${line + 1}: ${wat.split('\n')[line]}`);
  });
});

// madd (assembly/simd.ts) is the one relaxed instruction: the relaxed builds fuse multiply-adds and
// nothing else, and the simd builds keep none, so they stay bit-identical to the scalar twins.
describe('relaxed SIMD in the builds', () => {
  const RELAXED_INSTRUCTION = /\b(?:f32x4|f64x2|i8x16|i16x8|i32x4)\.relaxed_[a-z_0-9]+/g;

  for (const build of ['relaxed', 'threads-relaxed'] as const) {
    it(`build/simdnet.${build}.wat uses f32x4.relaxed_fma and no other relaxed instruction; its scalar twins stay scalar`, async () => {
      const wat = await load(build);
      const used = new Set(wat.match(RELAXED_INSTRUCTION));
      assert.deepEqual([...used], ['f32x4.relaxed_fma']);
      const bodies = functions(wat);
      for (const [name, fn] of exportsOf(wat))
        if (name.endsWith('_scalar')) assert.doesNotMatch(bodies.get(fn)!, SIMD_INSTRUCTION, `${name} uses SIMD`);
    });
  }

  for (const build of ['simd', 'threads'] as const) {
    it(`build/simdnet.${build}.wat has no relaxed instruction`, async () => {
      assert.deepEqual((await load(build)).match(RELAXED_INSTRUCTION), null);
    });
  }
});
