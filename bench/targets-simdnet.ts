// simdnet's side of the targets suite (bench/targets.bench.ts), on the Node that runs this file:
// the training workloads as a user sees them — `simdnet train … --json` started cold in a child
// process of this same Node, its first epoch (iteration, for the seed's full batch) and a warm
// one — plus the library warm, inference on the whole test set from u8 images (first call and
// steady rate), each on one thread and on two, and each preset's whole step as a share of its
// roofline (`simdnet profile`). Every build the engine accepts is measured: relaxed where it
// validates, and simd.
//
//   node --import tsx bench/targets-simdnet.ts [--quick]   prints the figures as one JSON object
// (how bench/run.ts --node measures a second Node binary).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadMnist, loadSimdnet, Network, relaxedSimdSupported, type Mnist } from '../src/index.node.js';
import { profileStep } from '../src/commands/profile.js';
import type { TrainReport } from '../src/commands/train.js';
import { machineInfo, type MachineInfo } from '../src/perf/machine.js';
import { timeCalls } from '../src/perf/timing.js';

export type TrainingWorkload = 'seed' | 'sgd' | 'adam';

export interface TrainingSpec {
  label: string;
  layers: number[];
  optimizer: 'sgd' | 'adam';
  lr: number;
  batch: number | 'full';
  /** The CLI preset that is this workload, if one is. */
  preset?: 'seed';
}

/** What the CLI is given for `spec`, besides --json, --variant and --threads. */
function cliArgs(spec: TrainingSpec): string[] {
  if (spec.preset !== undefined) return ['--preset', spec.preset];
  const { layers, optimizer, lr, batch } = spec;
  return ['--layers', layers.join(','), '--optimizer', optimizer, '--lr', String(lr), '--batch', String(batch)];
}

/** The issue's workloads, as the CLI spells them. */
export const TRAINING: Record<TrainingWorkload, TrainingSpec> = {
  seed: {
    label: 'seed preset: 784-10-10 SGD lr 0.1, full batch of 60k',
    layers: [784, 10, 10],
    optimizer: 'sgd',
    lr: 0.1,
    batch: 'full',
    preset: 'seed',
  },
  sgd: {
    label: '784-10-10 SGD lr 0.1 batch 32',
    layers: [784, 10, 10],
    optimizer: 'sgd',
    lr: 0.1,
    batch: 32,
  },
  adam: {
    label: '784-128-10 Adam lr 0.001 batch 32',
    layers: [784, 128, 10],
    optimizer: 'adam',
    lr: 0.001,
    batch: 32,
  },
};
export const INFERENCE_LAYERS = [784, 128, 10];

/** One cold `simdnet train --json` run: its own figures. Times in ms per epoch (seed: per iteration). */
export interface CliRun {
  command: string;
  /** The CLI's msPerEpoch (seed: msPerStep) over the whole run. */
  reportedMs: number;
  /** The first epoch (iteration) of the cold run, and the median of the later ones. */
  firstMs: number;
  warmMs: number;
  epochs: number;
  /** The child process from start to exit: Node's start, loading MNIST, preparing the arena, training, testing. */
  wallMs: number;
  /** The user figure (targets-report.ts's userFigure) of every cold run made; this run is the fastest of them. */
  coldRuns?: number[];
}

export interface TrainingFigures {
  workload: TrainingWorkload;
  one: CliRun;
  two: CliRun;
  /** Network.fit in this process after a warm-up: ms per epoch (seed: per iteration). */
  libraryWarmMs: number;
}

export interface InferenceFigures {
  threads: number;
  /** The first predict call on a freshly loaded module, in ms, and the steady rate. */
  firstCallMs: number;
  imagesPerSecond: number;
  rme: number;
}

export interface RooflineFigure {
  workload: TrainingWorkload;
  stepSeconds: number;
  rooflineSeconds: number;
  /** rooflineSeconds ÷ stepSeconds. */
  share: number;
  peakGflops: number;
}

export interface VariantFigures {
  variant: 'relaxed' | 'simd';
  training: TrainingFigures[];
  inference: InferenceFigures[];
  roofline: RooflineFigure[];
}

