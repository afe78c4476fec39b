export * from './core.js';
export { loadSimdnet, packagedWasmUrl } from './loader.node.js';
export { saveNetwork, loadNetwork } from './io.node.js';
export { loadMnist, type LoadMnistOptions, type Mnist } from './data/mnist.js';
