// The package as a user's bundler sees it: test/browser/vite-app imports 'simdnet' and
// 'simdnet/tfjs' by name (the exports map's `default` condition → dist/index.browser.js and
// dist/tfjs/index.browser.js; a symlink in the app's node_modules stands for the installed package,
// so Vite resolves both as it would in a user's project), Vite's production build must emit
// the three .wasm builds and the worker file and rewrite their new URL(…, import.meta.url), and
// the app, served under CSP script-src 'self' 'wasm-unsafe-eval', must predict exactly as Node does
// for the same checkpoint. Served cross-origin isolated, threads: 2 must start a Web Worker from
// the emitted file and train to Node's weights bit for bit; served without isolation, one thread.
// Also here: the loader's errors for a 404, an HTML fallback page and non-WASM bytes, caller bytes
// and modules, what a CSP without 'wasm-unsafe-eval' does, and Vite's dev server on an installed copy.
// simdnet/tfjs's browser entry must bundle without tfjs and give the model artifacts Node gives.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { build, createServer, type InlineConfig } from 'vite';

import { DEMO_CSP, startStaticServer, type StaticServer } from '../../demo/serve.js';
import type { FitOptions } from '../../src/network.js';
import type { AppStatus, LoadOutcome, TrainOutcome } from './vite-app/main.js';
import { loadMnist } from '../../src/data/mnist.js';
import { subset } from '../../src/data/dataset.js';
import {
  REPO_ROOT,
  cspViolations,
  describeInChromium,
  launchChromium,
  recordCspViolations,
  watchPage,
  type PageProblems,
} from './harness.js';

const APP_DIR = fileURLToPath(new URL('./vite-app/', import.meta.url));
const OUT_DIR = path.join(APP_DIR, 'dist');
/** Where the app finds the package by name: a symlink to this repository. */
const INSTALLED = path.join(APP_DIR, 'node_modules', 'simdnet');
const VARIANTS = ['relaxed', 'simd', 'scalar'] as const;
/** The packaged .wasm files: one per variant, and the threads builds. */
const BUILDS = [...VARIANTS, 'threads', 'threads-relaxed'] as const;
/** Test images compared between Node and the browser. */
const IMAGES = 16;
const TOLERANCE = 1e-6;
/**
 * Chromium's relaxed build against Node's simd one, where Node lacks relaxed SIMD (Node 20): the
 * engine may fuse the multiply-adds, so logits move by a few f32 roundings of their sums.
 */
const RELAXED_TOLERANCE = 1e-5;
/** A CSP that allows scripts from the page's origin but not WebAssembly compilation. */
const CSP_WITHOUT_WASM = "default-src 'self'; script-src 'self'";
/** The demo's policy with worker-src 'none': cross-origin isolated, but no worker may start. */
const CSP_WITHOUT_WORKERS = DEMO_CSP.replace("worker-src 'self'", "worker-src 'none'");
/** What the threads tests train: images from the checkpoint on, Adam (its update is split too). */
const TRAIN_IMAGES = 300;
const FIT: FitOptions = { optimizer: 'adam', lr: 0.002, batchSize: 50, epochs: 1, seed: 3 };

/**
 * The bundle's simdnet modules must come from dist/ (the exports map's browser entry, not src/) and
 * each must be at least as new as its source, or this test would check a stale build.
 */
