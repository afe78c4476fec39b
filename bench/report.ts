// Reports: console tables while the suites run, one machine-readable JSON per suite in the
// results directory, and from those JSONs a markdown SUMMARY.md with SVG charts and report.html,
// one self-contained page with the charts inline (src/plot/).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes, type MachineLimits } from '../src/perf/limits.js';
import { describeMachine, type MachineInfo } from '../src/perf/machine.js';
import type { ProfileReport } from '../src/commands/profile.js';
import type { E2eResults } from './e2e.bench.js';
import type { KernelResult } from './harness.js';
import type { LimitsResult } from './limits.bench.js';
import { htmlFacts, htmlFigure, htmlPage, htmlTable, type HtmlSection } from '../src/plot/html.js';
import { barChart, lineChart, type Series } from '../src/plot/svg.js';
import type { TfjsInfo } from './tfjs.js';
import { nativeMarkdown, type NativeResults } from './native.bench.js';
import type { TargetsResult } from './targets.bench.js';
import { builds, defaultBuild, describeRun, headline, targetsNotes } from './targets-report.js';

export interface ResultsFile<T> {
  name: string;
  mode: 'full' | 'quick';
  machine: MachineInfo;
  tfjs: TfjsInfo;
  /** How the figures were taken, in words. */
  method: string[];
  limits?: { peakGflops: number; dramCopyGBs: number };
  results: T;
}

export const KERNEL_SUITES = ['gemm', 'activations', 'softmax', 'bias', 'optim'] as const;

export const METHOD = [
  'Every contender validates its output against a float64 reference (all elements, or 256 sampled elements plus a full relative-L2 cross-check against simdnet for the largest GEMMs) before it is timed; nothing that failed is timed.',
  'Warm-up calls (V8 tiering WebAssembly up to TurboFan) run before timing and are excluded; timing is Benchmark.js (mean per call, ±rme = 95% relative margin of error, samples).',
  'simdnet is timed through raw WASM exports (arena.exports), no validation on the timed path. tfjs is timed as tf.tidy(() => op(...)): the op plus the disposal of its result. Both tfjs backends run these ops synchronously, so nothing is left pending when the clock stops; no dataSync is timed for kernels.',
  'tfjs runs in production mode (tf.enableProdMode()), wasm backend with its SIMD build (threads as reported), cpu backend beside it, in the same process at identical shapes; inputs are created on each backend before timing.',
  'Rates: GFLOP/s = 2·M·N·K per call for GEMM; GB/s = bytes every input and output must move once, per call, for the rest. "of limit" = roofline time ÷ measured time, roofline = max(FLOPs ÷ peak, bytes ÷ copy-or-sum bandwidth measured at the call\'s working-set size).',
  'Limits are measured ceilings (the fastest sample of a copy or sum loop), not datasheet figures; a kernel that reads more than it writes (ReLU backward reads two streams per one written) can pass the copy ceiling slightly, and a noisy limit measurement moves every "of limit" figure with it.',
  "simdnet's softmax computes exp four rows at a time in f32x4 (assembly/exp.ts) and the loss's log in scalar f64, so it stays compute-bound, far below the bandwidth limit.",
  "Ratios are simdnet's rate ÷ the other's (> 1: simdnet faster).",
];

// ---- console --------------------------------------------------------------------------------

