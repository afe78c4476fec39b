// Runs the benchmark suites and regenerates every report:
//
//   node --import tsx bench/run.ts            full run (npm run bench), results in bench/results/
//   node --import tsx bench/run.ts --quick    small shapes, short timing (npm run bench:quick),
//                                             results in bench/results/tmp/quick/ (not committed)
//   options: --only gemm,e2e   run some suites (the summary still covers every JSON in the folder)
//            --validate-only   validate every contender, time nothing
//            --variant relaxed|simd|scalar   the simdnet build (default simd)
//            --out DIR         results folder
//            --node PATH       (repeatable; or SIMDNET_BENCH_NODES=PATH:PATH) the targets suite also
//                              measures simdnet under this Node binary, beside this one's figures
//            --report-only     only regenerate SUMMARY.md, report.html and the charts from the folder's JSONs
//
// Suites: limits (machine limits, run first: every other figure is a share of them), gemm,
// activations, softmax, bias, optim (kernels vs tfjs-wasm and tfjs-cpu), profile (one training
// step per kernel call, src/commands/profile.ts), e2e (MNIST training and inference), targets
// (issue #15's same-run ratios: bench/targets.bench.ts), native (three kernels against the same
// algorithm in C: bench/native.bench.ts). `validateAll` is the same validation without timing, for the test suite.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadSimdnet, VARIANTS, type Runtime, type Variant } from '../src/index.node.js';
import { describeMachine, machineInfo } from '../src/perf/machine.js';
import type { MachineLimits } from '../src/perf/limits.js';
import { activationCases } from './activations.bench.js';
import { biasCases } from './bias.bench.js';
import { clearCache } from './data.js';
import { runE2e } from './e2e.bench.js';
import { gemmCases } from './gemm.bench.js';
import { runCases, type KernelCase, type KernelResult } from './harness.js';
import { runLimits, validateLimits } from './limits.bench.js';
import { nativeMarkdown, runNative, validateNative } from './native.bench.js';
import { optimCases } from './optim.bench.js';
import { runProfiles, validateProfiles } from './profile.bench.js';
import { formatProfile } from '../src/commands/profile.js';
import {
  e2eTables,
  kernelTable,
  KERNEL_SUITES,
  limitsSummary,
  limitsTable,
  METHOD,
  writeResults,
  writeSummary,
  type ResultsFile,
} from './report.js';
import { softmaxCases } from './softmax.bench.js';
import { runTargets, validateTargets } from './targets.bench.js';
import { targetsMarkdown } from './targets-report.js';
import { setupTfjs, type TfjsInfo } from './tfjs.js';

export const SUITES = ['limits', ...KERNEL_SUITES, 'profile', 'e2e', 'targets', 'native'] as const;
export type SuiteName = (typeof SUITES)[number];

const KERNEL_CASES: Record<(typeof KERNEL_SUITES)[number], (o: { quick: boolean }) => KernelCase[]> = {
  gemm: gemmCases,
  activations: activationCases,
  softmax: softmaxCases,
  bias: biasCases,
  optim: optimCases,
};

export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
export const QUICK_RESULTS_DIR = path.join(RESULTS_DIR, 'tmp', 'quick');

export interface RunSettings {
  quick: boolean;
  only?: readonly SuiteName[];
  validateOnly?: boolean;
  variant?: Variant;
  out?: string;
  /** Further Node binaries for the targets suite. */
  nodes?: readonly string[];
  log?: (line: string) => void;
}

/**
 * Validates every contender of every selected suite (quick shapes by default) without timing
 * anything; throws on the first output outside its bound. Returns one line per validated check.
 */
export async function validateAll(
  options: { quick?: boolean; only?: readonly SuiteName[]; log?: (line: string) => void } = {},
): Promise<string[]> {
  const quick = options.quick ?? true;
  const lines: string[] = [];
  const log = (l: string) => {
    lines.push(l);
    options.log?.(l);
  };
  const runtime = await loadSimdnet({ variant: 'simd' });
  await setupTfjs();
  const only = new Set(options.only ?? SUITES);
  if (only.has('limits')) log(`limits: ${validateLimits(runtime)}`);
  for (const suite of KERNEL_SUITES) {
    if (!only.has(suite)) continue;
    const results = await runCases(KERNEL_CASES[suite]({ quick }), runtime, null, { quick, validateOnly: true });
    for (const r of results)
      for (const c of r.contenders)
        log(`${suite}/${r.name} [${r.shape}] ${c.contender}: ${c.validation ?? `skipped (${c.reason})`}`);
    clearCache();
  }
  if (only.has('profile')) for (const l of validateProfiles(runtime)) log(`profile: ${l}`);
  if (only.has('e2e')) {
    const e = await runE2e(runtime, { quick, validateOnly: true });
    for (const t of e.training) for (const v of t.validation) log(`e2e ${t.config.name}: ${v}`);
  }
  if (only.has('targets')) log(`targets: ${await validateTargets(runtime, quick)}`);
  if (only.has('native')) for (const l of await validateNative()) log(`native: ${l}`);
  return lines;
}

