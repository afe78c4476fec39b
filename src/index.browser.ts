export * from './core.js';
export { loadSimdnet, packagedWasmUrl } from './loader.browser.js';
