// Runtime.dispose(): it ends a threaded runtime's workers (their threads are gone once it resolves),
// is idempotent, and every later use of the runtime, or of a network or arena made on it, throws a
// TypeError that says dispose() was called and names the method — never a hang on ended workers.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadSimdnet, nodePlatform } from '../../src/loader.node.js';
import { Network } from '../../src/network.js';
import type { Arena } from '../../src/arena.js';
import { loadRuntime, type Platform, type Runtime } from '../../src/runtime.js';

/** A TypeError saying Runtime.dispose() was called, naming `method`. */
function afterDispose(method: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof TypeError, `expected a TypeError, got ${String(err)}`);
    assert.equal(
      err.message,
      `Runtime.dispose() was called: ${method} cannot use this runtime any more (load another with loadSimdnet())`,
    );
    return true;
  };
}

/** OS threads of this process (Linux), or null where /proc is not there. */
function osThreads(): number | null {
  if (!existsSync('/proc/self/status')) return null;
  return Number(/^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}

const data = {
  count: 64,
  rows: 4,
  cols: 4,
  pixels: Uint8Array.from({ length: 64 * 16 }, (_, i) => (i * 37) % 256),
  labels: Uint8Array.from({ length: 64 }, (_, i) => i % 3),
};

/** What every use after dispose() must do, on a network and an arena made before it. */
function expectUnusable(runtime: Runtime, net: Network, checkpoint: Uint8Array, arena: Arena): void {
  assert.throws(() => net.predict(data.pixels), afterDispose('Network.predict'));
  assert.throws(() => net.fit(data, { epochs: 1, batchSize: 16 }), afterDispose('Network.fit'));
  assert.throws(() => net.getParameters(), afterDispose('Network.getParameters'));
  assert.throws(() => Network.create(runtime, { layers: [16, 3] }), afterDispose('Network.create'));
  assert.throws(() => Network.fromBytes(runtime, checkpoint), afterDispose('Network.fromBytes'));
  assert.throws(() => runtime.createArena({ a: [4] }), afterDispose('Runtime.createArena'));
  const [c, a, b] = ['c', 'a', 'b'].map((name) => arena.tensor(name, 'f32'));
  assert.throws(() => arena.kernels.sgemm(c!, a!, b!), afterDispose('arena.kernels.sgemm'));
  assert.throws(() => arena.exports, afterDispose('Arena.exports'));
  // Disposing what was made on it stays harmless.
  net.dispose();
  arena.dispose();
}

describe('Runtime.dispose()', () => {
  it('one thread: resolves, is idempotent, and later uses throw a TypeError naming the method', async () => {
    const runtime = await loadSimdnet();
    const net = Network.create(runtime, { layers: [16, 8, 3], seed: 1 });
    net.fit(data, { epochs: 1, batchSize: 16 });
    const arena = runtime.createArena({ c: [4, 4], a: [4, 4], b: [4, 4] });
    const checkpoint = net.toBytes();
    assert.equal(runtime.disposed, false);
    const first = runtime.dispose();
    assert.equal(runtime.disposed, true);
    assert.equal(runtime.dispose(), first, "a second dispose() returns the first one's promise");
    await first;
    expectUnusable(runtime, net, checkpoint, arena);
  });

  it('threads: 2 ends its worker (its OS threads are gone once dispose() resolves) and later uses throw at once', async () => {
    await loadSimdnet(); // the process's own lazily started threads (the file-system pool) start here, not in the count below
    const terminated: number[] = [];
    const platform: Platform = {
      ...nodePlatform,
      threads(variant) {
        const threads = nodePlatform.threads(variant);
        if ('unavailable' in threads) return threads;
        return {
          location: threads.location,
          startWorker: (index, events) => {
            const worker = threads.startWorker(index, events);
            return {
              post: worker.post,
              terminate: async () => {
                await worker.terminate();
                terminated.push(index);
              },
            };
          },
        };
      },
    };
    const before = osThreads();
    const runtime = await loadRuntime(platform, { threads: 2, minSplitWork: 0 });
    assert.equal(runtime.threads, 2);
    const during = osThreads();
    if (before !== null) assert.ok(during! > before, `threads before loading: ${before}, with a worker: ${during}`);
    const net = Network.create(runtime, { layers: [16, 8, 3], seed: 1 });
    net.fit(data, { epochs: 1, batchSize: 16 });
    const arena = runtime.createArena({ c: [4, 4], a: [4, 4], b: [4, 4] });
    const checkpoint = net.toBytes();
    const split = arena.parallel; // held across dispose(): its calls must not wait for the ended worker
    await Promise.all([runtime.dispose(), runtime.dispose()]);
    assert.deepEqual(terminated, [1], 'the worker was terminated once');
    if (before !== null) assert.equal(osThreads(), before, "the worker's OS threads are gone");
    assert.throws(
      () => split.sgd_update(0, 0, 65536, 0.1),
      (err: unknown) =>
        err instanceof TypeError &&
        err.message === 'Runtime.dispose() was called: sgd_update cannot run on its ended workers',
    );
    expectUnusable(runtime, net, checkpoint, arena);
  });
});
