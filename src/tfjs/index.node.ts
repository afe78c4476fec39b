// simdnet/tfjs in Node: everything index.browser.ts has, plus what needs Node and tfjs itself —
// the twin (twin.ts), the backend set-up (backend.ts) and LayersModel files (interop.ts:
// fileHandler, exportLayersModel, importLayersModel). Loading this module loads
// @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm (optional peers; peer.ts says what to install
// when they are missing); the rest of simdnet does not.
export * from './index.browser.js';
export * from './backend.js';
export { fileHandler, exportLayersModel, importLayersModel } from './interop.js';
export {
  TfjsTwin,
  createTwin,
  scalePixels,
  PIXEL_SCALE,
  type TwinFitMode,
  type TwinFitOptions,
  type TwinFitResult,
  type TwinStepInfo,
  type TwinEpochInfo,
} from './twin.js';
