// The worker side of src/threads.ts: one loop, run by Node's worker_threads (worker.node.ts) and by
// browsers' Web Workers (worker.browser.ts) alike. A worker serves kernel calls on the arenas it
// holds a binding for, sharing each arena's memory with the thread that started it.
//
// Messages only arrive when a worker returns to its event loop (browsers have no synchronous
// receive), while calls arrive through the doorbell. So the thread that starts the workers counts
// the messages it posted (POSTED) and bumps EVENTS for every message and every call; a worker
// takes every posted message before it looks for a call, returning to its event loop only when a
// counted message has not reached it yet. An arena's binding is posted before any call on that
// arena, so it is always in place when the call comes; and a worker asleep in Atomics.wait on
// EVENTS wakes for a message (an arena to drop) as it does for a call.
import { DOORBELL, type WorkerMessage, type WorkerStart } from './threads.js';

/** How a worker talks to the thread that started it. */
export interface WorkerPort {
  /** Calls `listener` with every message posted to this worker, in order. */
  listen(listener: (message: unknown) => void): void;
  post(message: unknown): void;
}

/**
 * Serves the worker's port: the first message is the WorkerStart, the rest WorkerMessages. Posts
 * `{ started: index }` once it serves calls. A failure is thrown out of the returned promise after
 * the doorbell says so, so the platform reports it and the calling thread stops waiting.
 */
export async function runWorker(port: WorkerPort): Promise<void> {
  const inbox: unknown[] = [];
  let delivered: (() => void) | null = null;
  port.listen((message) => {
    inbox.push(message);
    delivered?.();
    delivered = null;
  });
  const next = async (): Promise<unknown> => {
    while (inbox.length === 0)
      await new Promise<void>((resolve) => {
        delivered = resolve;
      });
    return inbox.shift();
  };
  const start = (await next()) as WorkerStart;
  await serveCalls(start, next as () => Promise<WorkerMessage>, () => port.post({ started: start.index }));
}

async function serveCalls(start: WorkerStart, next: () => Promise<WorkerMessage>, started: () => void): Promise<void> {
  const { module, doorbell, index, workers, spinMs } = start;
  const bell = new Int32Array(doorbell);
  const arenas = new Map<number, { parallelRun(control: number, t: number): void; control: number }>();
  let received = 0;
  // Read before the worker says it started: the caller may ring as soon as every worker has, and
  // that call must look new to this worker.
  let seen = Atomics.load(bell, DOORBELL.GENERATION);
  started();
  try {
    for (;;) {
      const events = Atomics.load(bell, DOORBELL.EVENTS);
      // The call count before the message count: the caller counts a message (POSTED) before it
      // rings for a call on its arena (GENERATION), so a ring seen here comes with its arena's
      // binding counted. Read the other way round, a binding posted and rung for between the two
      // reads looked like a call on an arena the worker did not hold (once in a CI run, Node 22).
      const generation = Atomics.load(bell, DOORBELL.GENERATION);
      if (received < Atomics.load(bell, DOORBELL.POSTED)) {
        const message = await next();
        received++;
        if ('drop' in message) arenas.delete(message.drop);
        else {
          const exports = new WebAssembly.Instance(module, { env: { memory: message.memory } }).exports;
          arenas.set(message.id, {
            parallelRun: exports.parallel_run as (control: number, t: number) => void,
            control: message.control,
          });
        }
        continue;
      }
      if (generation === seen) {
        idle(bell, events, spinMs);
        continue;
      }
      seen = generation;
      const id = Atomics.load(bell, DOORBELL.ARENA);
      const arena = arenas.get(id);
      if (arena === undefined) throw new Error(`simdnet worker ${index}: no binding for arena ${id}`);
      arena.parallelRun(arena.control, index);
      if (Atomics.add(bell, DOORBELL.DONE, 1) + 1 === workers) Atomics.notify(bell, DOORBELL.DONE);
    }
  } catch (err) {
    // The caller spins or waits on DONE: stop it with the failure instead of leaving it waiting.
    Atomics.store(bell, DOORBELL.FAILED, index);
    Atomics.notify(bell, DOORBELL.DONE);
    throw err;
  }
}

/**
 * Waits until EVENTS moves on from `events`: spins for `spinMs` first (a training step's calls
 * come back to back), then sleeps. Workers may block in Atomics.wait on every platform.
 */
function idle(bell: Int32Array, events: number, spinMs: number): void {
  const until = performance.now() + spinMs;
  while (Atomics.load(bell, DOORBELL.EVENTS) === events && performance.now() < until) {
    /* spin */
  }
  Atomics.wait(bell, DOORBELL.EVENTS, events);
}
