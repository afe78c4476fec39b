// The demo page: loads simdnet (the packaged .wasm, emitted by Vite from new URL(…, import.meta.url)),
// the compact MNIST subset and the TensorFlow.js twin, trains both in slices of a few steps so the
// chart stays live, and classifies what is drawn on the pad. window.simdnetDemo exposes the state
// and a few hooks for the browser tests (test/browser/demo.test.ts).
import { loadSimdnet, Network, type Dataset, type Runtime } from '../src/index.browser.js';
import { planSchedule, scheduleSteps } from '../src/schedule.js';
import { Chart, type Series } from './chart.js';
import { DEFAULT_TRAINING, type TrainingConfig } from './config.js';
import { fetchMnistSubset } from './data.js';
import { MNIST_SIDE } from '../src/data/digit.js';
import { DrawingPad } from './drawing.js';
import { initTfjs, TfjsTwin, type TfjsInfo } from './twin.js';

interface LibraryStats {
  steps: number;
  /** Time spent in training steps, summed over slices. */
  milliseconds: number;
  msPerStep: number | null;
  /** Loss of the very first batch, before any update: the two libraries should agree on it. */
  firstLoss: number | null;
  /** Mean batch loss over the last slice. */
  lastLoss: number | null;
  heldOut: { step: number; loss: number; accuracy: number } | null;
}

export interface DemoState {
  phase: 'loading' | 'ready' | 'training' | 'done' | 'stopped' | 'error';
  error: string | null;
  variant: string | null;
  /** Threads simdnet runs on, and why only one when more were asked for (no cross-origin isolation). */
  threads: number;
  singleThreadReason: string | null;
  config: TrainingConfig;
  data: { train: number; test: number } | null;
  step: number;
  totalSteps: number;
  simdnet: LibraryStats;
  tfjs: LibraryStats & { info: TfjsInfo | null; error: string | null };
}

export interface Classification {
  /** The 28×28 u8 image the networks saw. */
  input: number[];
  simdnet: { class: number; probabilities: number[] };
  tfjs: { class: number; probabilities: number[] } | null;
}

export interface DemoApi {
  state: DemoState;
  /** Resolves once simdnet, the data and the twin are loaded (or rejects with the load error). */
  ready: Promise<DemoState>;
  /** Resolves when the latest training run ends, done or stopped. */
  trained: Promise<DemoState>;
  /** Starts a fresh run (stopping a running one); resolves when it ends. */
  train(): Promise<DemoState>;
  /** Class probabilities of both networks for n concatenated 28×28 u8 images. */
  predict(pixels: ArrayLike<number>): { simdnet: number[]; tfjs: number[] | null };
  /** Classifies what is on the pad (and updates the page), or null when the pad is empty. */
  classifyDrawing(): Classification | null;
}

declare global {
  interface Window {
    simdnetDemo: DemoApi;
  }
}

const CLASSES = 10;

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new TypeError(`the page has no #${id}`);
  return element as T;
}

function emptyStats(): LibraryStats {
  return { steps: 0, milliseconds: 0, msPerStep: null, firstLoss: null, lastLoss: null, heldOut: null };
}

