// The targets of issue #15 from the figures bench/targets.bench.ts recorded: one row per workload
// with simdnet's figure, its rival's from the same run, the measured ratio, the target and whether
// it is met; two threads against one; each whole step's share of its roofline; and every Node and
// build side by side. Pure functions of the results file: the README (scripts/readme-figures.ts),
// SUMMARY.md and the console print the same tables.
import type { MachineInfo } from '../src/perf/machine.js';
import type { TargetsResult } from './targets.bench.js';
import type { NodeFigures, TrainingWorkload, VariantFigures } from './targets-simdnet.js';
import { INFERENCE_LAYERS, TRAINING, userFigure } from './targets-simdnet.js';

export type Workload = TrainingWorkload | 'inference';
export const WORKLOADS: readonly Workload[] = ['seed', 'sgd', 'adam', 'inference'];

/** simdnet ÷ rival speed the issue asks for, one thread. */
export const SPEED_TARGETS: Record<Workload, number> = { seed: 3, sgd: 80, adam: 40, inference: 4 };
/** Two threads ÷ one: never slower (1) where calls are small, 1.3 where they are large. */
export const THREAD_TARGETS: Record<Workload, number> = { seed: 1.3, sgd: 1, adam: 1, inference: 1.3 };
/** The least share of its roofline a whole training step must reach. */
export const ROOFLINE_TARGET = 0.6;

export interface TargetRow {
  workload: Workload;
  label: string;
  unit: 'ms/iteration' | 'ms/epoch' | 'images/s';
  /** simdnet's figure as a user sees it (see userFigure) and the rival's, in `unit`; null when not measured. */
  simdnet: number;
  rival: number | null;
  rivalName: string;
  /** How many times faster simdnet is (rival time ÷ simdnet time; images/s the other way). */
  ratio: number | null;
  target: number;
  met: boolean | null;
  /** Cold start: the first epoch (iteration) and a warm one, from the same CLI run. */
  first?: number;
  warm?: number;
  /** Two threads ÷ one, with its target. */
  threads: number;
  threadsTarget: number;
  /** The whole step's share of its roofline (training only). */
  roofline?: number;
}

function met(ratio: number | null, target: number): boolean | null {
  return ratio === null ? null : ratio >= target;
}

/** The four rows for one Node's one build, against the run's rivals. */
export function targetRows(result: TargetsResult, figures: VariantFigures): TargetRow[] {
  const { rivals } = result;
  const rows: TargetRow[] = figures.training.map((t) => {
    const simdnet = userFigure(t.workload, t.one);
    const roof = figures.roofline.find((r) => r.workload === t.workload);
    let rival: number | null, rivalName: string;
    if (t.workload === 'seed') {
      rival = 'unmeasured' in rivals.seed ? null : rivals.seed.medianWarmMs;
      rivalName =
        'unmeasured' in rivals.seed
          ? rivals.seed.unmeasured
          : `numpy ${rivals.seed.numpy} + OpenBLAS, ${rivals.seed.blas.threads} threads (${rivals.seed.dtype})`;
    } else {
      const r = rivals[t.workload];
      rival = r.msPerEpoch;
      rivalName = `tfjs-wasm model.fit${r.extrapolated ? ' (epoch extrapolated)' : ''}`;
    }
    const ratio = rival === null ? null : rival / simdnet;
    return {
      workload: t.workload,
      label: TRAINING[t.workload].label,
      unit: t.workload === 'seed' ? 'ms/iteration' : 'ms/epoch',
      simdnet,
      rival,
      rivalName,
      ratio,
      target: SPEED_TARGETS[t.workload],
      met: met(ratio, SPEED_TARGETS[t.workload]),
      first: t.one.firstMs,
      warm: t.one.warmMs,
      threads: simdnet / userFigure(t.workload, t.two),
      threadsTarget: THREAD_TARGETS[t.workload],
      ...(roof ? { roofline: roof.share } : {}),
    };
  });
  const one = figures.inference.find((i) => i.threads === 1)!,
    two = figures.inference.find((i) => i.threads === 2)!;
  const ratio = one.imagesPerSecond / rivals.inference.imagesPerSecond;
  rows.push({
    workload: 'inference',
    label: `inference ${INFERENCE_LAYERS.join('-')} from u8 images, whole test set`,
    unit: 'images/s',
    simdnet: one.imagesPerSecond,
    rival: rivals.inference.imagesPerSecond,
    rivalName: 'tfjs-wasm predict, one batch',
    ratio,
    target: SPEED_TARGETS.inference,
    met: met(ratio, SPEED_TARGETS.inference),
    threads: two.imagesPerSecond / one.imagesPerSecond,
    threadsTarget: THREAD_TARGETS.inference,
  });
  return rows;
}

/** The build `auto` picks on that Node: the first measured (relaxed where the engine has it). */
export function defaultBuild(node: NodeFigures): VariantFigures {
  return node.variants[0]!;
}