export interface NodeFigures {
  machine: MachineInfo;
  /** Why relaxed was not measured, when it was not. */
  relaxedUnavailable?: string;
  variants: VariantFigures[];
}

const ROOT = new URL('../', import.meta.url);
const CLI = fileURLToPath(new URL('dist/cli.js', ROOT));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** `simdnet train … --json` in a child process of this Node, started cold. */
export function cliTrain(spec: TrainingSpec, variant: string, threads: number, quick: boolean): CliRun {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (the targets time the CLI)`);
  // Two epochs: the first is cold, the second warm. The seed's full batch: 20 iterations (5 quick).
  const length = spec.batch === 'full' ? ['--iterations', quick ? '5' : '20'] : ['--epochs', '2'];
  const args = ['train', ...cliArgs(spec), ...length, '--variant', variant, '--threads', String(threads), '--json'];
  const started = performance.now();
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const wallMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`simdnet ${args.join(' ')} exited with ${run.status}: ${run.stderr}`);
  const report = JSON.parse(run.stdout.trim().split('\n').pop()!) as TrainReport;
  const history = report.history ?? [];
  if (history.length < 2 || history.some((h) => h.steps !== history[0]!.steps)) {
    throw new Error(`simdnet ${args.join(' ')}: expected one history entry per epoch, got ${history.length}`);
  }
  const [start, end] = [history[0]!, history[history.length - 1]!];
  if (!(end.testLoss < start.testLoss)) {
    throw new Error(`simdnet ${args.join(' ')} did not train: test loss ${start.testLoss} → ${end.testLoss}`);
  }
  return {
    command: `simdnet ${args.join(' ')}`,
    reportedMs: spec.batch === 'full' ? report.msPerStep : report.msPerEpoch,
    firstMs: history[0]!.ms,
    warmMs: median(history.slice(1).map((h) => h.ms)),
    epochs: history.length,
    wallMs,
  };
}

/**
 * What a user sees of a training run: the seed preset's CLI figure (ms per iteration over a cold
 * run of several iterations) and, for mini-batches, the first epoch of a cold CLI run — what
 * `simdnet train --json` reports for its default single epoch.
 */
export function userFigure(workload: TrainingWorkload, run: CliRun): number {
  return workload === 'seed' ? run.reportedMs : run.firstMs;
}

/**
 * Runs of each timed figure in the targets (simdnet's cold CLI runs, tfjs's model.fit epochs): on
 * a shared machine a single run can be slowed down by the neighbours' load (a whole run 40 %
 * slower, seen), so the fastest, the least disturbed, counts. One in quick mode.
 */
export function timedRuns(quick: boolean): number {
  return quick ? 1 : 3;
}

/** Of several cold runs of one workload, the one whose user figure is the smallest, with every run's figure. */
export function fastestRun(workload: TrainingWorkload, runs: readonly CliRun[]): CliRun {
  const figures = runs.map((run) => userFigure(workload, run));
  return { ...runs[figures.indexOf(Math.min(...figures))]!, coldRuns: figures };
}

/** cliTrain timedRuns(quick) times, the fastest run. */
function fastestColdRun(workload: TrainingWorkload, variant: string, threads: number, quick: boolean): CliRun {
  const runs = Array.from({ length: timedRuns(quick) }, () => cliTrain(TRAINING[workload], variant, threads, quick));
  return fastestRun(workload, runs);
}

async function libraryWarm(spec: TrainingSpec, variant: string, data: Mnist, quick: boolean): Promise<number> {
  const runtime = await loadSimdnet({ variant: variant as 'simd' });
  try {
    const net = Network.create(runtime, { layers: spec.layers, init: 'uniform', seed: 1 });
    const options = { optimizer: spec.optimizer, lr: spec.lr, batchSize: spec.batch };
    net.fit(data.train, { ...options, iterations: spec.batch === 'full' ? 2 : 200 }); // warm-up
    const fit = net.fit(data.train, spec.batch === 'full' ? { ...options, iterations: quick ? 5 : 20 } : options);
    net.dispose();
    return spec.batch === 'full' ? fit.msPerStep : fit.msPerEpoch;
  } finally {
    await runtime.dispose();
  }
}

async function inference(variant: string, threads: number, data: Mnist, quick: boolean): Promise<InferenceFigures> {
  const runtime = await loadSimdnet({ variant: variant as 'simd', threads });
  try {
    const net = Network.create(runtime, { layers: INFERENCE_LAYERS, seed: 1 });
    const pixels = data.test.pixels,
      images = data.test.count;
    const t0 = performance.now();
    const first = net.predict(pixels);
    const firstCallMs = performance.now() - t0;
    if (first.classes.length !== images) throw new Error(`predict returned ${first.classes.length} classes`);
    const t = timeCalls(() => net.predict(pixels), { seconds: quick ? 0.3 : 2, minSamples: 5 });
    net.dispose();
    return { threads, firstCallMs, imagesPerSecond: images / t.mean, rme: t.rme };
  } finally {
    await runtime.dispose();
  }
}

/** All of simdnet's figures on this Node, for every build it accepts. */
export async function measureSimdnet(options: { quick: boolean; log?: (line: string) => void }): Promise<NodeFigures> {
  const log = options.log ?? (() => {});
  const data = await loadMnist();
  const builds = relaxedSimdSupported() ? (['relaxed', 'simd'] as const) : (['simd'] as const);
  const variants: VariantFigures[] = [];
  for (const variant of builds) {
    // Inference first: its first call is the module's first, compiled lazily like a user's.
    const inf: InferenceFigures[] = [];
    for (const threads of [1, 2]) inf.push(await inference(variant, threads, data, options.quick));
    log(
      `  targets ${process.version} ${variant}: inference ${inf.map((i) => `${(i.imagesPerSecond / 1e3).toFixed(0)}k img/s (${i.threads}t)`).join(', ')}`,
    );
    const training: TrainingFigures[] = [];
    for (const workload of Object.keys(TRAINING) as TrainingWorkload[]) {
      const spec = TRAINING[workload];
      const f: TrainingFigures = {
        workload,
        one: fastestColdRun(workload, variant, 1, options.quick),
        two: fastestColdRun(workload, variant, 2, options.quick),
        libraryWarmMs: await libraryWarm(spec, variant, data, options.quick),
      };
      log(
        `  targets ${process.version} ${variant} ${workload}: CLI first ${f.one.firstMs.toFixed(1)} ms, warm ${f.one.warmMs.toFixed(1)} ms; 2 threads first ${f.two.firstMs.toFixed(1)} ms; library warm ${f.libraryWarmMs.toFixed(1)} ms`,
      );
      training.push(f);
    }
    const roofline: RooflineFigure[] = [];
    for (const workload of Object.keys(TRAINING) as TrainingWorkload[]) {
      const spec = TRAINING[workload];
      const full = spec.batch === 'full';
      const r = await profileStep({
        layers: spec.layers,
        batch: full ? data.train.count : (spec.batch as number),
        optimizer: spec.optimizer,
        steps: full ? (options.quick ? 3 : 10) : options.quick ? 50 : 500,
        variant,
      });
      roofline.push({
        workload,
        stepSeconds: r.total.stepSeconds,
        rooflineSeconds: r.total.rooflineSeconds,
        share: r.total.rooflineSeconds / r.total.stepSeconds,
        peakGflops: r.limits.peakFlops / 1e9,
      });
    }
    log(
      `  targets ${process.version} ${variant}: roofline share ${roofline.map((r) => `${r.workload} ${(100 * r.share).toFixed(0)}%`).join(', ')}`,
    );
    variants.push({ variant, training, inference: inf, roofline });
  }
  return {
    machine: machineInfo(builds.join(', ')),
    ...(relaxedSimdSupported()
      ? {}
      : { relaxedUnavailable: 'relaxed SIMD is unavailable (the engine does not validate relaxed-SIMD modules)' }),
    variants,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const figures = await measureSimdnet({
    quick: process.argv.includes('--quick'),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
