// The ABI is declared once (src/abi.ts); this checks what is derived from it or must agree with it:
// assembly/abi.ts is what scripts/abi.ts renders from the declarations now, and each build exports
// exactly the declared functions, each with the declared wasm signature (read from the .wat that
// `npm run build:wasm` writes next to the .wasm).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ABI, CONTROL, KERNEL_EXPORT_NAMES, argsOf, declarationOf, type Declaration } from '../../src/abi.js';
import { loadSimdnet } from '../../src/loader.node.js';
import { minSplitWorkOf, type ParallelKernelName } from '../../src/threads.js';
import { relaxedSimdSupported } from '../../src/runtime.js';
import { ASSEMBLY_ABI, renderAssemblyAbi } from '../../scripts/abi.js';

const BUILDS = ['relaxed', 'simd', 'scalar', 'threads', 'threads-relaxed'] as const;

/** Export name → its wasm signature in the .wat, as `(i32, f32) → f64` ('void' without a result). */
function signatures(wat: string): Map<string, string> {
  // Functions by internal name; a function may have several exports (binaryen merges identical bodies).
  const bodies = new Map<string, string>();
  for (const m of wat.matchAll(/^ \(func (\$\S+)((?: \(param \$\d+ \w+\))*)(?: \(result (\w+)\))?/gm)) {
    const params = [...m[2]!.matchAll(/\(param \$\d+ (\w+)\)/g)].map((p) => p[1]!);
    bodies.set(m[1]!, `(${params.join(', ')}) → ${m[3] ?? 'void'}`);
  }
  return new Map(
    [...wat.matchAll(/^ \(export "([^"]+)" \(func (\$\S+)\)\)/gm)].map((m) => [m[1]!, bodies.get(m[2]!)!]),
  );
}

function declared(d: Declaration): string {
  return `(${argsOf(d)
    .map((a) => (a.kind === 'ptr' ? 'i32' : a.kind))
    .join(', ')}) → ${d.returns ?? 'void'}`;
}

describe('the ABI declarations (src/abi.ts)', () => {
  it('assembly/abi.ts is what scripts/abi.ts renders from them (run `npm run build:wasm` after editing src/abi.ts)', async () => {
    assert.equal(await readFile(ASSEMBLY_ABI, 'utf8'), renderAssemblyAbi());
  });

  it('give every split kernel its own id, and every named argument exists', () => {
    const ids = new Map<number, string>();
    for (const [name, d] of Object.entries(ABI as Record<string, Declaration>)) {
      const split = d.split;
      if (!split) continue;
      const names = new Set(argsOf(d).map((a) => a.name));
      for (const arg of [
        split.axis,
        ...split.work.filter((w) => typeof w === 'string'),
        split.partials?.divideBy,
        split.partials?.countAt,
        split.secondPass?.when,
      ]) {
        if (arg !== undefined) assert.ok(names.has(arg), `${name}: ${arg} is not one of its arguments`);
      }
      for (const id of [split.id, split.secondPass?.id]) {
        if (id === undefined) continue;
        assert.ok(!ids.has(id), `${name} and ${ids.get(id)} share kernel id ${id}`);
        ids.set(id, name);
      }
      if (split.secondPass)
        assert.ok(split.secondPass.atLeast in ABI, `${name}: ${split.secondPass.atLeast} is not an export`);
    }
  });

  for (const build of BUILDS) {
    it(`build/simdnet.${build}.wasm exports exactly the declared functions, with the declared signatures`, async () => {
      const [binary, wat] = await Promise.all([
        readFile(new URL(`../../build/simdnet.${build}.wasm`, import.meta.url)),
        readFile(new URL(`../../build/simdnet.${build}.wat`, import.meta.url), 'utf8'),
      ]);
      const found = signatures(wat);
      // An engine without relaxed SIMD cannot compile the relaxed builds: their .wat lists the exports.
      const functions =
        build.includes('relaxed') && !relaxedSimdSupported()
          ? [...found.keys()]
          : WebAssembly.Module.exports(new WebAssembly.Module(binary))
              .filter((e) => e.kind === 'function')
              .map((e) => e.name);
      assert.deepEqual([...functions].sort(), [...KERNEL_EXPORT_NAMES].sort());
      for (const name of KERNEL_EXPORT_NAMES) assert.equal(found.get(name), declared(declarationOf(name)), name);
    });
  }

  it('the control block a module reports is the declared one', async () => {
    const runtime = await loadSimdnet({ variant: 'simd' });
    assert.equal(runtime.controlBytes, CONTROL.BYTES);
  });

  it("split a call from its kernel's minWork, or from loadSimdnet's minSplitWork for every kernel when given", () => {
    const split = Object.entries(ABI as Record<string, Declaration>).filter(([, d]) => d.split);
    assert.ok(split.length > 0);
    for (const [name, d] of split) {
      const minWork = d.split!.minWork;
      assert.ok(minWork > 0, `${name}: minWork ${minWork} is not a positive amount of work`);
      assert.equal(minSplitWorkOf(name as ParallelKernelName), minWork, name);
      assert.equal(minSplitWorkOf(name as ParallelKernelName, 0), 0, `${name} with minSplitWork 0`);
      assert.equal(minSplitWorkOf(name as ParallelKernelName, 12345), 12345, `${name} with minSplitWork 12345`);
    }
  });
});
