// The README cannot rot: its performance tables are what scripts/readme-figures.ts makes of
// bench/results/*.json, its Node and browser examples run, and its CLI reference is each
// command's own usage text.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { COMPARE_USAGE } from '../../src/commands/compare.js';
import { EVALUATE_USAGE } from '../../src/commands/evaluate.js';
import { IMPORT_USAGE } from '../../src/commands/import.js';
import { PREDICT_USAGE } from '../../src/commands/predict.js';
import { PROFILE_USAGE } from '../../src/commands/profile.js';
import { TRAIN_USAGE } from '../../src/commands/train.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from '../../src/data/idx.js';
import { loadNetwork } from '../../src/io.node.js';
import { loadSimdnet } from '../../src/loader.node.js';
import { README, readmeFigures, replaceFigures } from '../../scripts/readme-figures.js';

const SRC = new URL('../../src/', import.meta.url);

let readme: string;
let scratch: string;

before(async () => {
  readme = await readFile(README, 'utf8');
  scratch = await mkdtemp(join(tmpdir(), 'simdnet-readme-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** The fenced code block right after the `<!-- example:NAME … -->` marker. */
function example(name: string): string {
  const match = new RegExp(`<!-- example:${name}\\b[^>]*-->\\n\`\`\`js\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  assert.ok(match, `README.md has no example:${name} block`);
  return match[1]!;
}

/** Writes `code` as a module in `dir` with `simdnet` imported from `entry` under src/, and runs it. */
async function runModule(dir: string, code: string, entry: string) {
  const file = join(dir, 'example.mts');
  const source = code.replace(/from 'simdnet'/g, `from '${new URL(entry, SRC).href}'`);
  assert.notEqual(source, code, 'the example does not import simdnet');
  await writeFile(file, source);
  // tsx by its full URL: the module runs in `dir`, where no node_modules resolves it.
  const run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), file], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function idx(magic: number, dims: number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

describe('README.md', () => {
  it('its performance tables are what bench/results/*.json give (npm run readme:figures)', async () => {
    const generated = replaceFigures(readme, await readmeFigures());
    assert.equal(readme, generated, 'README.md differs from bench/results/*.json: run npm run readme:figures');
  });

  it('the Node example trains MNIST, predicts and saves a checkpoint that loads', async () => {
    const dir = await mkdtemp(join(scratch, 'node-'));
    const run = await runModule(dir, example('node'), 'index.node.ts');
    assert.equal(run.code, 0, run.stderr);
    const accuracy = Number(/test accuracy (\d+\.\d\d) %/.exec(run.stdout)?.[1]);
    assert.ok(accuracy > 90, `test accuracy ${accuracy}: ${run.stdout}`);
    assert.match(run.stdout, /predicted \[ \d, \d, \d, \d, \d \] labels \[ 7, 2, 1, 0, 4 \]/);
    const net = await loadNetwork(await loadSimdnet(), join(dir, 'mnist.snet'));
    assert.deepEqual(net.layers, [784, 128, 10]);
    net.dispose();
  });

  it('the browser example runs on the browser entry, with fetch serving its .wasm and a tiny IDX set', async () => {
    const dir = await mkdtemp(join(scratch, 'browser-'));
    const count = 64;
    const pixels = Uint8Array.from({ length: count * 784 }, (_, i) => (i * 7) % 256);
    const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
    await writeFile(join(dir, 'train-images-idx3-ubyte'), idx(IDX_IMAGES_MAGIC, [count, 28, 28], pixels));
    await writeFile(join(dir, 'train-labels-idx1-ubyte'), idx(IDX_LABELS_MAGIC, [count], labels));
    // A page's fetch: file: URLs are the package's .wasm builds, /mnist/… the app's files.
    const stub = `import { readFile } from 'node:fs/promises';
globalThis.fetch = async (url) => {
  const href = String(url);
  const file = href.startsWith('file:') ? new URL(href) : ${JSON.stringify(pathToFileURL(dir).href)} + href.replace('/mnist', '');
  return new Response(await readFile(new URL(file)), { headers: { 'content-type': href.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream' } });
};
`;
    const run = await runModule(dir, stub + example('browser'), 'index.browser.ts');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^1 \d+\.\d+\n2 \d+\.\d+\na \d \(p = 0\.\d{3}\)\n$/);
  });

  for (const [command, usage] of [
    ['train', TRAIN_USAGE],
    ['evaluate', EVALUATE_USAGE],
    ['predict', PREDICT_USAGE],
    ['import', IMPORT_USAGE],
    ['compare', COMPARE_USAGE],
    ['profile', PROFILE_USAGE],
  ] as const) {
    it(`its simdnet ${command} reference is the command's usage text`, () => {
      const options = usage
        .split('\n')
        .filter((line) => !line.startsWith('usage:') && !line.includes('--help'))
        .join('\n');
      assert.ok(
        readme.includes(`\`\`\`\n${options}\n\`\`\``),
        `README.md lacks simdnet ${command}'s options as the usage prints them:\n${options}`,
      );
    });
  }
});