/** Runs the selected suites, writes their JSONs, prints their tables, regenerates SUMMARY.md, report.html and the charts. */
export async function runBenchmarks(s: RunSettings): Promise<string> {
  const log = s.log ?? ((l: string) => console.log(l));
  const started = performance.now();
  const runtime: Runtime = await loadSimdnet({ variant: s.variant ?? 'simd' });
  const tfjs: TfjsInfo = await setupTfjs();
  const machine = machineInfo(runtime.variant);
  const mode = s.quick ? 'quick' : 'full';
  const dir = s.out ?? (s.quick ? QUICK_RESULTS_DIR : RESULTS_DIR);
  const only = new Set<SuiteName>(s.only ?? SUITES);
  log(`simdnet benchmarks (${mode}${s.validateOnly ? ', validation only' : ''})`);
  log(describeMachine(machine));
  log(`tfjs ${tfjs.version}: wasm SIMD ${tfjs.wasmSimd ? 'on' : 'off'}, ${tfjs.wasmThreads} thread(s); cpu backend`);
  log(
    'tfjs timing = tf.tidy(() => op) (op + disposal of its result; both backends are synchronous); simdnet timing = raw exports.',
  );
  const file = <T>(name: string, results: T, limits?: MachineLimits): ResultsFile<T> => ({
    name,
    mode,
    machine,
    tfjs,
    method: METHOD,
    ...(limits ? { limits: limitsSummary(limits) } : {}),
    results,
  });

  // Limits run first (every kernel figure is a share of them), even when not selected for output.
  let limits: MachineLimits | null = null;
  if (!s.validateOnly) {
    log('\n== limits');
    const l = await runLimits(runtime, { quick: s.quick });
    limits = l.limits;
    log(limitsTable(l));
    if (only.has('limits')) await writeResults(dir, file('limits', l, limits));
  } else {
    log(`limits: ${validateLimits(runtime)}`);
  }

  for (const suite of KERNEL_SUITES) {
    if (!only.has(suite)) continue;
    log(`\n== ${suite}`);
    const t0 = performance.now();
    const results: KernelResult[] = await runCases(KERNEL_CASES[suite]({ quick: s.quick }), runtime, limits, {
      quick: s.quick,
      validateOnly: s.validateOnly,
      log: (l) => process.stderr.write(`${l}\n`),
    });
    clearCache();
    log(kernelTable(results));
    log(`(${suite}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    if (!s.validateOnly) await writeResults(dir, file(suite, results, limits ?? undefined));
  }

  if (only.has('profile')) {
    log('\n== profile');
    const t0 = performance.now();
    validateProfiles(runtime).forEach((l) => log(l));
    if (!s.validateOnly) {
      const reports = await runProfiles({ quick: s.quick, log: (l) => process.stderr.write(`${l}\n`) });
      for (const r of reports) log(`\n${formatProfile(r)}`);
      await writeResults(dir, file('profile', reports, limits ?? undefined));
    }
    log(`(profile: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }

  if (only.has('e2e')) {
    log('\n== e2e');
    const t0 = performance.now();
    const e = await runE2e(runtime, { quick: s.quick, validateOnly: s.validateOnly, log });
    if (!s.validateOnly) {
      log(e2eTables(e));
      await writeResults(dir, file('e2e', e, limits ?? undefined));
    }
    log(`(e2e: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }

  if (only.has('targets')) {
    log('\n== targets');
    const t0 = performance.now();
    if (s.validateOnly) log(`targets: ${await validateTargets(runtime, s.quick)}`);
    else {
      const t = await runTargets(runtime, { quick: s.quick, nodes: s.nodes, log });
      log(`\n${targetsMarkdown(t)}`);
      await writeResults(dir, file('targets', t, limits ?? undefined));
    }
    log(`(targets: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }

  if (only.has('native')) {
    log('\n== native');
    const t0 = performance.now();
    if (s.validateOnly) for (const l of await validateNative()) log(`native: ${l}`);
    else {
      const n = await runNative({ quick: s.quick });
      log(nativeMarkdown(n));
      await writeResults(dir, file('native', n, limits ?? undefined));
    }
    log(`(native: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }

  if (!s.validateOnly) {
    const summary = await writeSummary(dir);
    log(
      `\nwrote ${path.relative(process.cwd(), dir) || '.'}/*.json, ${path.relative(process.cwd(), summary)}, report.html and the SVG charts`,
    );
  }
  log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

const USAGE =
  'usage: node --import tsx bench/run.ts [--quick] [--only SUITE,…] [--validate-only] [--report-only] [--variant relaxed|simd|scalar] [--out DIR] [--node PATH]…\n' +
  `  suites: ${SUITES.join(', ')}`;

async function main(argv: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        'validate-only': { type: 'boolean' },
        variant: { type: 'string' },
        out: { type: 'string' },
        node: { type: 'string', multiple: true },
        'report-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const only = v.only?.split(',').map((x) => x.trim());
  const unknown = only?.filter((x) => !(SUITES as readonly string[]).includes(x)) ?? [];
  if (unknown.length) {
    process.stderr.write(`unknown suite ${unknown.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  if (v.variant !== undefined && !(VARIANTS as readonly string[]).includes(v.variant)) {
    process.stderr.write(`--variant must be ${VARIANTS.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  try {
    if (v['report-only']) {
      const dir = v.out ? path.resolve(v.out) : v.quick ? QUICK_RESULTS_DIR : RESULTS_DIR;
      console.log(
        `wrote ${path.relative(process.cwd(), await writeSummary(dir))}, report.html and the SVG charts from ${path.relative(process.cwd(), dir)}/*.json`,
      );
      return 0;
    }
    await runBenchmarks({
      quick: v.quick ?? false,
      only: only as SuiteName[] | undefined,
      validateOnly: v['validate-only'] ?? false,
      variant: v.variant as Variant | undefined,
      out: v.out ? path.resolve(v.out) : undefined,
      nodes: [...(v.node ?? []), ...(process.env.SIMDNET_BENCH_NODES?.split(':').filter(Boolean) ?? [])],
    });
    return 0;
  } catch (err) {
    // Caught here: tfjs-wasm's Emscripten glue rethrows uncaught errors with its whole source attached.
    process.stderr.write(`\nbenchmark failed: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
