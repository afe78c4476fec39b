// Loading (src/loader.node.ts, src/runtime.ts): the packaged builds by variant, and a caller's
// bytes, compiled module, path, file: URL or http URL; the runtime reports the build it really
// loaded, and wrong or missing sources fail with a clear error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  loadSimdnet,
  packagedWasmUrl,
  relaxedSimdSupported,
  simdSupported,
  VARIANTS,
  type Runtime,
} from '../../src/index.node.js';
import { scopedCompilationFlags } from '../../src/loader.node.js';
import { unsupportedReason } from './reference.js';

const buildPath = (build: string): string =>
  fileURLToPath(new URL(`../../build/simdnet.${build}.wasm`, import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

/** The runtime works: ReLU of a few values on a fresh arena. */
function assertRuns(runtime: Runtime): void {
  const arena = runtime.createArena({ x: [5] });
  const x = arena.tensor('x', 'f32').write([-2, -0.5, 0, 0.5, 2]);
  arena.kernels.reluForward(x, x);
  assert.deepEqual([...x.read()], [0, 0, 0, 0.5, 2]);
}

async function rejectsWith(
  promise: Promise<unknown>,
  error: TypeErrorConstructor | RangeErrorConstructor,
  message: RegExp,
): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    assert.equal(err.constructor, error, `expected ${error.name}, got ${err.constructor.name}: ${err.message}`);
    assert.match(err.message, message);
    return true;
  });
}

describe('packaged builds', () => {
  // Node 20 has relaxed SIMD only behind a flag; Node ≥ 22 has it by default.
  const relaxedHere =
    Number(process.versions.node.split('.')[0]) >= 22 || process.execArgv.includes('--experimental-wasm-relaxed-simd');

  it(`auto picks '${relaxedHere ? 'relaxed' : 'simd'}' on Node ${process.versions.node} (WebAssembly.validate accepts relaxed SIMD from Node 22)`, async () => {
    assert.equal(simdSupported(), true);
    assert.equal(relaxedSimdSupported(), relaxedHere);
    for (const options of [undefined, {}, { variant: 'auto' as const }]) {
      const runtime = await loadSimdnet(options);
      assert.equal(runtime.variant, relaxedHere ? 'relaxed' : 'simd');
      assertRuns(runtime);
    }
  });

  it(`threads: 2 with auto loads the ${relaxedHere ? 'threads-relaxed' : 'threads'} build`, async () => {
    const runtime = await loadSimdnet({ threads: 2 });
    try {
      assert.equal(runtime.variant, relaxedHere ? 'relaxed' : 'simd');
      assert.equal(runtime.threads, 2);
      assertRuns(runtime);
    } finally {
      await runtime.dispose();
    }
  });

  it("forcing 'relaxed' loads the relaxed build (and with threads: 2, threads-relaxed), or names what the engine lacks", async () => {
    if (!relaxedHere) {
      const message = /variant 'relaxed' was requested but this engine does not support WebAssembly relaxed SIMD/;
      await rejectsWith(loadSimdnet({ variant: 'relaxed' }), RangeError, message);
      await rejectsWith(loadSimdnet({ variant: 'relaxed', threads: 2 }), RangeError, message);
      await rejectsWith(
        loadSimdnet({ source: buildPath('relaxed') }),
        TypeError,
        /simdnet\.relaxed\.wasm failed to compile/,
      );
      return;
    }
    assertRuns(await loadSimdnet({ variant: 'relaxed' }));
    const threaded = await loadSimdnet({ variant: 'relaxed', threads: 2 });
    try {
      assert.equal(threaded.variant, 'relaxed');
      assert.equal(threaded.threads, 2);
    } finally {
      await threaded.dispose();
    }
  });

  it("forcing 'simd' with threads: 2 loads the SIMD threads build where relaxed is available too", async () => {
    const runtime = await loadSimdnet({ variant: 'simd', threads: 2 });
    try {
      assert.equal(runtime.variant, 'simd');
      assert.equal(runtime.threads, 2);
    } finally {
      await runtime.dispose();
    }
  });

  it("forcing 'scalar' loads the scalar build", async () => {
    const runtime = await loadSimdnet({ variant: 'scalar' });
    assert.equal(runtime.variant, 'scalar');
    assertRuns(runtime);
  });

  it('packagedWasmUrl points at build/simdnet.<build>.wasm', () => {
    for (const build of [...VARIANTS, 'threads', 'threads-relaxed'] as const)
      assert.equal(fileURLToPath(packagedWasmUrl(build)), buildPath(build));
  });

  it('an unknown variant → TypeError naming the option, with or without a source', async () => {
    const message = /^variant must be 'auto', 'relaxed', 'simd' or 'scalar', got "avx2"$/;
    await rejectsWith(loadSimdnet({ variant: 'avx2' as never }), TypeError, message);
    await rejectsWith(loadSimdnet({ variant: 'avx2' as never, source: buildPath('simd') }), TypeError, message);
    await rejectsWith(
      loadSimdnet({ variant: 'avx2' as never, source: await readFile(buildPath('scalar')) }),
      TypeError,
      message,
    );
  });
});

