// A tiny app as a user would write it: simdnet and simdnet/tfjs imported by their package names,
// bundled by Vite with no configuration for the .wasm files or the worker. window.simdnetApp is
// what test/browser/vite-app.test.ts drives.
import { loadSimdnet, Network, packagedWasmUrl, type FitOptions, type LoadOptions, type Variant } from 'simdnet';
import { layersModelHandler, networkFromModelArtifacts } from 'simdnet/tfjs';

export interface LoadOutcome {
  ok: boolean;
  variant?: string;
  error?: { name: string; message: string };
}

export interface AppApi {
  /** The packaged build's URL after bundling, per variant. */
  wasmUrls: Record<Variant, string>;
  /** Probabilities and classes of a checkpoint's network on n concatenated 28×28 u8 images. */
  predict(
    variant: Variant,
    checkpoint: number[],
    pixels: number[],
  ): Promise<{ variant: string; probabilities: number[]; classes: number[] }>;
  /**
   * Trains a checkpoint's network on n 28×28 u8 images with loadSimdnet({ variant, threads,
   * minSplitWork: 0 }) (every split kernel call split), and says what the runtime ran and the
   * trained parameters.
   */
  train(
    variant: Variant | 'auto',
    threads: number,
    checkpoint: number[],
    pixels: number[],
    labels: number[],
    fit: FitOptions,
  ): Promise<TrainOutcome>;
  /** loadSimdnet with a URL source, the packaged build's bytes / compiled module, or threads. */
  tryLoad(
    source: { url: string } | { packaged: 'bytes' | 'module'; variant: Variant } | { threads: number },
  ): Promise<LoadOutcome>;
  /**
   * A checkpoint's network as the tfjs model artifacts simdnet/tfjs gives tf.loadLayersModel, and
   * the network made back from them: its parameters and probabilities on n 28×28 u8 images.
   */
  layersModel(checkpoint: number[], pixels: number[]): Promise<LayersModelOutcome>;
}

export interface LayersModelOutcome {
  modelTopology: unknown;
  weightSpecs: unknown;
  weightData: number[];
  parameters: number[];
  probabilities: number[];
}

export interface TrainOutcome {
  variant: string;
  threads: number;
  singleThreadReason: string | null;
  crossOriginIsolated: boolean;
  parameters: number[];
}

/** Where the first loadSimdnet() stands; tests poll it (a page promise may be collected unsettled). */
export type AppStatus =
  { phase: 'loading' } | { phase: 'loaded'; variant: string } | { phase: 'failed'; error: string };

declare global {
  interface Window {
    simdnetApp: AppApi;
    simdnetAppStatus: AppStatus;
  }
}

async function outcome(options: LoadOptions): Promise<LoadOutcome> {
  try {
    const runtime = await loadSimdnet(options);
    return { ok: true, variant: runtime.variant };
  } catch (err) {
    return { ok: false, error: { name: (err as Error).constructor.name, message: (err as Error).message } };
  }
}

window.simdnetApp = {
  wasmUrls: {
    relaxed: packagedWasmUrl('relaxed').href,
    simd: packagedWasmUrl('simd').href,
    scalar: packagedWasmUrl('scalar').href,
  },
  async predict(variant, checkpoint, pixels) {
    const runtime = await loadSimdnet({ variant });
    const net = Network.fromBytes(runtime, Uint8Array.from(checkpoint), 'checkpoint from Node');
    try {
      const { probabilities, classes } = net.predict(Uint8Array.from(pixels));
      return { variant: runtime.variant, probabilities: [...probabilities], classes: [...classes] };
    } finally {
      net.dispose();
    }
  },
  async train(variant, threads, checkpoint, pixels, labels, fit) {
    const runtime = await loadSimdnet({ variant, threads, minSplitWork: 0 });
    const net = Network.fromBytes(runtime, Uint8Array.from(checkpoint), 'checkpoint from Node');
    try {
      net.fit(
        { count: labels.length, rows: 28, cols: 28, pixels: Uint8Array.from(pixels), labels: Uint8Array.from(labels) },
        fit,
      );
      return {
        variant: runtime.variant,
        threads: runtime.threads,
        singleThreadReason: runtime.singleThreadReason,
        crossOriginIsolated,
        parameters: [...net.getParameters()],
      };
    } finally {
      net.dispose();
    }
  },
  async tryLoad(source) {
    if ('url' in source) return outcome({ source: source.url });
    if ('threads' in source) return outcome({ threads: source.threads });
    const bytes = await (await fetch(packagedWasmUrl(source.variant))).arrayBuffer();
    return outcome({ source: source.packaged === 'bytes' ? bytes : await WebAssembly.compile(bytes) });
  },
  async layersModel(checkpoint, pixels) {
    // The simd build, as the Node reference: probabilities compare within TOLERANCE.
    const runtime = await loadSimdnet({ variant: 'simd' });
    const net = Network.fromBytes(runtime, Uint8Array.from(checkpoint), 'checkpoint from Node');
    const { modelTopology, weightSpecs, weightData } = await layersModelHandler(net).load!();
    const back = networkFromModelArtifacts(
      runtime,
      { modelTopology, weightSpecs, weightData },
      'artifacts in the page',
    );
    try {
      return {
        modelTopology,
        weightSpecs,
        weightData: [...new Uint8Array(weightData as ArrayBuffer)],
        parameters: [...back.getParameters()],
        probabilities: [...back.predict(Uint8Array.from(pixels)).probabilities],
      };
    } finally {
      net.dispose();
      back.dispose();
    }
  },
};

const status = document.getElementById('status')!;
window.simdnetAppStatus = { phase: 'loading' };
loadSimdnet().then(
  (runtime) => {
    status.textContent = `simdnet loaded: ${runtime.variant} build, 1 thread`;
    window.simdnetAppStatus = { phase: 'loaded', variant: runtime.variant };
  },
  (err: Error) => {
    status.textContent = `simdnet failed to load: ${err.message}`;
    window.simdnetAppStatus = { phase: 'failed', error: `${err.constructor.name}: ${err.message}` };
  },
);
