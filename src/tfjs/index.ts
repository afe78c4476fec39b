// TensorFlow.js interoperation, Node: the twin (twin.ts), the backend set-up (backend.ts), the batch
// schedule (../schedule.ts) and LayersModel files (interop.ts). Loading this module loads tfjs and
// tfjs-backend-wasm; the rest of simdnet does not. layers-format.ts and ../schedule.ts are browser-safe.
export * from './backend.js';
export * from '../schedule.js';
export * from './interop.js';
export { TfjsTwin, createTwin, scalePixels, PIXEL_SCALE, type TwinFitMode, type TwinFitOptions, type TwinFitResult, type TwinStepInfo, type TwinEpochInfo } from './twin.js';
