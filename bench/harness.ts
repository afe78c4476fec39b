// The kernel-benchmark harness. A case names one kernel at one shape and builds three
// contenders on identical inputs: simdnet (raw exports, no validation on the timed path),
// tfjs-wasm and tfjs-cpu (the equivalent tfjs op inside tf.tidy, so the op and the disposal of
// its result are timed, nothing more; both tfjs backends run ops synchronously). For each
// contender in turn: build, run once and VALIDATE the output against a float64 reference (all
// elements, or a sample plus a full cross-check against simdnet for the largest shapes), then
// warm up untimed, then time with Benchmark.js. No figure is recorded for an output that failed.
import Benchmark from 'benchmark';
import type { Runtime } from '../src/index.node.js';
import { formatBytes, roofline, type MachineLimits, type Work } from '../src/perf/limits.js';
import { onBackend, type TfBackend } from './tfjs.js';

// Benchmark.js would otherwise decompile each test function and re-evaluate its source out of
// its closure (which fails for every case here, then falls back). Call the function as given.
Benchmark.support.decompilation = false;

export type Contender = 'simdnet' | 'tfjs-wasm' | 'tfjs-cpu';
export const CONTENDERS: readonly Contender[] = ['simdnet', 'tfjs-wasm', 'tfjs-cpu'];
export type RateUnit = 'GFLOP/s' | 'GB/s';

/** One contender, built on its backend. `output` is called once, first, on fresh state. */
export interface Impl {
  run(): void;
  output(): Float32Array;
  dispose(): void;
}

/** The float64 reference at `indices` (all elements, in order, when absent) and each element's error bound. */
export interface Reference {
  indices?: Uint32Array;
  value: Float64Array;
  bound: Float64Array;
  /** How the bound was derived, for the report. */
  basis: string;
}

export interface KernelCase {
  suite: string;
  /** The export timed, e.g. `sgemm`, and the tfjs op it is compared with. */
  kernel: string;
  tfjsOp: string;
  /** Unique within the suite: what the call does in the network, e.g. `forward X·W1`. */
  name: string;
  shape: string;
  /** For charts: `square` GEMMs are drawn against `size`. */
  group?: string;
  size?: number;
  work: Work & { elements: number };
  unit: RateUnit;
  /** Why tfjs-cpu is not run at this shape (too slow to time in the suite's budget), if it is not. */
  skipCpu?: string;
  simdnet(runtime: Runtime): Impl;
  /** Built with the right backend already current. */
  tfjs(): Impl;
  reference(): Reference;
  /** Largest ‖x − simdnet‖₂ / ‖simdnet‖₂ accepted when the reference is sampled. */
  crossTolerance?: number;
}

export interface Measurement {
  seconds: number;
  rme: number;
  samples: number;
  /** How the samples were taken (see measure). */
  timer: string;
}

export interface ContenderResult {
  contender: Contender;
  status: 'ok' | 'skipped';
  reason?: string;
  validation?: string;
  unit?: RateUnit;
  seconds?: number;
  rme?: number;
  samples?: number;
  /** In `unit`: GFLOP/s (2·M·N·K per call) or GB/s (bytes every input and output must move). */
  rate?: number;
  /** Million elements (of the output) per second. */
  melemPerSecond?: number;
  /** Roofline time ÷ measured time. */
  ofLimit?: number;
}

export interface KernelResult extends Pick<
  KernelCase,
  'suite' | 'kernel' | 'tfjsOp' | 'name' | 'shape' | 'group' | 'size' | 'unit' | 'work'
> {
  limit: { bound: 'compute' | 'memory'; seconds: number; rate: number; unit: RateUnit; basis: string };
  contenders: ContenderResult[];
  /** simdnet's rate ÷ the contender's (> 1: simdnet is faster). */
  ratio: { 'tfjs-wasm'?: number; 'tfjs-cpu'?: number };
}

export interface RunOptions {
  quick: boolean;
  /** Validate only: no warm-up, no timing. */
  validateOnly?: boolean;
  log?: (line: string) => void;
}

export class ValidationError extends Error {
  override name = 'ValidationError';
}

function formatNumber(x: number): string {
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(6) : x.toExponential(4);
}

