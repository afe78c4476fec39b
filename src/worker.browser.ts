// A browser's module Web Worker (started by loader.browser.ts from this file, never from a blob or
// eval): the shared worker loop (worker.ts) on the worker's own message port.
import { runWorker } from './worker.js';

/** The parts of DedicatedWorkerGlobalScope used here (the project compiles against the DOM library). */
const scope = globalThis as unknown as {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  postMessage(message: unknown): void;
};
// A failure rejects: the browser logs it on the worker, and the doorbell tells the calling thread.
void runWorker({
  listen: (listener) => scope.addEventListener('message', (event) => listener(event.data)),
  post: (message) => scope.postMessage(message),
});