/** URL parameter `name` as a positive number (or integer), undefined when absent. */
function numberParam(search: URLSearchParams, name: string, integer: boolean): number | undefined {
  const text = search.get(name);
  if (text === null) return undefined;
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new RangeError(
      `URL parameter ${name} must be a ${integer ? 'positive integer' : 'positive number'}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

function readConfig(search: URLSearchParams): TrainingConfig {
  const config = { ...DEFAULT_TRAINING, layers: [...DEFAULT_TRAINING.layers] };
  const number = (name: string, integer: boolean): number | undefined => numberParam(search, name, integer);
  config.epochs = number('epochs', true) ?? config.epochs;
  config.batchSize = number('batch', true) ?? config.batchSize;
  config.lr = number('lr', false) ?? config.lr;
  config.seed = number('seed', true) ?? config.seed;
  const hidden = number('hidden', true);
  if (hidden !== undefined) config.layers = [784, hidden, 10];
  return config;
}

const search = new URLSearchParams(location.search);
const autostart = search.get('autostart') !== '0';
const withTwin = search.get('twin') !== '0';
/** Threads the choice offers: one per core, up to 4 (the demo's small network gains little beyond). */
const maxThreads = Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 4));

const el = {
  variant: byId('variant'),
  threads: byId('threads'),
  threadsChoice: byId<HTMLSelectElement>('threads-choice'),
  network: byId('network'),
  data: byId('data'),
  twin: byId('twin'),
  error: byId('error'),
  progress: byId('progress'),
  note: byId('config-note'),
  train: byId<HTMLButtonElement>('train'),
  stop: byId<HTMLButtonElement>('stop'),
  clear: byId<HTMLButtonElement>('clear'),
  chart: byId<HTMLCanvasElement>('chart'),
  pad: byId<HTMLCanvasElement>('pad'),
  preview: byId<HTMLCanvasElement>('preview'),
  guess: byId('guess'),
  bars: byId('bars'),
};
const statCells = (row: string): Record<string, HTMLElement> =>
  Object.fromEntries(
    [...document.querySelectorAll<HTMLElement>(`.stats tr.${row} td`)].map((td) => [td.dataset.stat ?? '', td]),
  );
const cells = { simdnet: statCells('simdnet'), tfjs: statCells('tfjs') };

const state: DemoState = {
  phase: 'loading',
  error: null,
  variant: null,
  threads: 1,
  singleThreadReason: null,
  config: DEFAULT_TRAINING,
  data: null,
  step: 0,
  totalSteps: 0,
  simdnet: emptyStats(),
  tfjs: { ...emptyStats(), info: null, error: null },
};

let runtime: Runtime | null = null;
let sets: { train: Dataset; test: Dataset } | null = null;
let net: Network | null = null;
let twin: TfjsTwin | null = null;
let stopRequested = false;
let running: Promise<DemoState> | null = null;
const chart = new Chart(el.chart);
const series: Record<'simdLoss' | 'tfjsLoss' | 'simdAcc' | 'tfjsAcc', Series> = {
  simdLoss: { label: 'simdnet loss', color: '#2563eb', dash: [], axis: 'loss', points: [] },
  tfjsLoss: { label: 'tfjs loss', color: '#ea580c', dash: [5, 4], axis: 'loss', points: [] },
  simdAcc: { label: 'simdnet held-out acc.', color: '#1e40af', dash: [], axis: 'accuracy', points: [] },
  tfjsAcc: { label: 'tfjs held-out acc.', color: '#c2410c', dash: [5, 4], axis: 'accuracy', points: [] },
};

function showError(err: unknown): void {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  state.error = message;
  el.error.textContent = message;
  el.error.hidden = false;
}

// ---- drawing and classification -----------------------------------------------------------

const bars = Array.from({ length: CLASSES }, (_, digit) => {
  const li = document.createElement('li');
  li.innerHTML =
    `<span class="digit">${digit}</span><span class="tracks"><span class="bar simdnet"><span class="fill"></span></span>` +
    '<span class="bar tfjs"><span class="fill"></span></span></span><span class="value"></span>';
  el.bars.append(li);
  const [simdFill, tfjsFill] = [...li.querySelectorAll<HTMLElement>('.fill')];
  return { li, simdFill: simdFill!, tfjsFill: tfjsFill!, value: li.querySelector<HTMLElement>('.value')! };
});

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function showClassification(result: Classification | null): void {
  const preview = el.preview.getContext('2d')!;
  const image = preview.createImageData(MNIST_SIDE, MNIST_SIDE);
  result?.input.forEach((v, i) => {
    image.data.set([v, v, v, 255], 4 * i);
  });
  if (result === null) for (let i = 0; i < MNIST_SIDE * MNIST_SIDE; i++) image.data[4 * i + 3] = 255;
  preview.putImageData(image, 0, 0);
  el.guess.textContent = result === null ? '?' : String(result.simdnet.class);
  bars.forEach((bar, digit) => {
    const p = result?.simdnet.probabilities[digit] ?? 0,
      q = result?.tfjs?.probabilities[digit] ?? 0;
    bar.simdFill.style.setProperty('--p', String(p));
    bar.tfjsFill.style.setProperty('--p', String(q));
    bar.value.textContent = result === null ? '' : `${(100 * p).toFixed(1)}%`;
    bar.li.classList.toggle('top', result !== null && digit === result.simdnet.class);
  });
}

function classifyDrawing(): Classification | null {
  if (net === null) return null;
  const input = pad.toMnist();
  if (!input.some((v) => v > 0)) {
    showClassification(null);
    return null;
  }
  const simd = net.predict(input);
  const tfjsProbabilities = twin?.predict(input) ?? null;
  const result: Classification = {
    input: [...input],
    simdnet: { class: simd.classes[0]!, probabilities: [...simd.probabilities] },
    tfjs:
      tfjsProbabilities === null ? null : { class: argmax(tfjsProbabilities), probabilities: [...tfjsProbabilities] },
  };
  showClassification(result);
  return result;
}

let classifyQueued = false;
const pad = new DrawingPad(el.pad, () => {
  if (classifyQueued) return;
  classifyQueued = true;
  requestAnimationFrame(() => {
    classifyQueued = false;
    classifyDrawing();
  });
});
el.clear.addEventListener('click', () => {
  pad.clear();
  showClassification(null);
});
showClassification(null);

// ---- training -----------------------------------------------------------------------------

function format(value: number | null | undefined, digits: number, suffix = ''): string {
  return value === null || value === undefined ? '–' : `${value.toFixed(digits)}${suffix}`;
}

function render(): void {
  const config = state.config;
  const epochs = state.data ? state.step / Math.ceil(state.data.train / config.batchSize) : 0;
  el.progress.textContent =
    state.phase === 'loading'
      ? 'loading…'
      : `${state.phase === 'training' ? 'training' : state.phase}: step ${state.step} / ${state.totalSteps} (epoch ${epochs.toFixed(2)} of ${config.epochs})`;
  for (const [name, stats] of [
    ['simdnet', state.simdnet],
    ['tfjs', state.tfjs],
  ] as const) {
    const row = cells[name];
    row.ms!.textContent = format(stats.msPerStep, 2);
    row.first!.textContent = format(stats.firstLoss, 5);
    row.loss!.textContent = format(stats.lastLoss, 4);
    row.heldLoss!.textContent = format(stats.heldOut?.loss, 4);
    row.heldAcc!.textContent = format(stats.heldOut ? 100 * stats.heldOut.accuracy : null, 1, '%');
  }
  chart.setRange(state.totalSteps, 2.5);
  chart.draw(
    withTwin ? [series.simdLoss, series.tfjsLoss, series.simdAcc, series.tfjsAcc] : [series.simdLoss, series.simdAcc],
  );
  el.train.disabled = state.phase === 'loading' || state.phase === 'error';
  el.stop.disabled = state.phase !== 'training';
}

function evaluateBoth(): void {
  const { test } = sets!;
  const simd = net!.evaluate(test);
  state.simdnet.heldOut = { step: state.step, loss: simd.loss, accuracy: simd.accuracy };
  series.simdAcc.points.push([state.step, simd.accuracy]);
  if (twin !== null) {
    const tfjs = twin.evaluate(test.pixels, test.labels);
    state.tfjs.heldOut = { step: state.step, ...tfjs };
    series.tfjsAcc.points.push([state.step, tfjs.accuracy]);
  }
}

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function runTraining(): Promise<DemoState> {
  const { train } = sets!;
  const config = state.config;
  net?.dispose();
  twin?.dispose();
  net = Network.create(runtime!, { layers: config.layers, init: 'he', seed: config.seed });
  twin = state.tfjs.info !== null ? new TfjsTwin(net.getLayerParameters(), config.lr) : null;
  el.network.textContent = `${config.layers.join('–')} · ${net.parameterCount.toLocaleString('en')} parameters · ${(net.memoryBytes / 2 ** 20).toFixed(1)} MiB arena`;
  state.simdnet = emptyStats();
  state.tfjs = { ...emptyStats(), info: state.tfjs.info, error: state.tfjs.error };
  for (const s of Object.values(series)) s.points = [];
  state.step = 0;
  state.totalSteps = config.epochs * Math.ceil(train.count / config.batchSize);
  state.phase = 'training';
  stopRequested = false;
  evaluateBoth();
  render();

  const size = train.rows * train.cols;
  const features = new Float32Array(config.batchSize * size);
  const batchLabels = new Uint8Array(config.batchSize);
  for (let slice = 0; state.step < state.totalSteps && !stopRequested; slice++) {
    const steps = Math.min(config.stepsPerSlice, state.totalSteps - state.step);
    // fit() runs the batch schedule of src/schedule.ts from a shuffle with `seed`: a fresh seed per
    // slice gives fresh batches, and the twin replays exactly those from the same schedule.
    const seed = config.seed * 100_003 + slice + 1;
    let lossSum = 0;
    const fit = net.fit(train, {
      optimizer: config.optimizer,
      lr: config.lr,
      batchSize: config.batchSize,
      iterations: steps,
      seed,
      onStep: (info) => {
        if (state.simdnet.firstLoss === null) state.simdnet.firstLoss = info.loss;
        lossSum += info.loss;
      },
    });
    state.simdnet.steps += steps;
    state.simdnet.milliseconds += fit.seconds * 1000;
    state.simdnet.msPerStep = state.simdnet.milliseconds / state.simdnet.steps;
    state.simdnet.lastLoss = lossSum / steps;
    series.simdLoss.points.push([state.step + steps, state.simdnet.lastLoss]);

    if (twin !== null) {
      let twinLoss = 0;
      const started = performance.now();
      for (const { indices } of scheduleSteps(
        train.count,
        planSchedule(train.count, { batchSize: config.batchSize, iterations: steps, seed }),
      )) {
        for (let r = 0; r < indices.length; r++) {
          const index = indices[r]!;
          batchLabels[r] = train.labels[index]!;
          const from = index * size;
          for (let k = 0; k < size; k++) features[r * size + k] = train.pixels[from + k]! / 255;
        }
        const { loss } = await twin.trainBatch(features, batchLabels, indices.length);
        if (state.tfjs.firstLoss === null) state.tfjs.firstLoss = loss;
        twinLoss += loss;
      }
      state.tfjs.steps += steps;
      state.tfjs.milliseconds += performance.now() - started;
      state.tfjs.msPerStep = state.tfjs.milliseconds / state.tfjs.steps;
      state.tfjs.lastLoss = twinLoss / steps;
      series.tfjsLoss.points.push([state.step + steps, state.tfjs.lastLoss]);
    }

    const before = state.step;
    state.step += steps;
    if (
      Math.floor(before / config.evaluateEvery) !== Math.floor(state.step / config.evaluateEvery) ||
      state.step === state.totalSteps
    ) {
      evaluateBoth();
    }
    render();
    await nextTask();
  }
  state.phase = stopRequested ? 'stopped' : 'done';
  render();
  classifyDrawing();
  return state;
}

function train(): Promise<DemoState> {
  const previous = running;
  stopRequested = true;
  const run = (previous ?? Promise.resolve()).catch(() => undefined).then(() => runTraining());
  running = run;
  api.trained = run;
  run.catch((err) => {
    state.phase = 'error';
    showError(err);
    console.error(err);
    render();
  });
  return run;
}

el.train.addEventListener('click', () => {
  void train();
});

// Another thread count needs another runtime: the page reloads with ?threads=N.
function showThreads(asked: number): void {
  el.threads.textContent = String(state.threads);
  el.threads.title = state.singleThreadReason ?? '';
  const choices = Math.max(maxThreads, asked);
  el.threadsChoice.replaceChildren(
    ...Array.from({ length: choices }, (_, i) => new Option(`${i + 1}`, `${i + 1}`, false, i + 1 === state.threads)),
  );
  el.threadsChoice.disabled = state.singleThreadReason !== null || choices === 1;
  el.threadsChoice.title =
    state.singleThreadReason ?? 'threads simdnet splits its kernel calls over (reloads the page)';
}
el.threadsChoice.addEventListener('change', () => {
  search.set('threads', el.threadsChoice.value);
  location.search = search.toString();
});
el.stop.addEventListener('click', () => {
  stopRequested = true;
});

// ---- start --------------------------------------------------------------------------------

async function start(): Promise<DemoState> {
  state.config = readConfig(search);
  const config = state.config;
  el.note.textContent =
    `SGD, learning rate ${config.lr}, batches of ${config.batchSize}, ${config.epochs} epochs' worth of steps; ` +
    `slices of ${config.stepsPerSlice} steps (fresh random batches each) between repaints; held-out set evaluated every ${config.evaluateEvery} steps.`;
  render();
  const twinInfo = withTwin
    ? initTfjs().catch((err: Error) => {
        state.tfjs.error = err.message;
        console.warn('TensorFlow.js twin unavailable:', err);
        return null;
      })
    : Promise.resolve(null);
  // ?threads=N, else one per core up to maxThreads; a page without cross-origin isolation runs one.
  const threads = numberParam(search, 'threads', true) ?? maxThreads;
  const [loaded, data, info] = await Promise.all([loadSimdnet({ threads }), fetchMnistSubset(), twinInfo]);
  runtime = loaded;
  sets = data;
  state.variant = loaded.variant;
  state.data = { train: data.train.count, test: data.test.count };
  state.tfjs.info = info;
  el.variant.textContent = {
    relaxed: 'relaxed (WASM SIMD with relaxed multiply-adds)',
    simd: 'simd (128-bit WASM SIMD)',
    scalar: 'scalar (no SIMD in this engine)',
  }[loaded.variant];
  state.threads = loaded.threads;
  state.singleThreadReason = loaded.singleThreadReason;
  showThreads(threads);
  el.data.textContent = `MNIST ${data.train.count.toLocaleString('en')} train · ${data.test.count.toLocaleString('en')} held-out`;
  el.twin.textContent =
    info !== null
      ? `tfjs ${info.version} · ${info.backend}${info.simd ? ' simd' : ''} · ${info.threads} thread${info.threads === 1 ? '' : 's'}`
      : withTwin
        ? `unavailable: ${state.tfjs.error}`
        : 'off (?twin=0)';
  state.phase = 'ready';
  render();
  return state;
}

const ready = start();
// With autostart, `trained` is the first run from the start, so a caller that asks early still
// waits for the training; after a load error it resolves with the state (phase 'error').
const api: DemoApi = {
  state,
  ready,
  trained: ready.then(
    () => (autostart ? train() : state),
    () => state,
  ),
  train,
  predict(pixels) {
    if (net === null) throw new TypeError('predict: no network yet (training has not started)');
    const input = Uint8Array.from(pixels);
    return { simdnet: [...net.predict(input).probabilities], tfjs: twin ? [...twin.predict(input)] : null };
  },
  classifyDrawing,
};
window.simdnetDemo = api;
ready.catch((err) => {
  state.phase = 'error';
  showError(err);
  console.error(err);
  render();
});
window.addEventListener('resize', () => render());