/** Checks `out` against the reference (and simdnet's output for sampled references); returns a one-line summary. */
export function validate(
  c: KernelCase,
  who: Contender,
  out: Float32Array,
  ref: Reference,
  ours: Float32Array | null,
): string {
  const where = `${c.suite}/${c.name} [${c.shape}] ${who}`;
  const count = ref.indices ? ref.indices.length : out.length;
  if (!ref.indices && ref.value.length !== out.length) {
    throw new ValidationError(`${where}: output has ${out.length} elements, the reference ${ref.value.length}`);
  }
  let worst = 0,
    worstErr = 0;
  for (let i = 0; i < count; i++) {
    const at = ref.indices ? ref.indices[i]! : i;
    const got = out[at]!,
      want = ref.value[i]!,
      bound = ref.bound[i]!;
    const err = Math.abs(got - want);
    if (!(err <= bound)) {
      throw new ValidationError(
        `${where}: element ${at}: reference ${formatNumber(want)}, got ${formatNumber(got)}, |error| ${formatNumber(err)} > bound ${formatNumber(bound)} (${ref.basis})`,
      );
    }
    const used = bound > 0 ? err / bound : 0;
    if (used > worst) worst = used;
    if (err > worstErr) worstErr = err;
  }
  let summary = `${ref.indices ? `${count} sampled` : `all ${count}`} elements within ${ref.basis} (max err ${worstErr.toExponential(2)}, ${(worst * 100).toPrecision(2)}% of bound)`;
  if (ref.indices) {
    if (ours === null) throw new Error(`${where}: a sampled reference needs simdnet's output to cross-check against`);
    if (who !== 'simdnet') {
      let diff = 0,
        norm = 0;
      for (let i = 0; i < out.length; i++) {
        diff += (out[i]! - ours[i]!) ** 2;
        norm += ours[i]! ** 2;
      }
      const rel = Math.sqrt(diff / Math.max(norm, 1e-300));
      const tol = c.crossTolerance ?? 1e-5;
      if (!(rel <= tol) || out.length !== ours.length) {
        throw new ValidationError(
          `${where}: ‖out − simdnet‖/‖simdnet‖ = ${formatNumber(rel)} > ${formatNumber(tol)} over all ${out.length} elements`,
        );
      }
      summary += `; all elements within ${tol.toExponential(0)} of simdnet (relative L2 ${rel.toExponential(2)})`;
    }
  }
  return summary;
}

/** A call slower than this is "heavy": timed as single-call samples (see measure). */
export const HEAVY_CALL_SECONDS = 0.25;

/**
 * Times `fn` with Benchmark.js. `callSeconds` is how long one call took (the validation call):
 * - ordinary calls: untimed warm-up first (V8 tiers the WebAssembly, ours and tfjs's, up to
 *   TurboFan), then Benchmark.js's own cycles of many calls;
 * - heavy calls (≥ HEAVY_CALL_SECONDS): Benchmark.js in deferred mode, one call per sample, 3
 *   samples (2 in quick mode) and no further warm-up: by then the same code has run at every
 *   smaller shape and at this one during validation, and a synchronous Benchmark.js cycle would add
 *   an untimed pretest call per sample, doubling the cost of calls that take seconds.
 */
export async function measure(
  name: string,
  fn: () => void,
  options: { quick: boolean; callSeconds: number },
): Promise<Measurement> {
  if (options.callSeconds >= HEAVY_CALL_SECONDS) {
    const bench = new Benchmark(name, {
      defer: true,
      fn: (deferred: { resolve(): void }) => {
        fn();
        deferred.resolve();
      },
      minSamples: options.quick ? 2 : 3,
      maxTime: 0,
      initCount: 1,
    } as Benchmark.Options);
    await new Promise<void>((resolve) => {
      bench.on('complete', () => resolve());
      bench.run({ async: true });
    });
    if (bench.error) throw bench.error;
    return {
      seconds: bench.stats.mean,
      rme: bench.stats.rme,
      samples: bench.stats.sample.length,
      timer: 'Benchmark.js deferred, one call per sample',
    };
  }
  const warmSeconds = options.quick ? 0.02 : 0.1;
  const t0 = performance.now();
  for (let i = 0; i < 3 || (performance.now() - t0) / 1000 < warmSeconds; i++) fn();
  // Quick mode: samples of ≥ 5 ms for ≥ 20 ms in all; full: Benchmark.js's default ≥ 50 ms samples for ≥ 0.3 s.
  const bench = new Benchmark(
    name,
    fn,
    options.quick
      ? { minTime: 0.005, maxTime: 0.02, minSamples: 3, initCount: 1 }
      : { maxTime: 0.3, minSamples: 5, initCount: 1 },
  );
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  return { seconds: bench.stats.mean, rme: bench.stats.rme, samples: bench.stats.sample.length, timer: 'Benchmark.js' };
}

