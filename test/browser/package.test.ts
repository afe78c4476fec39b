// What a bundler gets from the published package (no browser needed): the exports map's `default`
// condition names the browser entry (of simdnet and of simdnet/tfjs), the tarball ships it, the three .wasm builds and the worker
// file, and the browser loader references each with a static new URL('<literal>', import.meta.url)
// (the worker inside new Worker(…, { type: 'module' })) that points at a file in the tarball, the
// only form bundlers rewrite and emit.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';

import { npm } from '../host/npm.js';
import { REPO_ROOT } from './harness.js';

interface PackageJson {
  exports: Record<string, string | Record<string, string>>;
}

let packed: Promise<Set<string>> | undefined;
function packedFiles(): Promise<Set<string>> {
  packed ??= listPackedFiles();
  return packed;
}

async function listPackedFiles(): Promise<Set<string>> {
  // --ignore-scripts: list what would be packed without running `prepare` (the build).
  const { stdout } = await npm(['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT });
  const [report] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  return new Set(report!.files.map((f) => f.path));
}

describe('the package, as a bundler sees it', () => {
  it("exports['.'].default is the browser entry, and the tarball ships it, the browser loader, the worker and the .wasm builds", async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as PackageJson;
    const root = pkg.exports['.'];
    assert.ok(typeof root === 'object', 'exports["."] must be a map of conditions');
    assert.equal(root.default, './dist/index.browser.js');
    assert.equal(root.node, './dist/index.node.js');
    assert.deepEqual(Object.keys(root).at(-1), 'default', '`default` must come last: conditions are tried in order');
    const files = await packedFiles();
    for (const file of [
      'dist/index.browser.js',
      'dist/loader.browser.js',
      'dist/worker.browser.js',
      'dist/worker.js',
      'dist/core.js',
      'dist/network.js',
      'build/simdnet.simd.wasm',
      'build/simdnet.scalar.wasm',
      'build/simdnet.threads.wasm',
      'build/simdnet.relaxed.wasm',
      'build/simdnet.threads-relaxed.wasm',
    ]) {
      assert.ok(files.has(file), `npm pack would not ship ${file}`);
    }
  });

  it('each entry (simdnet, simdnet/tfjs) has a node and a browser (`default`) target whose types are the .d.ts beside it, and the tarball ships both', async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as PackageJson;
    const files = await packedFiles();
    for (const [entry, name] of [
      ['.', 'index'],
      ['./tfjs', 'tfjs/index'],
    ] as const) {
      const conditions = pkg.exports[entry];
      // A `types` condition would give every platform the same declarations; without one, TypeScript
      // takes the .d.ts beside the .js each condition resolves to.
      assert.deepEqual(
        conditions,
        { node: `./dist/${name}.node.js`, default: `./dist/${name}.browser.js` },
        `exports['${entry}']`,
      );
      for (const target of Object.values(conditions as Record<string, string>)) {
        for (const file of [target, target.replace(/\.js$/, '.d.ts')])
          assert.ok(files.has(file.slice(2)), `npm pack would not ship ${file}`);
      }
    }
  });

  it('the browser loader names each build with a static new URL literal that resolves to a shipped file', async () => {
    const files = await packedFiles();
    // The source, and the compiled file bundlers actually read: both one level below the root.
    for (const file of ['src/loader.browser.ts', 'dist/loader.browser.js']) {
      const code = await readFile(path.join(REPO_ROOT, file), 'utf8');
      const literals = [...code.matchAll(/new URL\(\s*['"]([^'"]+\.wasm)['"]\s*,\s*import\.meta\.url\s*\)/g)].map(
        (m) => m[1]!,
      );
      assert.deepEqual(
        literals.sort(),
        [
          '../build/simdnet.relaxed.wasm',
          '../build/simdnet.scalar.wasm',
          '../build/simdnet.simd.wasm',
          '../build/simdnet.threads-relaxed.wasm',
          '../build/simdnet.threads.wasm',
        ],
        `${file}: new URL literals`,
      );
      assert.ok(!/new URL\(\s*`/.test(code), `${file}: a template literal in new URL(…) is not rewritten by bundlers`);
      for (const literal of literals) {
        const target = path.posix.join(path.posix.dirname(file), literal);
        assert.ok(files.has(target), `${file} points at ${target}, which npm pack would not ship`);
      }
      // The worker: one module Worker from a literal (bundlers bundle it as an entry), no blob or eval.
      const workers = [
        ...code.matchAll(
          /new Worker\(\s*new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)\s*,\s*\{\s*type:\s*['"]module['"]/g,
        ),
      ].map((m) => m[1]!);
      assert.deepEqual(
        workers,
        ['./worker.browser.js'],
        `${file}: new Worker(new URL(…), { type: 'module' }) literals`,
      );
      assert.ok(!/createObjectURL|\beval\(|new Function\(/.test(code), `${file}: a blob URL, eval or new Function`);
      // From src/ a bundler resolves the .js name to the .ts file, as for every import there.
      const worker = path.posix.join(
        path.posix.dirname(file),
        file.startsWith('src/') ? 'worker.browser.ts' : 'worker.browser.js',
      );
      assert.ok(files.has(worker), `${file} starts ${worker}, which npm pack would not ship`);
    }
  });
});