function checkBundledDist(modules: readonly string[]): void {
  const dist = path.join(REPO_ROOT, 'dist') + path.sep;
  const bundled = modules.filter(
    (id) => id.startsWith(REPO_ROOT) && !id.includes(`${path.sep}node_modules${path.sep}`) && !id.startsWith(APP_DIR),
  );
  assert.ok(
    bundled.includes(path.join(dist, 'index.browser.js')),
    `'simdnet' did not resolve to dist/index.browser.js; bundled: ${bundled.join(', ')}`,
  );
  assert.ok(
    bundled.includes(path.join(dist, 'tfjs', 'index.browser.js')),
    `'simdnet/tfjs' did not resolve to dist/tfjs/index.browser.js; bundled: ${bundled.join(', ')}`,
  );
  const tfjs = modules.filter((id) => id.includes(`${path.sep}@tensorflow${path.sep}`));
  assert.deepEqual(tfjs, [], 'simdnet/tfjs brought TensorFlow.js into the bundle');
  for (const id of bundled) {
    assert.ok(id.startsWith(dist), `the bundle took ${id} from outside dist/`);
    assert.ok(!id.endsWith('.node.js'), `the bundle holds the Node entry ${id}`);
    const source = path.join(REPO_ROOT, 'src', path.relative(dist, id).replace(/\.js$/, '.ts'));
    if (existsSync(source) && statSync(source).mtimeMs > statSync(id).mtimeMs) {
      throw new Error(
        `${path.relative(REPO_ROOT, id)} is older than ${path.relative(REPO_ROOT, source)}: run \`npm run build:ts\` so this test bundles the current source`,
      );
    }
  }
}