function contenderBackend(c: Contender): TfBackend | null {
  return c === 'tfjs-wasm' ? 'wasm' : c === 'tfjs-cpu' ? 'cpu' : null;
}

/** Validates (and unless validateOnly, times) one case on every contender. */
export async function runCase(
  c: KernelCase,
  runtime: Runtime,
  limits: MachineLimits | null,
  options: RunOptions,
): Promise<KernelResult> {
  const ref = c.reference();
  const roof = limits ? roofline(limits, c.work) : null;
  const results: ContenderResult[] = [];
  let ours: Float32Array | null = null;
  for (const who of CONTENDERS) {
    if (who === 'tfjs-cpu' && c.skipCpu) {
      results.push({ contender: who, status: 'skipped', reason: c.skipCpu });
      continue;
    }
    const backend = contenderBackend(who);
    const body = async (): Promise<ContenderResult> => {
      const impl = backend ? c.tfjs() : c.simdnet(runtime);
      try {
        const t0 = performance.now();
        const out = impl.output();
        const callSeconds = (performance.now() - t0) / 1000;
        if (who === 'simdnet') ours = out;
        const validation = validate(c, who, out, ref, ours);
        if (options.validateOnly) return { contender: who, status: 'ok', validation };
        const m = await measure(`${c.suite}/${c.name} ${who}`, impl.run, { quick: options.quick, callSeconds });
        const rate = c.unit === 'GFLOP/s' ? c.work.flops / m.seconds / 1e9 : c.work.bytes / m.seconds / 1e9;
        return {
          contender: who,
          status: 'ok',
          validation,
          unit: c.unit,
          ...m,
          rate,
          melemPerSecond: c.work.elements / m.seconds / 1e6,
          ...(roof ? { ofLimit: roof.seconds / m.seconds } : {}),
        };
      } finally {
        impl.dispose();
      }
    };
    results.push(backend ? await onBackend(backend, body) : await body());
    const r = results[results.length - 1]!;
    options.log?.(
      `  ${c.suite}/${c.name} [${c.shape}] ${who}: ${r.rate !== undefined ? `${r.rate.toFixed(2)} ${c.unit} ±${r.rme!.toFixed(1)}%` : 'valid'}`,
    );
  }
  const mine = results[0]!;
  const ratio: KernelResult['ratio'] = {};
  for (const r of results.slice(1)) {
    if (r.rate !== undefined && mine.rate !== undefined)
      ratio[r.contender as 'tfjs-wasm' | 'tfjs-cpu'] = mine.rate / r.rate;
  }
  return {
    suite: c.suite,
    kernel: c.kernel,
    tfjsOp: c.tfjsOp,
    name: c.name,
    shape: c.shape,
    group: c.group,
    size: c.size,
    unit: c.unit,
    work: c.work,
    limit: roof
      ? {
          bound: roof.bound,
          seconds: roof.seconds,
          unit: c.unit,
          // The roofline's attainable rate at this shape, in the case's unit.
          rate: (c.unit === 'GFLOP/s' ? c.work.flops : c.work.bytes) / roof.seconds / 1e9,
          basis:
            roof.bound === 'compute'
              ? `peak ${(roof.peakFlops / 1e9).toFixed(1)} GFLOP/s`
              : `${c.work.stream ?? 'copy'} bandwidth ${(roof.bandwidth / 1e9).toFixed(1)} GB/s at ${formatBytes(c.work.footprint ?? c.work.bytes)}`,
        }
      : { bound: 'compute', seconds: NaN, rate: NaN, unit: c.unit, basis: 'not measured' },
    contenders: results,
    ratio,
  };
}

/** Runs every case in order; a validation failure stops the suite with the case named. */
export async function runCases(
  cases: readonly KernelCase[],
  runtime: Runtime,
  limits: MachineLimits | null,
  options: RunOptions,
): Promise<KernelResult[]> {
  const out: KernelResult[] = [];
  for (const c of cases) out.push(await runCase(c, runtime, limits, options));
  return out;
}
