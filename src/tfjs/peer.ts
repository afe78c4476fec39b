// TensorFlow.js for simdnet's Node-side tfjs modules (backend.ts, twin.ts), imported through
// optionalPeer: a module that imported it statically would fail to link without it, before any
// of simdnet's code could say which package to install.
import type * as TfModule from '@tensorflow/tfjs';
import type * as TfWasmModule from '@tensorflow/tfjs-backend-wasm';
import { optionalPeer, TFJS_PEER } from '../peers.node.js';

export type { TfModule };
export const tf: typeof TfModule = await optionalPeer(TFJS_PEER, () => import('@tensorflow/tfjs'));
export const tfWasm: typeof TfWasmModule = await optionalPeer(TFJS_PEER, () => import('@tensorflow/tfjs-backend-wasm'));