const sig = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
const figure = (x: number, unit: TargetRow['unit']) => (unit === 'images/s' ? `${sig(x / 1000)} k` : sig(x));
const times = (x: number | null) => (x === null ? '—' : `${x.toFixed(x >= 10 ? 0 : 2)}×`);
const verdict = (m: boolean | null) => (m === null ? 'not measured' : m ? 'met' : 'not met');
const percent = (x: number | undefined) => (x === undefined ? '—' : `${(100 * x).toFixed(0)} %`);

/** A Markdown table; `right` aligns each column right. */
export function mdTable(header: string[], right: boolean[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${right.map((r) => (r ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows.map((row) => `| ${row.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');
}

/** Node, V8, build, CPU: the context every targets table carries. */
export function describeRun(m: MachineInfo, variant: string): string {
  return `Node ${m.node} (V8 ${m.v8}), simdnet \`${variant}\` build, on ${m.cpu} (${m.cores} cores), load average ${m.loadAverage} at ${m.date.slice(0, 16).replace('T', ' ')} UTC`;
}

export interface PlainTable {
  header: string[];
  right: boolean[];
  rows: string[][];
}

/** The headline table's cells: this run's first Node, the build `auto` picks there. */
export function headline(result: TargetsResult): PlainTable {
  const build = defaultBuild(result.nodes[0]!);
  return {
    header: [
      'workload',
      'simdnet',
      'first / warm (ms)',
      'rival, same run',
      'ratio',
      'target',
      '',
      '2 threads ÷ 1',
      'step ÷ roofline',
    ],
    right: [false, true, true, false, true, true, false, true, true],
    rows: targetRows(result, build).map((r) => [
      r.label,
      `${figure(r.simdnet, r.unit)} ${r.unit}`,
      r.first === undefined ? '—' : `${sig(r.first)} / ${sig(r.warm!)}`,
      r.rival === null ? r.rivalName : `${figure(r.rival, r.unit)} ${r.unit} (${r.rivalName})`,
      r.ratio === null ? '—' : `**${times(r.ratio)}**`,
      `≥ ${r.target}×`,
      verdict(r.met),
      `${times(r.threads)} (≥ ${r.threadsTarget}×)`,
      r.roofline === undefined ? '—' : `${percent(r.roofline)} (≥ ${percent(ROOFLINE_TARGET)})`,
    ]),
  };
}

/** Ratio (simdnet's figure) per workload for every Node and build measured. */
export function builds(result: TargetsResult): PlainTable {
  const columns = result.nodes.flatMap((n) => n.variants.map((v) => ({ node: n, build: v })));
  const rowsByColumn = columns.map((c) => targetRows(result, c.build));
  return {
    header: ['workload', ...columns.map((c) => `Node ${c.node.machine.node} ${c.build.variant}`)],
    right: [false, ...columns.map(() => true)],
    rows: WORKLOADS.map((w, i) => [
      rowsByColumn[0]![i]!.label,
      ...rowsByColumn.map((column) => {
        const r = column[i]!;
        return `${times(r.ratio)} (${figure(r.simdnet, r.unit)})`;
      }),
    ]),
  };
}

/** Lines under the tables: how each figure was taken, and which builds could not run. */
export function targetsNotes(result: TargetsResult): string[] {
  const seed = result.rivals.seed;
  const unavailable = result.nodes
    .filter((n) => n.relaxedUnavailable)
    .map((n) => `Node ${n.machine.node}: ${n.relaxedUnavailable}, so only its simd build ran.`);
  // How many runs each timed figure took the fastest of (timedRuns), as the results recorded it.
  const runs = result.nodes[0]?.variants[0]?.training[0]?.one.coldRuns?.length ?? 1;
  const fastest = (what: string) => (runs === 1 ? `one ${what}` : `the fastest of ${runs} ${what}s`);
  return [
    `simdnet: the CLI started cold (\`simdnet train … --json\` in a fresh process), ${fastest('such run')} (on a shared machine one run can be slowed by the neighbours): ` +
      'for the seed preset its ms per iteration over the run, ' +
      'for the mini-batch rows the first epoch (what a one-epoch run reports); first / warm: the first epoch (iteration) and a later one of that run. ' +
      `Rivals: tfjs-wasm warm (model.fit: ${fastest('epoch')}; predict: its mean over Benchmark.js's samples); numpy ${'unmeasured' in seed ? '(not measured)' : `${seed.numpy} (${seed.blas.config}, ${seed.blas.threads} threads), the median iteration after the first`}. ` +
      "Ratio: how many times faster simdnet is. 2 threads ÷ 1: the same figure with `--threads 2`. Step ÷ roofline: `simdnet profile`'s roofline over the whole step run back to back.",
    ...unavailable,
  ];
}

/** The headline table, every Node and build, and the notes, in markdown: SUMMARY.md, the README and the console. */
export function targetsMarkdown(result: TargetsResult): string {
  const h = headline(result),
    b = builds(result);
  const build = defaultBuild(result.nodes[0]!);
  return [
    `${describeRun(result.nodes[0]!.machine, build.variant)}.`,
    '',
    mdTable(h.header, h.right, h.rows),
    '',
    "Every Node and build measured, against the same rivals: ratio (simdnet's figure).",
    '',
    mdTable(b.header, b.right, b.rows),
    ...targetsNotes(result).flatMap((n) => ['', n]),
  ].join('\n');
}
