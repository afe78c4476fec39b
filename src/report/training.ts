// Training curves for `simdnet train --plot` and the `history` of --json: the training loss and
// accuracy of each epoch (of every N iterations when one step is a whole epoch, full batch) and
// the test set's at the end of it. The test evaluations run inside fit's epoch callback, so their
// time is taken out of the epoch they fall into and out of the run's timings.
import type { Dataset } from '../data/dataset.js';
import type { EpochInfo, FitResult, Network } from '../network.js';
import { lineChart } from '../plot/svg.js';

export interface HistoryEntry {
  /** The last epoch (full batch: iteration) this entry covers, 1-based. */
  epoch: number;
  /** Training steps the entry covers. */
  steps: number;
  /** Mean training loss and accuracy over those steps, each measured before the step's update. */
  loss: number;
  accuracy: number;
  /** On the test set after the entry's last step. */
  testLoss: number;
  testAccuracy: number;
  /** Training time of the entry's steps, test evaluation excluded. */
  ms: number;
}

/** At most this many entries for full-batch runs (one step per epoch): one every N iterations. */
const MAX_FULL_BATCH_ENTRIES = 100;

export class TrainingHistory {
  readonly entries: HistoryEntry[] = [];
  /** Epochs per entry: 1 for mini-batches, N for full batch. */
  readonly every: number;
  private testMs = 0;
  private open = { steps: 0, loss: 0, accuracy: 0, ms: 0, epochs: 0 };

  constructor(
    private readonly net: Network,
    private readonly test: Dataset,
    private readonly totalEpochs: number,
    stepsPerEpoch: number,
  ) {
    this.every = stepsPerEpoch === 1 ? Math.max(1, Math.ceil(totalEpochs / MAX_FULL_BATCH_ENTRIES)) : 1;
  }

  /** fit's onEpoch. */
  epoch(e: EpochInfo): void {
    const o = this.open;
    o.loss += e.loss * e.steps;
    o.accuracy += e.accuracy * e.steps;
    o.steps += e.steps;
    o.epochs++;
    o.ms += e.milliseconds;
    if (e.epoch % this.every !== 0 && e.epoch !== this.totalEpochs) return;
    const started = performance.now();
    const test = this.net.evaluate(this.test);
    this.testMs += performance.now() - started;
    this.entries.push({
      epoch: e.epoch,
      steps: o.steps,
      loss: o.loss / o.steps,
      accuracy: o.accuracy / o.steps,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      ms: o.ms,
    });
    this.open = { steps: 0, loss: 0, accuracy: 0, ms: 0, epochs: 0 };
  }

  /** Time spent on the test evaluations so far. */
  get testSeconds(): number {
    return this.testMs / 1000;
  }

  /** fit's result with the test evaluations' time taken out. */
  withoutTestTime(result: FitResult): FitResult {
    const seconds = result.seconds - this.testMs / 1000;
    return {
      ...result,
      seconds,
      msPerStep: (seconds * 1000) / result.steps,
      msPerEpoch: result.msPerEpoch * (seconds / result.seconds),
    };
  }
}

const COLORS = { train: '#1f77b4', test: '#d62728' };

/** Loss and accuracy against epoch (iteration for full batch), train and test, as one SVG. */
export function trainingPlot(o: {
  history: readonly HistoryEntry[];
  title: string;
  subtitle?: string;
  fullBatch: boolean;
}): string {
  const x = o.fullBatch ? 'iteration' : 'epoch';
  const series = (key: 'loss' | 'accuracy' | 'testLoss' | 'testAccuracy', scale: number) =>
    o.history.map((h) => [h.epoch, h[key] * scale] as [number, number]);
  const xRange: [number, number] = [0, Math.max(1, ...o.history.map((h) => h.epoch))];
  const markers = o.history.length <= 40;
  return lineChart({
    title: o.title,
    subtitle: o.subtitle,
    panels: [
      {
        xLabel: x,
        yLabel: 'cross-entropy loss',
        xRange,
        xIntegers: true,
        series: [
          {
            name: `train (mean over the ${x}${o.fullBatch ? 's since the last point' : ''})`,
            color: COLORS.train,
            markers,
            points: series('loss', 1),
          },
          { name: `test (after the ${x})`, color: COLORS.test, dashed: true, markers, points: series('testLoss', 1) },
        ],
      },
      {
        xLabel: x,
        yLabel: 'accuracy (%)',
        xRange,
        xIntegers: true,
        yFormat: (v) => `${+v.toFixed(1)}`,
        yRange: accuracyRange(o.history),
        series: [
          {
            name: `train (mean over the ${x}${o.fullBatch ? 's since the last point' : ''})`,
            color: COLORS.train,
            markers,
            points: series('accuracy', 100),
          },
          {
            name: `test (after the ${x})`,
            color: COLORS.test,
            dashed: true,
            markers,
            points: series('testAccuracy', 100),
          },
        ],
      },
    ],
  });
}

/** From a round value below the lowest accuracy to 100 %, so the late gains stay visible. */
function accuracyRange(history: readonly HistoryEntry[]): [number, number] {
  const lowest = Math.min(100, ...history.flatMap((h) => [h.accuracy * 100, h.testAccuracy * 100]));
  const step = lowest > 90 ? 1 : lowest > 50 ? 10 : 20;
  return [Math.max(0, Math.floor(lowest / step) * step - (lowest > 90 ? 1 : 0)), 100];
}
