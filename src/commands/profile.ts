// `simdnet profile`: one training step of Network.fit broken down per kernel call. The step is
// the program fit runs (perf/step.ts compiles it through src/model/step.ts) and each call
// is timed on its own over many repetitions, then set against the machine's roofline: the
// f32 FLOP peak and the bandwidth at the call's working-set size (perf/limits.ts).
import { loadMnist } from '../data/mnist.js';
import { loadSimdnet } from '../loader.node.js';
import { OPTIMIZERS } from '../network.js';
import { describeMachine, machineInfo, type MachineInfo } from '../perf/machine.js';
import { DEFAULT_FOOTPRINTS, formatBytes, measureLimits, roofline, type MachineLimits } from '../perf/limits.js';
import { profiledTrainingStep, type Phase } from '../perf/step.js';
import { timeCalls } from '../perf/timing.js';
import { VARIANT_CHOICES } from './model.js';
import { choiceFlag, integerFlag, layersFlag, parseFlags, UsageError } from './usage.js';
import { SEED_PRESET } from './train.js';
import { SIMDNET_VERSION } from './version.js';

export const PROFILE_USAGE = `usage: simdnet profile [options]
  --preset seed          the seed's step: 784-10-10, sgd, the full batch of 60000 images
  --layers 784,128,10    layer widths, input to output        (default 784,128,10)
  --batch N|full         rows per step                        (default 32)
  --optimizer NAME       sgd | momentum | adam                (default adam)
  --steps N              timed repetitions of each kernel call, at least (default 500; full batch 20)
  --variant NAME         auto | relaxed | simd | scalar       (default auto)
  --json                 print one JSON object instead of the table
  -h, --help             this message`;

export interface ProfileSettings {
  layers: number[];
  /** Rows per step; `full`: every image of the pool (MNIST's training set for 784 inputs). */
  batch: number | 'full';
  optimizer: (typeof OPTIMIZERS)[number];
  steps: number;
  variant: (typeof VARIANT_CHOICES)[number];
  json: boolean;
}