function table(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, j) => (right[j] ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

const fixed = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
const pct = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

function rateCell(r: KernelResult, who: string): string {
  const c = r.contenders.find((x) => x.contender === who);
  if (!c) return '—';
  if (c.status === 'skipped') return 'skipped';
  return c.rate === undefined ? 'valid' : `${fixed(c.rate)} ±${fixed(c.rme, 1)}%`;
}
function limitCell(r: KernelResult, who: string): string {
  return pct(r.contenders.find((x) => x.contender === who)?.ofLimit);
}

export function kernelTable(results: readonly KernelResult[]): string {
  const header = ['case', 'shape', 'unit', 'simdnet', 'of limit', 'tfjs-wasm', 'of limit', 'tfjs-cpu', '÷wasm', '÷cpu'];
  const rows = results.map((r) => [
    r.name,
    r.shape,
    r.unit,
    rateCell(r, 'simdnet'),
    limitCell(r, 'simdnet'),
    rateCell(r, 'tfjs-wasm'),
    limitCell(r, 'tfjs-wasm'),
    rateCell(r, 'tfjs-cpu'),
    r.ratio['tfjs-wasm'] ? `${fixed(r.ratio['tfjs-wasm'])}×` : '—',
    r.ratio['tfjs-cpu'] ? `${fixed(r.ratio['tfjs-cpu'], 1)}×` : '—',
  ]);
  return table(header, rows, [false, false, false, true, true, true, true, true, true, true]);
}

export function limitsTable(l: LimitsResult): string {
  const m = l.limits;
  const lines = [
    `peak f32 (WASM SIMD, 12 mul+add chains): ${fixed(m.peakFlops / 1e9, 1)} GFLOP/s (mean ${fixed(m.peakFlopsMean / 1e9, 1)} ±${fixed(m.peakRme, 1)}%); scalar build ${fixed(l.scalarPeakFlops / 1e9, 1)} GFLOP/s`,
    table(
      ['footprint', 'copy GB/s', 'copy mean', 'sum GB/s', 'sum mean'],
      m.bandwidth.map((b) => [
        formatBytes(b.footprint),
        fixed(b.copy / 1e9, 1),
        `${fixed(b.copyMean / 1e9, 1)} ±${fixed(b.copyRme, 1)}%`,
        fixed(b.sum / 1e9, 1),
        `${fixed(b.sumMean / 1e9, 1)} ±${fixed(b.sumRme, 1)}%`,
      ]),
      [false, true, true, true, true],
    ),
  ];
  return lines.join('\n');
}

export function e2eTables(e: E2eResults): string {
  const train = table(
    ['network', 'trainer', 'ms/step', '±rme', 'ms/epoch', 'steps timed', 'test acc', 'simdnet speedup'],
    e.training.flatMap((t) =>
      t.trainers.map((r, i) => [
        t.config.name,
        r.trainer,
        fixed(r.msPerStep, 3),
        r.rme === undefined ? 'single run' : `±${fixed(r.rme, 1)}%`,
        `${fixed(r.msPerEpoch, 0)}${r.extrapolated ? ' (extrapolated)' : ''}`,
        String(r.stepsTimed),
        fixed(r.testAccuracy, 4),
        i === 0 ? '' : `${fixed(i === 1 ? t.speedup.fit : t.speedup.step)}×`,
      ]),
    ),
    [false, false, true, true, true, true, true, true],
  );
  const inf = table(
    ['network', 'who', 'how', 'images/s', '±rme'],
    e.inference.flatMap((r) => [
      [
        r.layers.join('-'),
        'simdnet',
        r.simdnet.how,
        fixed(r.simdnet.imagesPerSecond, 0),
        `±${fixed(r.simdnet.rme, 1)}%`,
      ],
      ...r.tfjs.map((v) => [
        r.layers.join('-'),
        v === r.best ? 'tfjs-wasm (best)' : 'tfjs-wasm',
        v.how,
        fixed(v.imagesPerSecond, 0),
        `±${fixed(v.rme, 1)}%`,
      ]),
    ]),
    [false, false, false, true, true],
  );
  return `${train}\n\n${inf}`;
}

// ---- files ----------------------------------------------------------------------------------

export async function writeResults<T>(dir: string, file: ResultsFile<T>): Promise<string> {
  await mkdir(dir, { recursive: true });
  const where = path.join(dir, `${file.name}.json`);
  await writeFile(where, `${JSON.stringify(file, null, 2)}\n`);
  return where;
}

async function readResults<T>(dir: string, name: string): Promise<ResultsFile<T> | null> {
  try {
    return JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8')) as ResultsFile<T>;
  } catch {
    return null;
  }
}

export function limitsSummary(m: MachineLimits): { peakGflops: number; dramCopyGBs: number } {
  return { peakGflops: m.peakFlops / 1e9, dramCopyGBs: (m.bandwidth[m.bandwidth.length - 1]?.copy ?? NaN) / 1e9 };
}

// ---- markdown + charts ----------------------------------------------------------------------

const COLORS = {
  simdnet: '#d62728',
  'tfjs-wasm': '#1f77b4',
  'tfjs-cpu': '#7f7f7f',
  fit: '#1f77b4',
  step: '#2ca02c',
  inference: '#9467bd',
  peak: '#d62728',
};

function mdTable(header: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Geometric mean and range of simdnet ÷ tfjs-wasm over a suite's cases. */
function ratioLine(results: readonly KernelResult[]): string {
  const r = results.map((x) => x.ratio['tfjs-wasm']).filter((x): x is number => x !== undefined && x > 0);
  if (!r.length) return '';
  const geo = Math.exp(r.reduce((a, x) => a + Math.log(x), 0) / r.length);
  const slower = results
    .filter((x) => (x.ratio['tfjs-wasm'] ?? Infinity) < 1)
    .map((x) => `${x.name} ${x.shape} (${fixed(x.ratio['tfjs-wasm'])}×)`);
  return (
    `simdnet ÷ tfjs-wasm: geometric mean **${fixed(geo)}×** over ${r.length} cases, from ${fixed(Math.min(...r))}× to ${fixed(Math.max(...r))}×.` +
    (slower.length ? ` tfjs-wasm is faster at: ${slower.join('; ')}.` : ' simdnet is faster at every shape.')
  );
}

function kernelRows(results: readonly KernelResult[]): [string[], string[][]] {
  return [
    ['case', 'shape', 'simdnet', 'of limit', 'tfjs-wasm', 'of limit', 'tfjs-cpu', 'simdnet ÷ wasm', 'simdnet ÷ cpu'],
    results.map((r) => [
      `${r.name} (\`${r.kernel}\` vs \`${r.tfjsOp}\`)`,
      r.shape,
      `${rateCell(r, 'simdnet')} ${r.unit}`,
      limitCell(r, 'simdnet'),
      `${rateCell(r, 'tfjs-wasm')}`,
      limitCell(r, 'tfjs-wasm'),
      rateCell(r, 'tfjs-cpu'),
      r.ratio['tfjs-wasm'] ? `**${fixed(r.ratio['tfjs-wasm'])}×**` : '—',
      r.ratio['tfjs-cpu'] ? `${fixed(r.ratio['tfjs-cpu'], 1)}×` : '—',
    ]),
  ];
}

/** Columns whose every filled cell reads as a figure (right-aligned in HTML). */
function numericColumns(rows: readonly string[][]): Set<number> {
  const width = Math.max(0, ...rows.map((r) => r.length));
  return new Set([...Array(width).keys()].filter((c) => rows.every((r) => !r[c] || /^[*~±−-]*[\d—]/.test(r[c]!))));
}

/** Regenerates SUMMARY.md, the SVG charts and report.html from whatever suite JSONs `dir` holds. */
export async function writeSummary(dir: string): Promise<string> {
  const limits = await readResults<LimitsResult>(dir, 'limits');
  const e2e = await readResults<E2eResults>(dir, 'e2e');
  const kernels: Array<ResultsFile<KernelResult[]>> = [];
  for (const s of KERNEL_SUITES) {
    const f = await readResults<KernelResult[]>(dir, s);
    if (f) kernels.push(f);
  }
  const targets = await readResults<TargetsResult>(dir, 'targets');
  const native = await readResults<NativeResults>(dir, 'native');
  const any = limits ?? e2e ?? kernels[0] ?? targets ?? native;
  if (!any) throw new Error(`no results in ${dir}: run bench/run.ts first`);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  // Every markdown table also goes to report.html, its markdown marks removed.
  const tables: HtmlSection[] = [];
  const table = (heading: string, header: string[], rows: string[][]) => {
    tables.push({
      heading,
      body: htmlTable(
        header,
        rows.map((r) => r.map((c) => c.replace(/\*\*|`/g, ''))),
        numericColumns(rows),
      ),
    });
    return mdTable(header, rows);
  };

  const md: string[] = [
    '# simdnet benchmarks',
    '',
    `Generated by \`npm run ${any.mode === 'quick' ? 'bench:quick' : 'bench'}\` (${any.mode} mode) from ${files.join(', ')}.`,
    '',
    `- Machine: ${describeMachine(any.machine)}`,
    `- TensorFlow.js ${any.tfjs.version}: wasm backend SIMD ${any.tfjs.wasmSimd ? 'on' : 'off'}, ${any.tfjs.wasmThreads} thread(s); cpu backend (plain JS).`,
    ...(any.machine.loadAverage > any.machine.cores
      ? [
          `- Note: the 1-minute load average was ${any.machine.loadAverage} on ${any.machine.cores} cores when this run began: other processes shared the CPU, so absolute figures are noisy (ratios measured minutes apart share that noise).`,
        ]
      : []),
    '',
    '## Method',
    '',
    ...METHOD.map((m) => `- ${m}`),
    '',
  ];

  if (limits) {
    const m = limits.results.limits;
    md.push(
      '## Machine limits (bench/limits.bench.ts)',
      '',
      `Peak f32 from WebAssembly SIMD (\`peak_flops\`: 12 independent f32x4 mul+add chains; WASM SIMD has no FMA): **${fixed(m.peakFlops / 1e9, 1)} GFLOP/s** (fastest sample; mean ${fixed(m.peakFlopsMean / 1e9, 1)} ±${fixed(m.peakRme, 1)}%). The scalar build's same kernel: ${fixed(limits.results.scalarPeakFlops / 1e9, 1)} GFLOP/s.`,
      '',
      'Bandwidth (`stream_copy` counts 8 bytes per element, `stream_sum` 4; buffers written before timing):',
      '',
      table(
        'Machine limits: bandwidth',
        ['footprint', 'copy GB/s (best)', 'copy mean', 'sum GB/s (best)', 'sum mean'],
        m.bandwidth.map((b) => [
          formatBytes(b.footprint),
          fixed(b.copy / 1e9, 1),
          `${fixed(b.copyMean / 1e9, 1)} ±${fixed(b.copyRme, 1)}%`,
          fixed(b.sum / 1e9, 1),
          `${fixed(b.sumMean / 1e9, 1)} ±${fixed(b.sumRme, 1)}%`,
        ]),
      ),
      '',
    );
  }

  if (kernels.length) {
    md.push('## Kernels', '');
    for (const k of kernels)
      md.push(
        `### ${k.name} (bench/${k.name}.bench.ts)`,
        '',
        ratioLine(k.results),
        '',
        table(`${k.name} (bench/${k.name}.bench.ts)`, ...kernelRows(k.results)),
        '',
      );
  }

  const profile = await readResults<ProfileReport[]>(dir, 'profile');
  if (profile) {
    md.push(
      '## Where a training step goes (bench/profile.bench.ts, `simdnet profile`)',
      '',
      'One step of `Network.fit`: the very list of kernel calls fit runs (checked: the same gradients as a step of `Network.fit`, bit for bit), each call timed alone over many repetitions with its data warm in cache. "of limit" is the roofline time ÷ measured time; "gap" is what the call loses against its roofline.',
      '',
    );
    for (const r of profile.results) {
      const t = r.total;
      md.push(
        `### ${r.settings.layers.join('-')}, batch ${r.settings.batch}, ${r.settings.optimizer} (${r.parameters} parameters)`,
        '',
        table(
          `Training step ${r.settings.layers.join('-')}, batch ${r.settings.batch}, ${r.settings.optimizer}`,
          ['#', 'call', 'µs/call', '±rme', 'share', 'rate', 'of limit', 'bound', 'gap µs'],
          r.calls.map((c, i) => [
            String(i + 1),
            `${c.phase}: ${c.label} (\`${c.kernel}\`)`,
            fixed(c.seconds * 1e6, 2),
            `±${fixed(c.rme, 1)}%`,
            pct(c.share),
            c.bound === 'compute'
              ? `${fixed(c.flopsPerSecond / 1e9)} GFLOP/s`
              : `${fixed(c.bytesPerSecond / 1e9)} GB/s`,
            pct(c.ofLimit),
            c.bound,
            fixed(c.gapSeconds * 1e6, 2),
          ]),
        ),
        '',
        `Sum of calls ${fixed(t.sumSeconds * 1e3, 3)} ms; the whole step back to back ${fixed(t.stepSeconds * 1e3, 3)} ms ±${fixed(t.stepRme, 1)}%; roofline ${fixed(t.rooflineSeconds * 1e3, 3)} ms (${pct(t.rooflineSeconds / t.stepSeconds)} of the step).`,
        '',
      );
    }
  }

  if (e2e) {
    md.push(
      '## End to end (bench/e2e.bench.ts)',
      '',
      "Real MNIST (60 000 training images, 10 000 test images). simdnet `Network.fit` (gather, forward, loss, backward, update every step) against tfjs-wasm `model.fit` and a hand-written tfjs step (`optimizer.minimize` on pre-sliced batches), all from identical initial weights after the validation below. Speedup = the tfjs trainer's ms/step ÷ simdnet's.",
      '',
      table(
        'End to end: training',
        [
          'network',
          'trainer',
          'ms/step',
          '±rme',
          'ms/epoch',
          'steps timed',
          'test accuracy',
          'simdnet speedup',
          'note',
        ],
        e2e.results.training.flatMap((t) =>
          t.trainers.map((r, i) => [
            t.config.name,
            r.trainer,
            fixed(r.msPerStep, 3),
            r.rme === undefined ? 'single run' : `±${fixed(r.rme, 1)}%`,
            `${fixed(r.msPerEpoch, 0)}${r.extrapolated ? ' (extrapolated)' : ''}`,
            String(r.stepsTimed),
            fixed(r.testAccuracy, 4),
            i === 0 ? '' : `**${fixed(i === 1 ? t.speedup.fit : t.speedup.step)}×**`,
            r.note,
          ]),
        ),
      ),
      '',
      'Validation before timing:',
      '',
      ...e2e.results.training.flatMap((t) => t.validation.map((v) => `- ${t.config.name}: ${v}`)),
      '',
      '### Inference',
      '',
      'simdnet `net.predict(test.pixels)` (u8 in, probabilities and classes out) against tfjs-wasm `model.predict` called three ways, each reading its result back with dataSync (inputs pre-converted to f32 tensors, so tfjs is spared the u8→f32 scaling simdnet does). The best tfjs way is the one compared.',
      '',
      table(
        'End to end: inference',
        ['network', 'who', 'how', 'images/s', '±rme', 'simdnet ÷ best tfjs'],
        e2e.results.inference.flatMap((r) => [
          [
            r.layers.join('-'),
            'simdnet',
            r.simdnet.how,
            fixed(r.simdnet.imagesPerSecond, 0),
            `±${fixed(r.simdnet.rme, 1)}%`,
            `**${fixed(r.speedup)}×**`,
          ],
          ...r.tfjs.map((v) => [
            r.layers.join('-'),
            v === r.best || v.how === r.best.how ? 'tfjs-wasm (best)' : 'tfjs-wasm',
            v.how,
            fixed(v.imagesPerSecond, 0),
            `±${fixed(v.rme, 1)}%`,
            '',
          ]),
        ]),
      ),
      '',
      ...e2e.results.inference.map((r) => `- ${r.layers.join('-')}: ${r.validation}`),
      '',
    );
  }

  if (targets) {
    const t = targets.results,
      h = headline(t),
      b = builds(t);
    md.push(
      '## Targets (bench/targets.bench.ts, issue #15)',
      '',
      `${describeRun(t.nodes[0]!.machine, defaultBuild(t.nodes[0]!).variant)}.`,
      '',
      table('Targets', h.header, h.rows),
      '',
      table('Targets on every Node and build: ratio (simdnet figure)', b.header, b.rows),
      '',
      ...targetsNotes(t).map((n) => `- ${n}`),
      `- ${t.rivals.inference.validation}.`,
      '',
    );
  }

  if (native) {
    md.push(
      '## Native ceiling (bench/native.bench.ts)',
      '',
      `${describeRun(native.machine, 'simd')}.`,
      '',
      nativeMarkdown(native.results),
      '',
    );
  }

  // Charts: each an SVG file beside SUMMARY.md and inline in report.html.
  const charts: string[] = [];
  const svgs: string[] = [];
  const chart = async (file: string, alt: string, svg: string) => {
    await writeFile(path.join(dir, file), svg);
    charts.push(`![${alt}](${file})`);
    svgs.push(htmlFigure(svg));
  };
  const gemm = kernels.find((k) => k.name === 'gemm');
  const squares = gemm?.results.filter((r) => r.group === 'square' && r.size !== undefined) ?? [];
  if (squares.length) {
    const series: Series[] = (['simdnet', 'tfjs-wasm', 'tfjs-cpu'] as const).map((who) => ({
      name: who,
      color: COLORS[who],
      points: squares.flatMap((r) => {
        const c = r.contenders.find((x) => x.contender === who);
        return c?.rate !== undefined ? [[r.size!, c.rate] as [number, number]] : [];
      }),
    }));
    if (limits) {
      const peak = limits.results.limits.peakFlops / 1e9;
      series.push({
        name: `WASM SIMD peak ${peak.toFixed(0)}`,
        color: '#aaaaaa',
        points: squares.map((r) => [r.size!, peak] as [number, number]),
        dashed: true,
      });
    }
    await chart(
      'gemm-squares.svg',
      'sgemm squares',
      lineChart({
        title: 'sgemm NN, square N×N×N: GFLOP/s',
        subtitle: `${any.machine.cpu}, Node ${any.machine.node}, ${any.machine.variant} build, tfjs ${any.tfjs.version}, ${any.mode} run`,
        panels: [{ xLabel: 'N', yLabel: 'GFLOP/s (2·N³ per call)', series, xScale: 'log2' }],
      }),
    );
  }
  const kernelResults = kernels.flatMap((k) => k.results).filter((r) => r.ratio['tfjs-wasm'] !== undefined);
  if (kernelResults.length) {
    await chart(
      'speedup-kernels.svg',
      'kernel speedups',
      barChart({
        title: 'Kernels: simdnet rate ÷ tfjs rate (> 1× = simdnet faster)',
        subtitle: `log scale; ${any.machine.cpu}, Node ${any.machine.node}, ${any.mode} run`,
        axisLabel: 'speedup of simdnet',
        groups: kernelResults.map((r) => ({
          label: `${r.name} ${r.shape}`.slice(0, 60),
          values: [
            { name: 'vs tfjs-wasm', value: r.ratio['tfjs-wasm']!, color: COLORS['tfjs-wasm'] },
            ...(r.ratio['tfjs-cpu'] !== undefined
              ? [{ name: 'vs tfjs-cpu', value: r.ratio['tfjs-cpu'], color: COLORS['tfjs-cpu'] }]
              : []),
          ],
        })),
      }),
    );
  }
  if (e2e && e2e.results.training.some((t) => t.trainers.length)) {
    const groups = [
      ...e2e.results.training
        .filter((t) => t.trainers.length)
        .map((t) => ({
          label: `train ${t.config.name}`,
          values: [
            { name: 'vs tfjs model.fit', value: t.speedup.fit, color: COLORS.fit },
            { name: 'vs tfjs minimize step', value: t.speedup.step, color: COLORS.step },
          ],
        })),
      ...e2e.results.inference.map((r) => ({
        label: `inference ${r.layers.join('-')} (${r.images} test images)`,
        values: [{ name: 'vs best tfjs predict', value: r.speedup, color: COLORS.inference }],
      })),
    ];
    await chart(
      'speedup-e2e.svg',
      'end-to-end speedups',
      barChart({
        title: 'End to end: simdnet speedup over tfjs-wasm',
        subtitle: `ms/step (training) and images/s (inference); ${any.machine.cpu}, ${any.mode} run`,
        axisLabel: 'speedup of simdnet',
        groups,
      }),
    );
  }
  if (charts.length) md.push('## Charts', '', ...charts.flatMap((c) => [c, '']));
  const where = path.join(dir, 'SUMMARY.md');
  await writeFile(where, `${md.join('\n')}\n`);
  await writeFile(
    path.join(dir, 'report.html'),
    htmlPage({
      title: 'simdnet benchmarks',
      intro: htmlFacts([
        ['machine', describeMachine(any.machine)],
        [
          'TensorFlow.js',
          `${any.tfjs.version}: wasm backend SIMD ${any.tfjs.wasmSimd ? 'on' : 'off'}, ${any.tfjs.wasmThreads} thread(s); cpu backend`,
        ],
        ['run', `${any.mode} mode, from ${files.join(', ')}`],
      ]),
      sections: [...(svgs.length ? [{ heading: 'Charts', body: svgs.join('\n') }] : []), ...tables],
    }),
  );
  return where;
}
