// `simdnet compare --report`: the comparison as one self-contained HTML page. For each model both
// engines' training-loss curves on shared axes, against epoch and against wall-clock time; the
// speedup of simdnet per model as bars; the table; and the machine, versions and date.
import { comparisonCells, MEMORY_NOTE, type ComparisonReport, type ComparisonRow } from '../tfjs/comparison-table.js';
import type { MachineInfo } from '../perf/machine.js';
import { htmlFacts, htmlFigure, htmlPage, htmlParagraph, htmlTable, type HtmlSection } from '../plot/html.js';
import { barChart, lineChart, type Series } from '../plot/svg.js';

const ENGINE_COLORS = ['#d62728', '#1f77b4', '#7f7f7f', '#2ca02c'];

function engineColor(rows: readonly ComparisonRow[], engine: string): string {
  const engines = [...new Set(rows.map((r) => r.engine))];
  return ENGINE_COLORS[engines.indexOf(engine as ComparisonRow['engine']) % ENGINE_COLORS.length]!;
}

/** Which steps an extrapolated row timed, e.g. `timed iteration 2` or `timed iterations 2–3`. */
function timedSpan(r: ComparisonRow): string {
  const last = Math.round((r.curve[r.curve.length - 1]?.epoch ?? r.epochs) * (r.steps / r.epochs));
  return r.steps === 1 ? `timed iteration ${last}` : `timed iterations ${last - r.steps + 1}–${last}`;
}

function curves(rows: readonly ComparisonRow[], model: string): string {
  const ofModel = rows.filter((r) => r.model === model);
  const series = (x: 'epoch' | 'seconds'): Series[] =>
    ofModel.map((r) => ({
      name: `${r.engine}${r.extrapolated ? ` (${timedSpan(r)} only)` : ''}`,
      // Both engines train from the same weights on the same batches, so their curves overlap: dashes show both.
      color: engineColor(rows, r.engine),
      dashed: !r.engine.startsWith('simdnet'),
      markers: r.curve.length <= 3,
      points: r.curve.map((p) => [p[x], p.loss] as [number, number]),
    }));
  const first = ofModel[0]!;
  const full = first.batch === 'full';
  return lineChart({
    title: `${model}: training loss`,
    subtitle: `${first.layers.join('-')}, ${first.init} init, ${first.optimizer} lr ${first.lr}, batch ${first.batch}; each point the mean batch loss since the previous one`,
    panels: [
      {
        xLabel: full ? 'iterations (epochs of one full-batch step)' : 'epochs',
        yLabel: 'cross-entropy loss',
        series: series('epoch'),
      },
      {
        xLabel: 'training seconds (wall clock, set-up excluded as in the table)',
        yLabel: 'cross-entropy loss',
        series: series('seconds'),
      },
    ],
  });
}

function speedups(rows: readonly ComparisonRow[]): string {
  const tfjsEngines = [...new Set(rows.filter((r) => r.speedup !== null).map((r) => r.engine))];
  const models = [...new Set(rows.map((r) => r.model))];
  return barChart({
    title: 'simdnet speedup per training step (tfjs ms/step ÷ simdnet ms/step)',
    subtitle: 'log scale; > 1× means simdnet is faster; full-batch tfjs rows time only a few steps',
    axisLabel: 'speedup of simdnet',
    labelWidth: 240,
    width: 760,
    groups: models.map((model) => ({
      label: model,
      values: tfjsEngines.flatMap((engine) => {
        const r = rows.find((x) => x.model === model && x.engine === engine);
        return r?.speedup ? [{ name: `vs ${engine}`, value: r.speedup, color: engineColor(rows, engine) }] : [];
      }),
    })),
  });
}

export function comparisonReport(report: ComparisonReport, machine: MachineInfo, simdnetVersion: string): string {
  const models = [...new Set(report.rows.map((r) => r.model))];
  const cells = comparisonCells(report.rows);
  const tfjs = report.tfjs
    .map(
      (t) =>
        `${t.version} ${t.name}${t.binary ? ` (${t.binary}, ${t.threads} thread${t.threads === 1 ? '' : 's'})` : ''}`,
    )
    .join('; ');
  const notes = report.rows
    .filter((r) => r.note)
    .map((r) => htmlParagraph(`${r.engine} ${r.model}: ${r.note}`, 'note'))
    .join('');
  const sections: HtmlSection[] = [
    { heading: 'Training curves', body: models.map((m) => htmlFigure(curves(report.rows, m))).join('\n') },
    { heading: 'Speedup', body: htmlFigure(speedups(report.rows)) },
    {
      heading: 'Table',
      body:
        htmlTable(cells.header, cells.body, cells.numeric) +
        (report.rows.some((r) => r.extrapolated)
          ? htmlParagraph('~…* extrapolated from the timed steps', 'note')
          : '') +
        notes +
        htmlParagraph(MEMORY_NOTE, 'note'),
    },
  ];
  return htmlPage({
    title: `simdnet ${report.variant} vs TensorFlow.js ${report.tfjs.map((t) => t.name).join(', ')}`,
    intro: htmlFacts([
      [
        'data',
        `${report.trainCount} training / ${report.testCount} test images; ${report.epochs} epoch(s) for the mini-batch models; twin mode '${report.mode}'`,
      ],
      ['simdnet', `${simdnetVersion}, ${report.variant} build`],
      ['TensorFlow.js', tfjs],
      ['machine', `${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), ${machine.platform}`],
      ['Node', `${machine.node}, V8 ${machine.v8}`],
      ['date', machine.date],
    ]),
    sections,
  });
}