describeInChromium('a Vite app that imports simdnet by name, in Chromium', { timeout: 300_000 }, () => {
  let server: StaticServer;
  let strictServer: StaticServer;
  let isolatedServer: StaticServer;
  let noWorkersServer: StaticServer;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  let checkpoint: Uint8Array;
  let pixels: Uint8Array;
  let labels: Uint8Array;
  const nodeProbabilities = new Map<string, Float32Array>();
  let trainSet: { pixels: number[]; labels: number[] };
  /** The checkpoint's network after FIT on trainSet in Node, simd build, one thread. */
  let nodeTrained: Float32Array;
  /** What simdnet/tfjs gives tfjs for the checkpoint's network in Node. */
  let nodeArtifacts: { modelTopology?: unknown; weightSpecs?: unknown; weightData?: unknown };

  before(async () => {
    const entry = path.join(REPO_ROOT, 'dist', 'index.browser.js');
    if (!existsSync(entry))
      throw new Error(
        `${entry} does not exist: run \`npm run build:ts\` (the package's browser entry is built TypeScript)`,
      );
    const started = performance.now();
    // Only the name needs mapping, to this repository: resolution inside it (the exports map, the
    // browser condition) and the .wasm handling are Vite's defaults, as in an installed package.
    await rm(INSTALLED, { force: true });
    await mkdir(path.dirname(INSTALLED), { recursive: true });
    await symlink(REPO_ROOT, INSTALLED, 'dir');
    const modules: string[] = [];
    await build({
      root: APP_DIR,
      configFile: false,
      logLevel: 'warn',
      build: { outDir: OUT_DIR, emptyOutDir: true },
      // Records the module graph, to check what 'simdnet' resolved to.
      plugins: [
        {
          name: 'record-module-graph',
          buildEnd() {
            modules.push(...this.getModuleIds());
          },
        },
      ],
    });
    checkBundledDist(modules);
    process.stdout.write(`# vite build of the app in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    // Bytes that are not WebAssembly behind a .wasm name (served as application/wasm).
    await writeFile(path.join(OUT_DIR, 'not-wasm.wasm'), '<!doctype html><title>fallback</title>');

    // The reference: the same package in Node, by name too (a package may import itself through its exports).
    const simdnet = await import('simdnet');
    const mnist = await loadMnist();
    const net = simdnet.Network.create(await simdnet.loadSimdnet(), { layers: [784, 32, 10], seed: 11 });
    net.fit(subset(mnist.train, 0, 3000), { optimizer: 'sgd', lr: 0.1, batchSize: 32, epochs: 1 });
    checkpoint = net.toBytes();
    const test = subset(mnist.test, 0, IMAGES);
    pixels = test.pixels;
    labels = test.labels;
    for (const variant of VARIANTS) {
      if (variant === 'relaxed' && !simdnet.relaxedSimdSupported()) continue;
      const reference = simdnet.Network.fromBytes(await simdnet.loadSimdnet({ variant }), checkpoint);
      nodeProbabilities.set(variant, reference.predict(pixels).probabilities);
    }
    const train = subset(mnist.train, 3000, TRAIN_IMAGES);
    trainSet = { pixels: [...train.pixels], labels: [...train.labels] };
    const trained = simdnet.Network.fromBytes(await simdnet.loadSimdnet({ variant: 'simd' }), checkpoint);
    trained.fit(train, FIT);
    nodeTrained = trained.getParameters();
    nodeArtifacts = await (
      await import('simdnet/tfjs')
    ).layersModelHandler(simdnet.Network.fromBytes(await simdnet.loadSimdnet(), checkpoint)).load!();

    // Without the cross-origin isolation headers, as most pages are served; the isolated server is
    // the one for threads.
    server = await startStaticServer({ root: OUT_DIR, crossOriginIsolated: false });
    strictServer = await startStaticServer({ root: OUT_DIR, csp: CSP_WITHOUT_WASM, crossOriginIsolated: false });
    isolatedServer = await startStaticServer({ root: OUT_DIR });
    noWorkersServer = await startStaticServer({ root: OUT_DIR, csp: CSP_WITHOUT_WORKERS });
    browser = await launchChromium();
    page = await browser.newPage();
    problems = watchPage(page);
    await recordCspViolations(page);
    await page.goto(server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await strictServer?.close();
    await isolatedServer?.close();
    await noWorkersServer?.close();
    await rm(INSTALLED, { force: true });
  });

  it('the production build emits the five .wasm builds, byte for byte, and the worker file, and rewrites their URLs', async () => {
    const assets = await readdir(path.join(OUT_DIR, 'assets'));
    const js = assets.filter((f) => f.endsWith('.js'));
    const worker = js.find((f) => /^worker\.browser-[\w-]+\.js$/.test(f));
    assert.ok(worker, `no worker.browser-<hash>.js in ${assets.join(', ')}`);
    assert.equal(js.length, 2, `expected the app's chunk and the worker's, got ${js.join(', ')}`);
    const bundle = await readFile(
      path.join(
        OUT_DIR,
        'assets',
        js.find((f) => f !== worker)!,
      ),
      'utf8',
    );
    assert.ok(
      /new Worker\(new URL\(/.test(bundle) && bundle.includes(`/assets/${worker}`),
      `the bundle does not start /assets/${worker} with new Worker(new URL(…))`,
    );
    assert.ok(!/createObjectURL|blob:|data:text\/javascript/.test(bundle), 'the bundle makes a blob or data: URL');
    const workerCode = await readFile(path.join(OUT_DIR, 'assets', worker), 'utf8');
    assert.ok(workerCode.includes('parallel_run'), 'the worker file does not hold the worker loop');
    for (const variant of BUILDS) {
      const emitted = assets.find((f) => new RegExp(`^simdnet\\.${variant}-[\\w-]+\\.wasm$`).test(f));
      assert.ok(emitted, `no simdnet.${variant}-<hash>.wasm in ${assets.join(', ')}`);
      assert.deepEqual(
        await readFile(path.join(OUT_DIR, 'assets', emitted)),
        await readFile(path.join(REPO_ROOT, 'build', `simdnet.${variant}.wasm`)),
      );
      assert.ok(bundle.includes(`/assets/${emitted}`), `the bundle does not reference /assets/${emitted}`);
    }
    assert.ok(!bundle.includes('../build/'), 'the bundle still holds the unbundled ../build/ path');
    assert.ok(
      !/\bnode:fs\b|readFile/.test(bundle),
      'the bundle holds the Node loader: the exports map resolved the wrong entry',
    );
  });

  it('loads the relaxed build by default under the CSP (Chromium validates relaxed SIMD), from the emitted asset', async () => {
    assert.deepEqual(await appStatus(page), { phase: 'loaded', variant: 'relaxed' });
    assert.equal(await page.textContent('#status'), 'simdnet loaded: relaxed build, 1 thread');
    const urls = await page.evaluate(() => window.simdnetApp.wasmUrls);
    for (const variant of VARIANTS)
      assert.match(urls[variant], new RegExp(`^${server.url}assets/simdnet\\.${variant}-[\\w-]+\\.wasm$`));
    const fetched = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    assert.ok(fetched.includes(urls.relaxed), `the page fetched ${fetched.join(', ')}`);
  });

  /** Node's probabilities for a variant's predictions, or (relaxed on Node 20) simd's with the looser bound. */
  function referenceFor(variant: (typeof VARIANTS)[number]): { reference: Float32Array; tolerance: number } {
    const own = nodeProbabilities.get(variant);
    return own
      ? { reference: own, tolerance: TOLERANCE }
      : { reference: nodeProbabilities.get('simd')!, tolerance: RELAXED_TOLERANCE };
  }

  for (const variant of VARIANTS) {
    it(`predicts as Node does for the same checkpoint (${variant} build, ${IMAGES} test images, max |Δp| within bound)`, async () => {
      const result = await page.evaluate(
        ({ variant, checkpoint, pixels }) => window.simdnetApp.predict(variant, checkpoint, pixels),
        { variant, checkpoint: [...checkpoint], pixels: [...pixels] },
      );
      assert.equal(result.variant, variant);
      const { reference, tolerance } = referenceFor(variant);
      assert.equal(result.probabilities.length, reference.length);
      let maxDiff = 0,
        worst = 0;
      result.probabilities.forEach((p, i) => {
        const d = Math.abs(p - reference[i]!);
        if (d > maxDiff) {
          maxDiff = d;
          worst = i;
        }
      });
      const correct = result.classes.filter((c, i) => c === labels[i]).length;
      process.stdout.write(
        `# ${variant}: OK, maxdiff = ${maxDiff.toExponential(2)} (bound ${tolerance}) over ${IMAGES}×10 probabilities; ${correct}/${IMAGES} correct\n`,
      );
      assert.ok(
        maxDiff <= tolerance,
        `image ${Math.floor(worst / 10)}, class ${worst % 10}: browser ${result.probabilities[worst]} vs Node ${reference[worst]}`,
      );
      for (let i = 0; i < IMAGES; i++) {
        const row = reference.subarray(i * 10, (i + 1) * 10);
        assert.equal(
          result.classes[i],
          row.indexOf(Math.max(...row)),
          `image ${i}: browser class ${result.classes[i]}`,
        );
      }
    });
  }

  it("simdnet/tfjs's browser entry gives the model artifacts Node gives, and a network made back from them has the checkpoint's parameters and predictions", async () => {
    const result = await page.evaluate(({ checkpoint, pixels }) => window.simdnetApp.layersModel(checkpoint, pixels), {
      checkpoint: [...checkpoint],
      pixels: [...pixels],
    });
    assert.deepEqual(result.modelTopology, nodeArtifacts.modelTopology);
    assert.deepEqual(result.weightSpecs, nodeArtifacts.weightSpecs);
    assert.deepEqual(result.weightData, [...new Uint8Array(nodeArtifacts.weightData as ArrayBuffer)]);
    const simdnet = await import('simdnet');
    assert.deepEqual(result.parameters, [...simdnet.decodeCheckpoint(checkpoint).params]);
    // The app loads the default build: relaxed in Chromium.
    const { reference, tolerance } = referenceFor('relaxed');
    const maxDiff = result.probabilities.reduce((m, p, i) => Math.max(m, Math.abs(p - reference[i]!)), 0);
    assert.ok(maxDiff <= tolerance, `max |Δp| = ${maxDiff} > ${tolerance}`);
  });

  it('the same for a layer-spec network (Flatten, Dense relu, Dropout, logits): its layer list goes out as it is', async () => {
    const simdnet = await import('simdnet');
    const runtime = await simdnet.loadSimdnet({ variant: 'simd' });
    const net = simdnet.Network.create(runtime, {
      layers: [
        { type: 'input', shape: [28, 28] },
        { type: 'flatten' },
        { type: 'dense', units: 16, activation: 'relu' },
        { type: 'dropout', rate: 0.2 },
        { type: 'dense', units: 10 },
      ],
      seed: 3,
    });
    const specCheckpoint = net.toBytes();
    const expected = await (await import('simdnet/tfjs')).layersModelHandler(net).load!();
    const reference = net.predict(pixels).probabilities;
    net.dispose();
    const result = await page.evaluate(({ checkpoint, pixels }) => window.simdnetApp.layersModel(checkpoint, pixels), {
      checkpoint: [...specCheckpoint],
      pixels: [...pixels],
    });
    assert.deepEqual(result.modelTopology, expected.modelTopology);
    const layers = (result.modelTopology as { config: { layers: Array<{ class_name: string }> } }).config.layers;
    assert.deepEqual(
      layers.map((l) => l.class_name),
      ['Flatten', 'Dense', 'Dropout', 'Dense'],
    );
    assert.deepEqual(result.weightSpecs, expected.weightSpecs);
    assert.deepEqual(result.parameters, [...simdnet.decodeCheckpoint(specCheckpoint).params]);
    const maxDiff = result.probabilities.reduce((m, p, i) => Math.max(m, Math.abs(p - reference[i]!)), 0);
    assert.ok(maxDiff <= TOLERANCE, `max |Δp| = ${maxDiff} > ${TOLERANCE}`);
  });

  const train = (on: Page, threads: number, variant: 'simd' | 'relaxed' = 'simd'): Promise<TrainOutcome> =>
    on.evaluate(
      ({ variant, threads, checkpoint, trainSet, fit }) =>
        window.simdnetApp.train(variant, threads, checkpoint, trainSet.pixels, trainSet.labels, fit),
      { variant, threads, checkpoint: [...checkpoint], trainSet, fit: FIT },
    );

  it(`without cross-origin isolation, threads: 2 runs one thread, says why, and trains to Node's weights bit for bit`, async () => {
    const outcome = await train(page, 2);
    assert.equal(outcome.crossOriginIsolated, false);
    assert.equal(outcome.threads, 1);
    assert.match(
      outcome.singleThreadReason ?? '',
      /^threads: 2 was asked for, but this page is not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp.*; simdnet runs on one thread$/,
    );
    assert.deepEqual(outcome.parameters, [...nodeTrained]);
  });

  describe('served cross-origin isolated (COOP same-origin, COEP require-corp) under the demo CSP', () => {
    let isolated: Page;
    let isolatedProblems: PageProblems;
    const workers: string[] = [];

    before(async () => {
      isolated = await browser.newPage();
      isolatedProblems = watchPage(isolated);
      isolated.on('worker', (worker) => workers.push(worker.url()));
      await recordCspViolations(isolated);
      const response = await isolated.goto(isolatedServer.url);
      assert.equal(response?.headers()['content-security-policy'], DEMO_CSP);
      assert.deepEqual(await appStatus(isolated), { phase: 'loaded', variant: 'relaxed' });
    });

    after(() => isolated?.close());

    it(`threads: 1 trains ${TRAIN_IMAGES} images to Node's weights, bit for bit`, async () => {
      const outcome = await train(isolated, 1);
      assert.deepEqual(
        { ...outcome, parameters: undefined },
        { variant: 'simd', threads: 1, singleThreadReason: null, crossOriginIsolated: true, parameters: undefined },
      );
      assert.deepEqual(outcome.parameters, [...nodeTrained]);
    });

    it('threads: 2 starts one Web Worker from the emitted worker file and trains to the same weights, bit for bit (every call split)', async () => {
      const started = performance.now();
      const outcome = await train(isolated, 2);
      process.stdout.write(
        `# threads: 2 in Chromium: loaded and trained ${TRAIN_IMAGES} images (${FIT.epochs} epoch, batch ${FIT.batchSize}) in ${((performance.now() - started) / 1000).toFixed(2)} s\n`,
      );
      assert.deepEqual(
        { ...outcome, parameters: undefined },
        { variant: 'simd', threads: 2, singleThreadReason: null, crossOriginIsolated: true, parameters: undefined },
      );
      assert.deepEqual(outcome.parameters, [...nodeTrained]);
      assert.equal(workers.length, 1, `workers started: ${workers.join(', ')}`);
      assert.match(workers[0]!, new RegExp(`^${isolatedServer.url}assets/worker\\.browser-[\\w-]+\\.js$`));
    });

    it('relaxed, threads: 2 (the threads-relaxed build, every call split) trains to the weights relaxed on one thread gives, bit for bit', async () => {
      const one = await train(isolated, 1, 'relaxed');
      const two = await train(isolated, 2, 'relaxed');
      assert.deepEqual([one.variant, one.threads, two.variant, two.threads], ['relaxed', 1, 'relaxed', 2]);
      assert.deepEqual(two.parameters, one.parameters);
      assert.equal(workers.length, 2, `workers started: ${workers.join(', ')}`);
    });

    it('had no console error, page error, failed request or CSP violation', async () => {
      assert.deepEqual(await cspViolations(isolated), []);
      assert.deepEqual(isolatedProblems.errors, []);
      assert.deepEqual(isolatedProblems.requests, []);
    });
  });

  it("cross-origin isolated under worker-src 'none', threads: 2 fails to load with an error that names the causes", async () => {
    const blocked = await browser.newPage();
    try {
      await blocked.goto(noWorkersServer.url);
      const outcome = await blocked.evaluate(() => window.simdnetApp.tryLoad({ threads: 2 }));
      assert.equal(outcome.ok, false);
      process.stdout.write(`# worker-src 'none': ${outcome.error?.name}: ${outcome.error?.message}\n`);
      assert.match(
        `${outcome.error?.name}: ${outcome.error?.message}`,
        /^Error: simdnet worker 1 did not start: .*Content-Security-Policy worker-src without 'self'/,
      );
    } finally {
      await blocked.close();
    }
  });

  const tryLoad = (source: Parameters<Window['simdnetApp']['tryLoad']>[0]): Promise<LoadOutcome> =>
    page.evaluate((s) => window.simdnetApp.tryLoad(s), source);

  it('a 404 → TypeError naming the URL and the status', async () => {
    const outcome = await tryLoad({ url: '/missing.wasm' });
    assert.equal(outcome.ok, false);
    assert.equal(outcome.error?.name, 'TypeError');
    assert.equal(outcome.error?.message, `fetching ${server.url}missing.wasm failed: HTTP 404 Not Found`);
  });

  it("an HTML page (a server's fallback) → TypeError naming the URL, its Content-Type and its first bytes", async () => {
    const outcome = await tryLoad({ url: '/index.html' });
    assert.equal(outcome.error?.name, 'TypeError');
    assert.match(
      outcome.error!.message,
      new RegExp(
        `^${server.url}index\\.html \\(served as text/html; charset=utf-8: an HTML page, often a server's fallback for a missing file\\) ` +
          'is not a WebAssembly module \\(\\d+ bytes, starting 3c 21 64 6f 63 74 79 70; expected 00 61 73 6d\\)$',
      ),
    );
  });

  it('non-WASM bytes served as application/wasm → TypeError naming the URL and the bytes', async () => {
    const outcome = await tryLoad({ url: '/not-wasm.wasm' });
    assert.equal(outcome.error?.name, 'TypeError');
    assert.match(
      outcome.error!.message,
      new RegExp(`^${server.url}not-wasm\\.wasm is not a WebAssembly module \\(38 bytes, starting 3c 21 64 6f`),
    );
  });

  it('caller bytes and a compiled WebAssembly.Module load, and report the build they hold', async () => {
    for (const variant of VARIANTS) {
      for (const packaged of ['bytes', 'module'] as const) {
        assert.deepEqual(
          await tryLoad({ packaged, variant }),
          { ok: true, variant },
          `${packaged} of the ${variant} build`,
        );
      }
    }
  });

  it('had no console error, page error, CSP violation or failed request but the 404 asked for', async () => {
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems.requests, [`${server.url}missing.wasm: HTTP 404`]);
    assert.deepEqual(problems.errors, [
      'console.error: Failed to load resource: the server responded with a status of 404 (Not Found)',
    ]);
  });

  it(`under "${CSP_WITHOUT_WASM}" (no 'wasm-unsafe-eval') loading fails with an error that says so`, async () => {
    const strict = await browser.newPage();
    try {
      await recordCspViolations(strict);
      await strict.goto(strictServer.url);
      const status = await appStatus(strict);
      assert.ok(status.phase === 'failed', 'simdnet loaded although the CSP forbids compiling WebAssembly');
      const { error } = status;
      assert.match(
        error,
        /^TypeError: .*simdnet\.relaxed-[\w-]+\.wasm failed to compile: .*Content.Security.Polic.* add 'wasm-unsafe-eval' to script-src \('unsafe-eval' is not needed\)\.$/,
      );
      process.stdout.write(`# without 'wasm-unsafe-eval': ${error}\n`);
    } finally {
      await strict.close();
    }
  });
});

