// The TensorFlow.js backends the twin and the comparison run on, and what each reports: plain
// data, no TensorFlow.js loaded, so the CLI's flags and reports can name them without the peers.
export type TfjsBackendName = 'wasm' | 'cpu';
export const TFJS_BACKENDS: readonly TfjsBackendName[] = ['wasm', 'cpu'];

export interface TfjsBackendInfo {
  name: TfjsBackendName;
  /** tfjs version (tfjs-core). */
  version: string;
  /** For wasm: the binary the backend loaded, e.g. `tfjs-backend-wasm-simd.wasm`; null for cpu. */
  binary: string | null;
  /** For wasm: the directory it was read from. */
  directory: string | null;
  /** Threads XNNPACK runs on (wasm), 1 for cpu. */
  threads: number;
  simd: boolean;
}
