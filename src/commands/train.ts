// `simdnet train`: trains a network on MNIST (the embedded copy or --data DIR) and reports test
// accuracy and timings; `--preset seed` is the seed's from-scratch run.
import { writeFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Variant } from '../abi.js';
import { loadMnist, type Dataset } from '../data/mnist.js';
import { saveNetwork } from '../io.node.js';
import { loadSimdnet } from '../loader.node.js';
import { defaultLearningRate } from '../model/optimizers.js';
import {
  INITIALIZERS,
  Network,
  OPTIMIZERS,
  type FitOptions,
  type Initializer,
  type OptimizerName,
} from '../network.js';
import { TrainingHistory, trainingPlot, type HistoryEntry } from '../report/training.js';
import { VARIANT_CHOICES } from './model.js';
import { checkOutputDirectory } from './output.js';
import { choiceFlag, integerFlag, layersFlag, numberFlag, parseFlags, UsageError } from './usage.js';
import { SIMDNET_VERSION } from './version.js';

export const TRAIN_USAGE = `usage: simdnet train [options]
  --preset seed          the seed's run: 784-10-10, uniform init, full batch, lr 0.1, 500 iterations
  --layers 784,128,10    layer widths, input to output    (default 784,128,10)
  --optimizer NAME       sgd | momentum | adam            (default sgd)
  --lr X                 learning rate                    (default ${defaultLearningRate('sgd')}; adam ${defaultLearningRate('adam')})
  --batch N|full         rows per step                    (default 32)
  --epochs N             passes over the training set     (default 1)
  --iterations N         steps instead of epochs
  --init NAME            uniform | he                     (default he)
  --seed N               initial weights and shuffling    (default 0)
  --data DIR             IDX files (raw or .gz) instead of the embedded MNIST
  --save FILE            write the trained network as a checkpoint
  --plot FILE.svg        draw loss and accuracy, train and test, per epoch (full batch: per N iterations)
  --variant NAME         auto | relaxed | simd | scalar   (default auto)
  --threads N            split big kernel calls over N threads (simd; default 1)
  --json                 print one JSON object last, with the per-epoch history
  -h, --help             this message`;

export interface TrainSettings {
  layers: number[];
  optimizer: OptimizerName;
  lr: number;
  batch: number | 'full';
  epochs?: number;
  iterations?: number;
  init: Initializer;
  seed: number;
}

/** The seed's from-scratch model and algorithm. */
export const SEED_PRESET: TrainSettings = {
  layers: [784, 10, 10],
  optimizer: 'sgd',
  lr: 0.1,
  batch: 'full',
  iterations: 500,
  init: 'uniform',
  seed: 0,
};