// Vite's dev server pre-bundles dependencies with esbuild into node_modules/.vite/deps/, which moves
// the loader away from ../build/: a known Vite limitation for new URL(…, import.meta.url) in
// dependencies. The loader must say what to do, and the documented fix must work.
describeInChromium("Vite's dev server with simdnet installed in node_modules", { timeout: 300_000 }, () => {
  let root: string;
  let browser: Browser;

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'simdnet-vite-dev-'));
    // What npm install puts there (the parts a browser needs): package.json, dist/, build/*.wasm.
    const installed = path.join(root, 'node_modules', 'simdnet');
    await mkdir(path.join(installed, 'build'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'package.json'), path.join(installed, 'package.json'));
    await cp(path.join(REPO_ROOT, 'dist'), path.join(installed, 'dist'), { recursive: true });
    for (const variant of BUILDS)
      await cp(
        path.join(REPO_ROOT, 'build', `simdnet.${variant}.wasm`),
        path.join(installed, 'build', `simdnet.${variant}.wasm`),
      );
    for (const file of ['index.html', 'main.ts']) await cp(path.join(APP_DIR, file), path.join(root, file));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function loadInDevServer(config: InlineConfig): Promise<string> {
    const server = await createServer({
      root,
      configFile: false,
      logLevel: 'silent',
      server: { host: '127.0.0.1', port: 0 },
      ...config,
    });
    try {
      await server.listen();
      const page = await browser.newPage();
      await page.goto(server.resolvedUrls!.local[0]!);
      const status = await appStatus(page);
      return status.phase === 'loaded'
        ? `loaded ${status.variant}`
        : status.phase === 'failed'
          ? status.error
          : status.phase;
    } finally {
      await server.close();
    }
  }

  it('with default settings, loading fails with an error that names the fix', async () => {
    const outcome = await loadInDevServer({});
    assert.match(
      outcome,
      /^TypeError: .*\/\.vite\/.*simdnet\.relaxed\.wasm .*add optimizeDeps: \{ exclude: \['simdnet'\] \} to the Vite config/,
    );
  });

  it("with optimizeDeps: { exclude: ['simdnet'] } it loads the relaxed build", async () => {
    assert.equal(await loadInDevServer({ optimizeDeps: { exclude: ['simdnet'] } }), 'loaded relaxed');
  });
});

/** The app's load status once it has settled, polled (a page promise may be collected unsettled). */
async function appStatus(page: Page): Promise<AppStatus> {
  await page.waitForFunction(
    () => window.simdnetAppStatus !== undefined && window.simdnetAppStatus.phase !== 'loading',
    undefined,
    { timeout: 0, polling: 50 },
  );
  return page.evaluate(() => window.simdnetAppStatus);
}