export function parseProfileArgs(argv: string[]): ProfileSettings | 'help' {
  const v = parseFlags(argv, {
    preset: { type: 'string' },
    layers: { type: 'string' },
    batch: { type: 'string' },
    optimizer: { type: 'string' },
    steps: { type: 'string' },
    variant: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) return 'help';
  const seed = choiceFlag('preset', v.preset, ['seed']) === 'seed';
  const batch = v.batch === 'full' ? 'full' : (integerFlag('batch', v.batch) ?? (seed ? SEED_PRESET.batch : 32));
  return {
    layers: layersFlag(v.layers) ?? (seed ? SEED_PRESET.layers : [784, 128, 10]),
    batch,
    optimizer: choiceFlag('optimizer', v.optimizer, OPTIMIZERS) ?? (seed ? SEED_PRESET.optimizer : 'adam'),
    // A full batch's calls take milliseconds each: fewer repetitions keep the run to seconds.
    steps: integerFlag('steps', v.steps) ?? (batch === 'full' ? 20 : 500),
    variant: choiceFlag('variant', v.variant, VARIANT_CHOICES) ?? 'auto',
    json: v.json ?? false,
  };
}

export interface ProfiledCall {
  kernel: string;
  label: string;
  phase: Phase;
  /** Seconds per call (mean), its 95% relative margin of error (%), samples and calls timed. */
  seconds: number;
  rme: number;
  samples: number;
  calls: number;
  /** Share of the sum of all calls. */
  share: number;
  flops: number;
  bytes: number;
  flopsPerSecond: number;
  bytesPerSecond: number;
  bound: 'compute' | 'memory';
  /** Roofline time of the call and the fraction of it reached (rooflineSeconds / seconds). */
  rooflineSeconds: number;
  ofLimit: number;
  /** seconds − rooflineSeconds: what the call loses against the limit. */
  gapSeconds: number;
}

export interface ProfileReport {
  machine: MachineInfo;
  /** The settings, a full batch resolved to its rows. */
  settings: Omit<ProfileSettings, 'json' | 'batch'> & { batch: number };
  parameters: number;
  limits: MachineLimits;
  calls: ProfiledCall[];
  /** Sum of the calls timed one by one, the whole step timed back to back, and the roofline sum. */
  total: { sumSeconds: number; stepSeconds: number; stepRme: number; rooflineSeconds: number };
}

/** Inputs of an MNIST image. */
const MNIST_PIXELS = 28 * 28;
/** A full batch's rows when the inputs are not MNIST's: profiledTrainingStep's pool of random images. */
const FULL_BATCH_POOL = 60000;

/** Profiles one step; `log` receives progress lines (stderr in the command). */
export async function profileStep(
  settings: Omit<ProfileSettings, 'json'>,
  log: (line: string) => void = () => {},
): Promise<ProfileReport> {
  const runtime = await loadSimdnet({ variant: settings.variant });
  // 784 inputs: MNIST's own training images, whose zeros (and where they fall) set the sparse layer's cost.
  const pixels = settings.layers[0] === MNIST_PIXELS ? (await loadMnist()).train.pixels : undefined;
  const batch = settings.batch === 'full' ? (pixels ? pixels.length / MNIST_PIXELS : FULL_BATCH_POOL) : settings.batch;
  if (pixels && batch > pixels.length / MNIST_PIXELS) {
    throw new UsageError(
      `--batch ${batch} is larger than MNIST's ${pixels.length / MNIST_PIXELS} training images, which a 784-input step draws from`,
    );
  }
  log(
    pixels
      ? 'pixels: the MNIST training set'
      : `pixels: random, as often zero as MNIST's (${settings.layers[0]} inputs, not 784)`,
  );
  const step = profiledTrainingStep(runtime, {
    layers: settings.layers,
    batch,
    optimizer: settings.optimizer,
    pixels,
  });
  try {
    // The bandwidth curve only as far as the step reaches: every call's working set, and one size beyond.
    const reach = Math.max(...step.calls.map((c) => c.footprint ?? c.bytes));
    const above = DEFAULT_FOOTPRINTS.find((f) => f >= reach) ?? DEFAULT_FOOTPRINTS[DEFAULT_FOOTPRINTS.length - 1]!;
    const footprints = DEFAULT_FOOTPRINTS.filter((f) => f <= Math.max(above, 1 << 20));
    log(
      `measuring machine limits (${runtime.variant} build; bandwidth up to ${formatBytes(footprints[footprints.length - 1]!)})…`,
    );
    const limits = measureLimits(runtime, { seconds: 0.1, footprints });
    // Warm-up: whole steps until V8 has tiered every kernel up (and caches hold the step's data).
    const warm = performance.now();
    for (let i = 0; i < 20 || performance.now() - warm < 200; i++) step.runStep();
    step.restoreParameters();
    log(`timing ${step.calls.length} kernel calls, ≥ ${settings.steps} repetitions each…`);
    const timed = step.calls.map((call) => {
      const t = timeCalls(call.run, {
        seconds: 0.02,
        warmupSeconds: 0.005,
        minSamples: 20,
        minSampleSeconds: 0.0005,
        minCalls: settings.steps,
      });
      if (call.phase === 'update') step.restoreParameters();
      return { call, t };
    });
    const whole = timeCalls(step.runStep, {
      seconds: 0.05,
      warmupSeconds: 0.01,
      minSamples: 20,
      minSampleSeconds: 0.001,
      minCalls: settings.steps,
    });
    step.restoreParameters();
    const sumSeconds = timed.reduce((a, { t }) => a + t.mean, 0);
    const calls: ProfiledCall[] = timed.map(({ call, t }) => {
      const roof = roofline(limits, call);
      return {
        kernel: call.kernel,
        label: call.label,
        phase: call.phase,
        seconds: t.mean,
        rme: t.rme,
        samples: t.samples,
        calls: t.samples * t.callsPerSample,
        share: t.mean / sumSeconds,
        flops: call.flops,
        bytes: call.bytes,
        flopsPerSecond: call.flops / t.mean,
        bytesPerSecond: call.bytes / t.mean,
        bound: roof.bound,
        rooflineSeconds: roof.seconds,
        ofLimit: roof.seconds / t.mean,
        gapSeconds: t.mean - roof.seconds,
      };
    });
    return {
      machine: machineInfo(runtime.variant),
      settings: {
        layers: settings.layers,
        batch,
        optimizer: settings.optimizer,
        steps: settings.steps,
        variant: settings.variant,
      },
      parameters: step.parameterCount,
      limits,
      calls,
      total: {
        sumSeconds,
        stepSeconds: whole.mean,
        stepRme: whole.rme,
        rooflineSeconds: calls.reduce((a, c) => a + c.rooflineSeconds, 0),
      },
    };
  } finally {
    step.dispose();
  }
}

function pad(s: string, width: number, right = false): string {
  return right ? s.padStart(width) : s.padEnd(width);
}

const us = (seconds: number) => `${(seconds * 1e6).toFixed(seconds < 1e-5 ? 2 : 1)} µs`;

/** The per-call table, the totals and the limits, as printed by the command. */
export function formatProfile(r: ProfileReport): string {
  const s = r.settings;
  const lines = [
    `simdnet profile: layers ${s.layers.join('-')}, batch ${s.batch}, ${s.optimizer}; ${r.parameters} parameters`,
    describeMachine(r.machine),
    `limits: peak ${(r.limits.peakFlops / 1e9).toFixed(1)} GFLOP/s (${r.limits.variant === 'relaxed' ? 'f32 relaxed_madd, fused where the CPU has FMA' : 'f32 mul+add, no FMA in WASM SIMD'}); copy bandwidth ` +
      r.limits.bandwidth.map((b) => `${formatBytes(b.footprint)} ${(b.copy / 1e9).toFixed(0)}`).join(', ') +
      ' GB/s',
    '',
  ];
  const header = ['#', 'phase', 'call', 'time/call', '±rme', 'share', 'rate', 'of limit', 'bound', 'gap'];
  const rows = r.calls.map((c, i) => [
    String(i + 1),
    c.phase,
    c.label,
    us(c.seconds),
    `${c.rme.toFixed(1)}%`,
    `${(c.share * 100).toFixed(1)}%`,
    c.bound === 'compute'
      ? `${(c.flopsPerSecond / 1e9).toFixed(2)} GFLOP/s`
      : `${(c.bytesPerSecond / 1e9).toFixed(2)} GB/s`,
    `${(c.ofLimit * 100).toFixed(1)}%`,
    c.bound,
    us(c.gapSeconds),
  ]);
  const right = [true, false, false, true, true, true, true, true, false, true];
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j]!.length)));
  const fmt = (row: string[]) => row.map((cell, j) => pad(cell, widths[j]!, right[j])).join('  ');
  lines.push(fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt));
  const t = r.total;
  lines.push(
    '',
    `sum of calls ${us(t.sumSeconds)}; whole step back to back ${us(t.stepSeconds)} ±${t.stepRme.toFixed(1)}% ` +
      `(${(t.stepSeconds * 1e3).toFixed(3)} ms/step); roofline ${us(t.rooflineSeconds)} = ${((t.rooflineSeconds / t.stepSeconds) * 100).toFixed(1)}% of the step`,
    'rate: GFLOP/s (2·M·N·K) for compute-bound calls, GB/s (bytes every input and output must move) for memory-bound ones;',
    "of limit: roofline time ÷ measured time, where roofline = max(FLOPs ÷ peak, bytes ÷ bandwidth at the call's working-set size);",
    'gap: measured − roofline time. Calls are timed alone, their data warm in cache; the whole-step line includes their interaction.',
  );
  return lines.join('\n');
}