export function parseTrainArgs(argv: string[]) {
  const v = parseFlags(argv, {
    preset: { type: 'string' },
    layers: { type: 'string' },
    optimizer: { type: 'string' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    epochs: { type: 'string' },
    iterations: { type: 'string' },
    init: { type: 'string' },
    seed: { type: 'string' },
    data: { type: 'string' },
    save: { type: 'string' },
    plot: { type: 'string' },
    variant: { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const preset = choiceFlag('preset', v.preset, ['seed']);
  const base: Partial<TrainSettings> = preset === 'seed' ? { ...SEED_PRESET } : {};
  const optimizer = choiceFlag('optimizer', v.optimizer, OPTIMIZERS) ?? base.optimizer ?? 'sgd';
  const batch = v.batch === 'full' ? 'full' : (integerFlag('batch', v.batch) ?? base.batch ?? 32);
  const epochs = integerFlag('epochs', v.epochs);
  const iterations = integerFlag('iterations', v.iterations);
  if (epochs !== undefined && iterations !== undefined) throw new UsageError('give --epochs or --iterations, not both');
  const settings: TrainSettings = {
    layers: layersFlag(v.layers) ?? base.layers ?? [784, 128, 10],
    optimizer,
    lr:
      numberFlag('lr', v.lr) ?? (base.optimizer === optimizer ? base.lr : undefined) ?? defaultLearningRate(optimizer),
    batch,
    init: choiceFlag('init', v.init, INITIALIZERS) ?? base.init ?? 'he',
    seed: integerFlag('seed', v.seed, 0) ?? base.seed ?? 0,
  };
  if (iterations !== undefined) settings.iterations = iterations;
  else if (epochs !== undefined) settings.epochs = epochs;
  else if (base.iterations !== undefined) settings.iterations = base.iterations;
  else settings.epochs = 1;
  for (const name of ['data', 'save'] as const)
    if (v[name] === '') throw new UsageError(`--${name} needs a ${name === 'data' ? 'directory' : 'file name'}`);
  return {
    settings,
    help: v.help ?? false,
    json: v.json ?? false,
    data: v.data,
    save: v.save,
    plot: v.plot,
    variant: choiceFlag('variant', v.variant, VARIANT_CHOICES) ?? 'auto',
    threads: integerFlag('threads', v.threads, 1) ?? 1,
  };
}

/** Redraws one status line on a terminal at most every 100 ms; prints plain lines elsewhere. */
class Progress {
  private lastDraw = 0;
  constructor(
    private readonly interactive: boolean,
    private readonly totalSteps: number,
    private readonly quiet: boolean,
  ) {}

  /** Whether step() draws anything: fit is then given it as onStep, else no per-step callback (and no record per step). */
  get drawsSteps(): boolean {
    return this.interactive && !this.quiet;
  }

  step(step: number, epoch: number, loss: number, accuracy: number): void {
    const now = performance.now();
    if (now - this.lastDraw < 100 && step !== this.totalSteps) return;
    this.lastDraw = now;
    const width = 30,
      filled = Math.round((width * step) / this.totalSteps);
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] step ${step}/${this.totalSteps} epoch ${epoch} loss ${loss.toFixed(4)} acc ${(100 * accuracy).toFixed(1)}%  `,
    );
  }

  line(text: string): void {
    if (this.quiet) return;
    if (this.interactive) process.stderr.write(`\r${' '.repeat(100)}\r`);
    process.stderr.write(`${text}\n`);
  }
}

export interface TrainReport {
  /** The package version that trained. */
  simdnet: string;
  testAccuracy: number;
  testLoss: number;
  trainSeconds: number;
  msPerEpoch: number;
  msPerStep: number;
  steps: number;
  layers: number[];
  optimizer: OptimizerName;
  lr: number;
  batch: number | 'full';
  epochs: number;
  init: Initializer;
  seed: number;
  variant: Variant;
  threads: number;
  memoryBytes: number;
  saved?: string;
  /** With --json or --plot: one entry per epoch (full batch: per N iterations); trainSeconds and the ms figures exclude its test evaluations. */
  history?: HistoryEntry[];
}

/** The flags the data can refuse, refused naming the flag rather than by fit naming its option. */
function checkAgainstData(settings: TrainSettings, train: Dataset, test: Dataset, dir: string | undefined): void {
  const layers = settings.layers.join(',');
  const images = dir === undefined ? "MNIST's images" : `the images in ${dir}`;
  const pixels = train.rows * train.cols;
  if (settings.layers[0] !== pixels) {
    throw new UsageError(
      `--layers ${layers}: the network takes ${settings.layers[0]} inputs but ${images} are ${train.rows}×${train.cols} = ${pixels} pixels`,
    );
  }
  const classes = settings.layers[settings.layers.length - 1]!;
  const largest = Math.max(largestLabel(train.labels), largestLabel(test.labels));
  if (largest >= classes) {
    throw new UsageError(
      `--layers ${layers}: the network has ${classes} outputs but ${images} are labelled up to ${largest}; the last width must be at least ${largest + 1}`,
    );
  }
  if (settings.batch !== 'full' && settings.batch > train.count) {
    throw new UsageError(
      `--batch ${settings.batch} is larger than the training set (${train.count} images); --batch full takes all of them in one step`,
    );
  }
}

function largestLabel(labels: Uint8Array): number {
  let largest = 0;
  for (const label of labels) if (label > largest) largest = label;
  return largest;
}

export async function trainCommand(argv: string[]): Promise<number> {
  const args = parseTrainArgs(argv);
  if (args.help) {
    process.stdout.write(`${TRAIN_USAGE}\n`);
    return 0;
  }
  const { settings } = args;
  // Everything that can be refused before loading data and training is refused first.
  if (args.save !== undefined) await checkOutputDirectory(args.save, 'the checkpoint');
  if (args.plot !== undefined) await checkOutputDirectory(args.plot, 'the plot');
  let runtime;
  try {
    runtime = await loadSimdnet({ variant: args.variant, threads: args.threads });
  } catch (err) {
    if (err instanceof RangeError && args.threads > 1)
      throw new UsageError(`--threads ${args.threads}: ${err.message}`);
    throw err;
  }
  let net: Network;
  try {
    net = Network.create(runtime, { layers: settings.layers, init: settings.init, seed: settings.seed });
  } catch (err) {
    if (err instanceof RangeError || err instanceof TypeError)
      throw new UsageError(`--layers ${settings.layers.join(',')}: ${err.message}`);
    throw err;
  }
  const { train, test } = await loadMnist(args.data === undefined ? {} : { dir: args.data });
  checkAgainstData(settings, train, test, args.data);
  const batchRows = settings.batch === 'full' ? train.count : settings.batch;
  const stepsPerEpoch = Math.ceil(train.count / batchRows);
  const totalSteps = settings.iterations ?? (settings.epochs ?? 1) * stepsPerEpoch;
  const progress = new Progress(Boolean(process.stderr.isTTY), totalSteps, args.json);
  const fit: FitOptions = {
    optimizer: settings.optimizer,
    lr: settings.lr,
    batchSize: settings.batch,
    seed: settings.seed,
  };
  if (progress.drawsSteps) fit.onStep = ({ step, epoch, loss, accuracy }) => progress.step(step, epoch, loss, accuracy);
  if (settings.iterations !== undefined) fit.iterations = settings.iterations;
  else fit.epochs = settings.epochs ?? 1;
  const everyIteration = stepsPerEpoch === 1;
  // Testing after every epoch costs an evaluation each: only when the history is asked for.
  const history =
    args.plot !== undefined || args.json
      ? new TrainingHistory(net, test, Math.ceil(totalSteps / stepsPerEpoch), stepsPerEpoch)
      : null;
  fit.onEpoch = (e) => {
    history?.epoch(e);
    if (!everyIteration || e.epoch % 50 === 0 || e.epoch === totalSteps) {
      progress.line(
        `${everyIteration ? 'iteration' : 'epoch'} ${e.epoch}: loss ${e.loss.toFixed(4)}, train accuracy ${(100 * e.accuracy).toFixed(2)}%, ${e.milliseconds.toFixed(1)} ms`,
      );
    }
  };
  let fitted;
  collectStartupGarbage();
  try {
    fitted = net.fit(train, fit);
  } catch (err) {
    // What checkAgainstData left to fit: an arena (the layers' parameters, the batch's activations) beyond 4 GiB.
    if (err instanceof RangeError)
      throw new UsageError(`--layers ${settings.layers.join(',')} with --batch ${settings.batch}: ${err.message}`);
    throw err;
  }
  const result = history ? history.withoutTestTime(fitted) : fitted;
  const evaluation = net.evaluate(test);
  const report: TrainReport = {
    simdnet: SIMDNET_VERSION,
    testAccuracy: evaluation.accuracy,
    testLoss: evaluation.loss,
    trainSeconds: result.seconds,
    msPerEpoch: result.msPerEpoch,
    msPerStep: result.msPerStep,
    steps: result.steps,
    layers: settings.layers,
    optimizer: settings.optimizer,
    lr: settings.lr,
    batch: settings.batch,
    epochs: result.steps / stepsPerEpoch,
    init: settings.init,
    seed: settings.seed,
    variant: runtime.variant,
    threads: runtime.threads,
    memoryBytes: net.memoryBytes,
  };
  if (history) report.history = history.entries;
  if (args.save !== undefined) {
    await saveNetwork(net, args.save);
    report.saved = args.save;
  }
  if (history && args.plot !== undefined) {
    await writeFile(
      args.plot,
      trainingPlot({
        history: history.entries,
        fullBatch: everyIteration,
        title: `simdnet train: ${settings.layers.join('-')}, ${settings.optimizer} lr ${settings.lr}, batch ${settings.batch}, ${runtime.variant}${runtime.threads > 1 ? ` (${runtime.threads} threads)` : ''}`,
        subtitle: `${settings.init} init, seed ${settings.seed}, ${result.steps} steps on ${train.count} images; test: ${test.count} images, final accuracy ${(100 * evaluation.accuracy).toFixed(2)}%`,
      }),
    );
  }
  net.dispose();
  if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(
      `${settings.layers.join('-')} ${settings.optimizer} lr ${settings.lr} batch ${settings.batch} (${runtime.variant}${runtime.threads > 1 ? `, ${runtime.threads} threads` : ''}): ` +
        `test accuracy ${(100 * report.testAccuracy).toFixed(2)}%, loss ${report.testLoss.toFixed(4)}; ` +
        `trained in ${report.trainSeconds.toFixed(2)} s (${report.msPerStep.toFixed(3)} ms/step, ${report.msPerEpoch.toFixed(1)} ms/epoch)` +
        `${report.saved ? `; saved to ${report.saved}` : ''}\n`,
    );
  }
  return 0;
}

/**
 * Runs a full garbage collection now, before the timed training, so that the one a fresh process
 * needs once its start-up has filled V8's first old-generation limit does not fall inside the first
 * epoch. On one thread fit's arena, an ArrayBuffer V8 counts as external memory, sets it off while
 * fit plans the arena; a threaded arena's memory is shared, which V8 does not count, so with
 * --threads 2 it came at the fourth millisecond of the first epoch in every run traced, 4–6 ms long
 * (784-10-10 SGD b32). V8 exposes its collector only as `gc`, to contexts made while --expose-gc is
 * set: one is made for the call, and the flag turned back off.
 */
export function collectStartupGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  gc();
}