describe('caller-supplied sources', () => {
  for (const variant of VARIANTS) {
    describe(`the ${variant} build`, { skip: unsupportedReason(variant) }, () => {
      let bytes: Buffer;
      before(async () => {
        bytes = await readFile(buildPath(variant));
      });

      it('as bytes: Buffer, ArrayBuffer, and a view at an offset into a larger buffer', async () => {
        const arrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        const padded = new Uint8Array(bytes.byteLength + 24);
        padded.set(bytes, 13);
        for (const source of [
          bytes,
          arrayBuffer,
          padded.subarray(13, 13 + bytes.byteLength),
          new DataView(padded.buffer, 13, bytes.byteLength),
        ]) {
          const runtime = await loadSimdnet({ source });
          assert.equal(runtime.variant, variant, 'the runtime reports the build it loaded, not the engine default');
          assertRuns(runtime);
        }
      });

      it('as a compiled WebAssembly.Module', async () => {
        const runtime = await loadSimdnet({ source: await WebAssembly.compile(new Uint8Array(bytes)) });
        assert.equal(runtime.variant, variant);
        assertRuns(runtime);
      });

      it('as a file path, a file: URL and a file: URL string', async () => {
        const path = buildPath(variant);
        for (const source of [path, pathToFileURL(path), pathToFileURL(path).href]) {
          const runtime = await loadSimdnet({ source });
          assert.equal(runtime.variant, variant, `source ${String(source)}`);
          assertRuns(runtime);
        }
      });

      it('with the matching variant requested; the other variant → TypeError', async () => {
        assert.equal((await loadSimdnet({ source: bytes, variant })).variant, variant);
        const other = variant === 'simd' ? 'scalar' : 'simd';
        await rejectsWith(
          loadSimdnet({ source: bytes, variant: other }),
          TypeError,
          new RegExp(`variant '${other}' was requested but the supplied module is the '${variant}' build`),
        );
        await rejectsWith(
          loadSimdnet({ source: buildPath(variant), variant: other }),
          TypeError,
          new RegExp(`'${variant}' build`),
        );
      });
    });
  }

  /**
   * Runs `lines` as an ES module in a fresh Node process (with `nodeFlags`), after importing readFile
   * and the Node loader's loadSimdnet; asserts it exits 0 and returns what it printed, trimmed.
   */
  const runWithLoader = (lines: string[], nodeFlags: string[] = []): string => {
    const script = [
      "import { readFile } from 'node:fs/promises';",
      `import { loadSimdnet } from ${JSON.stringify(fileURLToPath(new URL('../../src/loader.node.ts', import.meta.url)))};`,
      ...lines,
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', ...nodeFlags, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, `exit ${run.status} (signal ${run.signal}): ${run.stderr}`);
    return run.stdout.trim();
  };

  it('loads from the packaged file and from bytes when the command line sets the V8 compilation flags itself', () => {
    const printed = runWithLoader(
      [
        `const fromBytes = await loadSimdnet({ source: await readFile(${JSON.stringify(buildPath('simd'))}) });`,
        "const fromFile = await loadSimdnet({ variant: 'simd' });",
        'console.log(fromBytes.variant, fromFile.variant);',
      ],
      ['--no-wasm-lazy-compilation', '--no-wasm-dynamic-tiering', '--no-wasm-generic-wrapper'],
    );
    assert.equal(printed, 'simd simd');
  });

  describe('eager compilation: V8 flags set only while its own module compiles', () => {
    it('another module, compiled asynchronously after it in the same process, settles and runs', () => {
      const printed = runWithLoader([
        "const runtime = await loadSimdnet({ variant: 'simd' });",
        `const other = await WebAssembly.compile(await readFile(${JSON.stringify(buildPath('scalar'))}));`,
        'const memory = new WebAssembly.Memory({ initial: 5 });',
        'const { exports } = await WebAssembly.instantiate(other, { env: { memory, abort() {} } });',
        'new Float32Array(memory.buffer, 0, 2).set([-1, 3]);',
        'exports.relu_forward(8, 0, 2);',
        "console.log(runtime.variant, [...new Float32Array(memory.buffer, 8, 2)].join(' '));",
      ]);
      assert.equal(printed, 'simd 0 3');
    });

    it('scopes only the flags the command line does not set, in either spelling', () => {
      assert.deepEqual(scopedCompilationFlags([]), ['wasm-lazy-compilation', 'wasm-dynamic-tiering']);
      assert.deepEqual(scopedCompilationFlags(['--no-wasm-lazy-compilation', '--import', 'tsx']), [
        'wasm-dynamic-tiering',
      ]);
      assert.deepEqual(scopedCompilationFlags(['--wasm_dynamic_tiering']), ['wasm-lazy-compilation']);
      assert.deepEqual(scopedCompilationFlags(['--wasm-lazy-compilation=false', '--no-wasm-dynamic-tiering']), []);
      assert.deepEqual(scopedCompilationFlags(['--wasm-lazy-validation', '--wasm-dynamic-tiering-budget=5']), [
        'wasm-lazy-compilation',
        'wasm-dynamic-tiering',
      ]);
    });
  });

  it('bytes that are not WebAssembly (a text file, nothing) → TypeError "not a WebAssembly module"', async () => {
    const text = await readFile(PACKAGE_JSON);
    await rejectsWith(
      loadSimdnet({ source: text }),
      TypeError,
      /the supplied bytes is not a WebAssembly module \(\d+ bytes, starting 7b 0a/,
    );
    await rejectsWith(
      loadSimdnet({ source: new Uint8Array(0) }),
      TypeError,
      /not a WebAssembly module \(0 bytes, starting \(empty\)/,
    );
    await rejectsWith(
      loadSimdnet({ source: PACKAGE_JSON }),
      TypeError,
      new RegExp(`${PACKAGE_JSON.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a WebAssembly module`),
    );
  });

  it('a truncated build → TypeError "failed to compile"', async () => {
    const bytes = await readFile(buildPath('simd'));
    await rejectsWith(
      loadSimdnet({ source: bytes.subarray(0, 100) }),
      TypeError,
      /the supplied bytes failed to compile/,
    );
  });

  it('a valid module that is not a simdnet build → TypeError naming what it lacks', async () => {
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    await rejectsWith(
      loadSimdnet({ source: empty }),
      TypeError,
      /not a simdnet build: it lacks sgemm, sgemm_scalar, .*simd_build/,
    );
  });

  it('a missing path or file: URL → TypeError naming the path', async () => {
    const missing = fileURLToPath(new URL('../../build/no-such-build.wasm', import.meta.url));
    await rejectsWith(
      loadSimdnet({ source: missing }),
      TypeError,
      /cannot read the WebAssembly module at .*no-such-build\.wasm: no such file/,
    );
    await rejectsWith(loadSimdnet({ source: pathToFileURL(missing) }), TypeError, /no-such-build\.wasm: no such file/);
  });

  describe('over http (a local server on 127.0.0.1)', () => {
    let server: Server;
    let base: string;
    const requests: string[] = [];
    before(async () => {
      const builds = {
        '/simdnet.simd.wasm': await readFile(buildPath('simd')),
        '/simdnet.scalar.wasm': await readFile(buildPath('scalar')),
      };
      server = createServer((req, res) => {
        requests.push(req.url ?? '');
        const body = builds[req.url as keyof typeof builds];
        if (body) res.writeHead(200, { 'content-type': 'application/wasm' }).end(body);
        else if (req.url === '/index.html')
          res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>not wasm</p>');
        else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('loads each build from a URL and a URL string; variant follows the build', async () => {
      for (const variant of ['simd', 'scalar'] as const) {
        for (const source of [new URL(`/simdnet.${variant}.wasm`, base), `${base}/simdnet.${variant}.wasm`]) {
          const runtime = await loadSimdnet({ source });
          assert.equal(runtime.variant, variant);
          assertRuns(runtime);
        }
      }
      assert.ok(requests.includes('/simdnet.scalar.wasm'));
    });

    it('a 404 → TypeError mentioning 404 and the URL', async () => {
      await rejectsWith(
        loadSimdnet({ source: `${base}/missing.wasm` }),
        TypeError,
        new RegExp(`fetching ${base}/missing\\.wasm failed: HTTP 404`),
      );
    });

    it('a page that is not wasm → TypeError "not a WebAssembly module" naming the URL', async () => {
      await rejectsWith(
        loadSimdnet({ source: `${base}/index.html` }),
        TypeError,
        new RegExp(`${base}/index\\.html is not a WebAssembly module`),
      );
    });
  });
});
