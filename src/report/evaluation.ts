// What `simdnet evaluate` reports about a trained model on a labelled set: the confusion matrix
// (rows: true class, columns: predicted), each class's precision and recall, and the mistakes,
// most confident first; then the same as pictures in one HTML page.
import { htmlFacts, htmlFigure, htmlPage, htmlParagraph, htmlTable } from '../plot/html.js';
import { imageSheet, matrixChart, type SheetCell } from '../plot/svg.js';

export interface ClassMetrics {
  class: number;
  /** Of the images predicted as this class, the share that are; null when none was predicted so. */
  precision: number | null;
  /** Of the images of this class, the share predicted so; null when the set holds none. */
  recall: number | null;
  /** Images of this class in the set. */
  support: number;
}

export interface Mistake {
  /** Position in the evaluated set. */
  index: number;
  label: number;
  predicted: number;
  /** The probability given to the predicted class. */
  confidence: number;
  /** The probability given to the true class. */
  labelProbability: number;
}

export interface ClassificationMetrics {
  count: number;
  /** confusion[label][predicted] = images. */
  confusion: number[][];
  perClass: ClassMetrics[];
  /** Every misclassified image, the most confident mistake first. */
  mistakes: Mistake[];
}

/** probabilities is count×classes row-major; predicted holds each row's argmax (as Network.predict returns them). */
export function classificationMetrics(
  labels: Uint8Array,
  probabilities: Float32Array,
  predicted: Int32Array,
  classes: number,
): ClassificationMetrics {
  const count = labels.length;
  if (probabilities.length !== count * classes || predicted.length !== count) {
    throw new RangeError(
      `classificationMetrics: ${count} labels, ${probabilities.length} probabilities (expected ${count}×${classes}) and ${predicted.length} predictions`,
    );
  }
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const mistakes: Mistake[] = [];
  for (let i = 0; i < count; i++) {
    const label = labels[i]!,
      guess = predicted[i]!;
    if (label >= classes)
      throw new RangeError(
        `classificationMetrics: label ${label} of image ${i} is not one of the model's ${classes} classes`,
      );
    confusion[label]![guess]!++;
    if (guess !== label) {
      mistakes.push({
        index: i,
        label,
        predicted: guess,
        confidence: probabilities[i * classes + guess]!,
        labelProbability: probabilities[i * classes + label]!,
      });
    }
  }
  mistakes.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  const perClass = confusion.map((row, c) => {
    const support = row.reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((a, r) => a + r[c]!, 0);
    return {
      class: c,
      precision: predictedAs ? row[c]! / predictedAs : null,
      recall: support ? row[c]! / support : null,
      support,
    };
  });
  return { count, confusion, perClass, mistakes };
}

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(2)}%`);

/** The per-class table and the confusion matrix as aligned console text. */
export function formatClassification(m: ClassificationMetrics): string {
  const lines = ['class  precision  recall  images'];
  for (const c of m.perClass)
    lines.push(
      `${String(c.class).padStart(5)}  ${pct(c.precision).padStart(9)}  ${pct(c.recall).padStart(7)}  ${String(c.support).padStart(6)}`,
    );
  const width = Math.max(4, ...m.confusion.flat().map((v) => String(v).length)) + 1;
  lines.push(
    '',
    'confusion matrix (rows: true class, columns: predicted)',
    `     ${m.confusion.map((_, c) => String(c).padStart(width)).join('')}`,
    ...m.confusion.map((row, r) => `${String(r).padStart(5)}${row.map((v) => String(v).padStart(width)).join('')}`),
  );
  return lines.join('\n');
}

export interface SheetDigit {
  index: number;
  label: number;
  predicted: number;
  confidence: number;
  /** A data: URL of the digit's picture. */
  href: string;
}

/** The images a sheet shows: up to `mistakes` of the most confident mistakes, then correct ones in set order, `total` in all. */
export function sheetIndices(
  m: ClassificationMetrics,
  predicted: Int32Array,
  labels: Uint8Array,
  total = 96,
  mistakes = 60,
): number[] {
  const chosen = m.mistakes.slice(0, mistakes).map((x) => x.index);
  for (let i = 0; i < labels.length && chosen.length < total; i++) if (predicted[i] === labels[i]) chosen.push(i);
  return chosen;
}

export function evaluationReport(o: {
  title: string;
  facts: Array<[string, string]>;
  accuracy: number;
  loss: number;
  metrics: ClassificationMetrics;
  sheet: SheetDigit[];
}): string {
  const m = o.metrics;
  const labels = m.perClass.map((c) => String(c.class));
  const cells: SheetCell[] = o.sheet.map((d) => ({
    href: d.href,
    caption: `${d.predicted} / ${d.label}`,
    highlight: d.predicted !== d.label,
    title: `image ${d.index}: predicted ${d.predicted} (p ${d.confidence.toFixed(3)}), true ${d.label}`,
  }));
  const shownMistakes = cells.filter((c) => c.highlight).length;
  return htmlPage({
    title: o.title,
    intro: htmlFacts(o.facts),
    sections: [
      {
        heading: 'Accuracy and loss',
        body: htmlTable(
          ['images', 'accuracy', 'mistakes', 'mean cross-entropy loss'],
          [[String(m.count), pct(o.accuracy), String(m.mistakes.length), o.loss.toFixed(4)]],
          new Set([0, 1, 2, 3]),
        ),
      },
      {
        heading: 'Per class',
        body: htmlTable(
          ['class', 'precision', 'recall', 'images'],
          m.perClass.map((c) => [String(c.class), pct(c.precision), pct(c.recall), String(c.support)]),
          new Set([0, 1, 2, 3]),
        ),
      },
      {
        heading: 'Confusion matrix',
        body: htmlFigure(
          matrixChart({
            title: 'Confusion matrix',
            subtitle: 'cell shade: share of the true class’s images; diagonal blue, confusions red',
            labels,
            counts: m.confusion,
            rowLabel: 'true class',
            colLabel: 'predicted class',
          }),
        ),
      },
      {
        heading: 'Test digits',
        body:
          htmlFigure(
            imageSheet({
              title: 'Test digits, labelled predicted / true',
              subtitle: `${shownMistakes} of ${m.mistakes.length} mistakes (red, most confident first), then correctly classified digits in set order`,
              cells,
            }),
          ) +
          htmlParagraph('Hover a digit for its index in the set and the probability given to the prediction.', 'note'),
      },
    ],
  });
}
