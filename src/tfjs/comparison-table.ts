// What a comparison of simdnet and TensorFlow.js reports, and its table: the types, the console
// table and the machine it ran on. No TensorFlow.js is loaded here (type imports only), so the
// CLI's help, the HTML report and `evaluate` work without the optional tfjs peers.
import type { Variant } from '../abi.js';
import type { Initializer, OptimizerName } from '../network.js';
import type { TfjsBackendInfo, TfjsBackendName } from './backend-info.js';
import type { TwinFitMode } from './twin.js';

export { TFJS_BACKENDS, type TfjsBackendInfo, type TfjsBackendName } from './backend-info.js';

export type Engine = `simdnet-${Variant}` | `tfjs-${TfjsBackendName}`;

export interface ComparisonRow {
  /** e.g. `784-10-10 sgd b32`. */
  model: string;
  engine: Engine;
  /** simdnet: its variant; tfjs: the backend, with the wasm binary and threads. */
  backend: string;
  layers: number[];
  init: Initializer;
  optimizer: OptimizerName;
  lr: number;
  batch: number | 'full';
  /** Epochs (fractional for partial runs) and steps that were trained and timed. */
  epochs: number;
  steps: number;
  /** On the test set; null when the run was too short to mean anything (extrapolated rows). */
  testAccuracy: number | null;
  /** Training time; extrapolated from msPerStep when `extrapolated`. */
  trainSeconds: number;
  msPerEpoch: number;
  msPerStep: number;
  /** tfjs rows: this row's ms/step ÷ simdnet's for the same model (how many times faster simdnet is); null on simdnet rows. */
  speedup: number | null;
  peakMemoryBytes: number;
  /** WebAssembly memory: simdnet's arena, or the tfjs wasm heap; null for tfjs cpu. */
  wasmMemoryBytes: number | null;
  /** trainSeconds is extrapolated from the timed steps (msPerStep and msPerEpoch are measured). */
  extrapolated: boolean;
  note?: string;
  /** Training loss along the timed run, about CURVE_POINTS points (see LossCurve). */
  curve: CurvePoint[];
}

export interface CurvePoint {
  /** Epochs done (fractional), and seconds of training on the run's own clock (as trainSeconds: set-up excluded). */
  epoch: number;
  seconds: number;
  /** Mean batch loss over the steps since the previous point. */
  loss: number;
}

/** Points per training curve: enough for a smooth line, few enough for a small report. */
export const CURVE_POINTS = 60;

export interface ComparisonReport {
  rows: ComparisonRow[];
  variant: Variant;
  tfjs: TfjsBackendInfo[];
  trainCount: number;
  testCount: number;
  epochs: number;
  mode: TwinFitMode;
}

export const MEMORY_NOTE =
  'peak memory: simdnet = its WebAssembly arena (parameters, gradients, optimizer state, one batch of activations, the training set as sparse or u8 rows); ' +
  'tfjs = peak live tensor bytes over one training step (tf.profile) + the u8 training set its batches are staged from';

// ---- presentation ------------------------------------------------------------------------------

function mib(bytes: number | null): string {
  return bytes === null ? '—' : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function fixed(value: number, digits: number): string {
  return value >= 100 ? value.toFixed(Math.max(0, digits - 2)) : value.toFixed(digits);
}

/** The rows' table cells, as the console and the HTML report show them; `numeric` columns align right. */
export function comparisonCells(rows: readonly ComparisonRow[]): {
  header: string[];
  body: string[][];
  numeric: Set<number>;
} {
  const header = [
    'model',
    'engine',
    'backend',
    'epochs',
    'steps',
    'test acc',
    'train s',
    'ms/epoch',
    'ms/step',
    'simdnet speedup',
    'peak memory',
  ];
  const mark = (r: ComparisonRow, text: string) => (r.extrapolated ? `~${text}*` : text);
  const body = rows.map((r) => [
    r.model,
    r.engine,
    r.backend,
    Number.isInteger(r.epochs) ? String(r.epochs) : r.epochs.toFixed(r.epochs < 0.01 ? 5 : 3),
    String(r.steps),
    r.testAccuracy === null ? '—' : `${(100 * r.testAccuracy).toFixed(2)}%`,
    mark(r, fixed(r.trainSeconds, 2)),
    fixed(r.msPerEpoch, 1),
    fixed(r.msPerStep, 3),
    r.speedup === null ? 'baseline' : `${r.speedup.toFixed(1)}×`,
    mib(r.peakMemoryBytes),
  ]);
  return { header, body, numeric: new Set([3, 4, 5, 6, 7, 8, 9, 10]) };
}

/** The rows as an aligned console table, with footnotes for extrapolated values and notes. */
export function formatComparisonTable(rows: readonly ComparisonRow[]): string {
  const { header, body, numeric } = comparisonCells(rows);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)];
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.engine} ${r.model}: ${r.note}`);
  if (rows.some((r) => r.extrapolated)) out.push('', '* extrapolated from the timed steps');
  if (notes.length) out.push('', 'notes:', ...notes);
  out.push('', MEMORY_NOTE);
  return out.join('\n');
}
