// A worker_threads worker (started by loader.node.ts): the shared worker loop (worker.ts) on the
// port to the thread that started it.
import { parentPort } from 'node:worker_threads';
import { runWorker } from './worker.js';

const port = parentPort!;
// A failure rejects: Node reports it as the worker's 'error' event.
void runWorker({ listen: (listener) => port.on('message', listener), post: (message) => port.postMessage(message) });