/** Entry point for the CLI: returns the exit code (0, 2 for bad flags). */
export async function profileCommand(argv: string[]): Promise<number> {
  let settings: ProfileSettings | 'help';
  try {
    settings = parseProfileArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`simdnet profile: ${err.message}\n${PROFILE_USAGE}\n`);
    return 2;
  }
  if (settings === 'help') {
    process.stdout.write(`${PROFILE_USAGE}\n`);
    return 0;
  }
  const { json, ...rest } = settings;
  let report: ProfileReport;
  try {
    report = await profileStep(rest, (line) => {
      if (!json) process.stderr.write(`${line}\n`);
    });
  } catch (err) {
    // The step's arena holds the layers' parameters and the batch's activations: both flags set its size.
    const refused =
      err instanceof UsageError
        ? err.message
        : err instanceof RangeError || err instanceof TypeError
          ? `--layers ${rest.layers.join(',')} with --batch ${rest.batch}: ${err.message}`
          : undefined;
    if (refused === undefined) throw err;
    process.stderr.write(`simdnet profile: ${refused}\n`);
    return 2;
  }
  process.stdout.write(
    json ? `${JSON.stringify({ simdnet: SIMDNET_VERSION, ...report }, null, 2)}\n` : `${formatProfile(report)}\n`,
  );
  return 0;
}
