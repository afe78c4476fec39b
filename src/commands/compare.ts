// `simdnet compare`: trains the comparison models with simdnet and with TensorFlow.js
// (src/tfjs/comparison.ts, loaded only when it runs, so --help and refused flags need no
// TensorFlow.js) and prints a table, or one JSON object with --json; --report draws it
// (src/report/comparison.ts).
// Progress goes to stderr, results to stdout.
import { writeFile } from 'node:fs/promises';
import type { Variant } from '../abi.js';
import { describeMachine, machineInfo } from '../perf/machine.js';
import { formatComparisonTable, MEMORY_NOTE, TFJS_BACKENDS, type TfjsBackendName } from '../tfjs/comparison-table.js';
import { comparisonReport } from '../report/comparison.js';
import { VARIANT_CHOICES } from './model.js';
import { checkOutputDirectory } from './output.js';
import { choiceFlag, integerFlag, parseFlags, UsageError } from './usage.js';
import { SIMDNET_VERSION } from './version.js';

export const COMPARE_USAGE = `usage: simdnet compare [options]
  --epochs N             epochs of the mini-batch runs, on both engines   (default 1)
  --backend NAME         tfjs backend: wasm | cpu                          (default wasm;
                         cpu is ~10× slower than wasm: pair it with --quick)
  --variant NAME         simdnet build: auto | relaxed | simd | scalar     (default auto)
  --report FILE.html     also write one self-contained page: loss curves against epoch and wall
                         time, speedup bars, the table, machine, versions and date
  --quick                a short run: 2 000 training / 1 000 test images, 5 full-batch iterations
  --json                 print one JSON object: simdnet version, rows, machine, variant, tfjs backend
  -h, --help             this message`;

export interface CompareIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: CompareIo = {
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
};

export function parseCompareArgs(argv: string[]) {
  const v = parseFlags(argv, {
    epochs: { type: 'string' },
    backend: { type: 'string' },
    variant: { type: 'string' },
    quick: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    report: { type: 'string' },
  });
  return {
    help: v.help ?? false,
    json: v.json ?? false,
    quick: v.quick ?? false,
    report: v.report,
    epochs: integerFlag('epochs', v.epochs),
    backend: choiceFlag('backend', v.backend, TFJS_BACKENDS) ?? ('wasm' as TfjsBackendName),
    variant: choiceFlag('variant', v.variant, VARIANT_CHOICES) ?? ('auto' as Variant | 'auto'),
  };
}

/** Exit codes: 0 done, 2 bad flags (usage on stderr), 1 the run failed (message on stderr). */
export async function compareCommand(argv: string[], io: CompareIo = processIo): Promise<number> {
  let args: ReturnType<typeof parseCompareArgs>;
  try {
    args = parseCompareArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`simdnet compare: ${err.message}\n${COMPARE_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout(`${COMPARE_USAGE}\n`);
    return 0;
  }
  try {
    if (args.report !== undefined) await checkOutputDirectory(args.report, 'the report');
    const { runComparison } = await import('../tfjs/comparison.js');
    const report = await runComparison({
      epochs: args.epochs,
      quick: args.quick,
      backends: [args.backend],
      variant: args.variant,
      onProgress: (message) => io.stderr(`${message}\n`),
    });
    if (args.report !== undefined) {
      await writeFile(args.report, comparisonReport(report, machineInfo(report.variant), SIMDNET_VERSION));
      io.stderr(`wrote ${args.report}\n`);
    }
    if (args.json) {
      io.stdout(
        `${JSON.stringify({
          simdnet: SIMDNET_VERSION,
          machine: machineInfo(report.variant),
          variant: report.variant,
          tfjs: report.tfjs,
          trainCount: report.trainCount,
          testCount: report.testCount,
          epochs: report.epochs,
          mode: report.mode,
          memory: MEMORY_NOTE,
          rows: report.rows,
        })}\n`,
      );
    } else {
      const m = machineInfo(report.variant);
      const wasm = report.tfjs.find((t) => t.binary);
      io.stdout(
        `simdnet ${report.variant} vs TensorFlow.js ${report.tfjs.map((t) => t.name).join(', ')} ` +
          `(${wasm ? `${wasm.binary}, ${wasm.threads} thread(s), ` : ''}twin mode '${report.mode}') — ` +
          `${report.trainCount} training / ${report.testCount} test images\n` +
          `${describeMachine(m)}\n\n` +
          `${formatComparisonTable(report.rows)}\n`,
      );
    }
    return 0;
  } catch (err) {
    io.stderr(`simdnet compare: ${(err as Error)?.message ?? String(err)}\n`);
    return 1;
  }
}
