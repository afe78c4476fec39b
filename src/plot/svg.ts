// The one SVG chart builder of simdnet (no chart library): the CLI's --plot and --report pictures
// and the benchmark reports all draw with it. Output is plain SVG text with its own white
// background and font settings, standalone or inlined in HTML, readable in any browser or on GitHub.
//
// A figure is a title, an optional subtitle, one legend row, and one or more panels side by side;
// the legend sits above the panels so it never covers a curve.

export const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/** Escapes text for SVG/HTML element content and double-quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface LegendEntry {
  name: string;
  color: string;
  dashed?: boolean;
}

export interface Series extends LegendEntry {
  /** [x, y] pairs; drawn in x order. */
  points: Array<[number, number]>;
  /** Dots at every point (default: when the series has at most 40 points and is not dashed). */
  markers?: boolean;
}

export interface Panel {
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** `log2` puts one tick at every distinct x (sizes); `linear` (default) picks round ticks. */
  xScale?: 'linear' | 'log2';
  /** y axis range; default from 0 (or the data's minimum if negative) to a round value above the data. */
  yRange?: [number, number];
  /** x axis range for linear scales; default from 0 (or the data's minimum) to the data's maximum. */
  xRange?: [number, number];
  yFormat?: (v: number) => string;
  xFormat?: (v: number) => string;
  /** Only whole-number x ticks (epochs, iterations). */
  xIntegers?: boolean;
}

/** A step of 1, 2 or 5 × 10ⁿ that cuts `range` into about `target` parts. */
export function niceStep(range: number, target: number): number {
  const raw = range / target,
    mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}

/** Round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo, target),
    out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

const plain = (v: number) => String(+v.toPrecision(4));

/** One row of legend entries starting at (x, y), wrapped to `width`; returns the SVG and the rows' height. */
export function legendRow(
  entries: readonly LegendEntry[],
  x: number,
  y: number,
  width: number,
): { svg: string; height: number } {
  const parts: string[] = [];
  let cx = x,
    cy = y;
  for (const e of entries) {
    const w = 34 + 7 * e.name.length + 18;
    if (cx > x && cx + w > x + width) {
      cx = x;
      cy += 18;
    }
    parts.push(
      `<line x1="${cx}" y1="${cy}" x2="${cx + 24}" y2="${cy}" stroke="${e.color}" stroke-width="3"${e.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${cx + 30}" y="${cy + 4}" font-size="12" ${FONT}>${esc(e.name)}</text>`,
    );
    cx += w;
  }
  return { svg: parts.join(''), height: entries.length ? cy - y + 18 : 0 };
}

function svgOpen(width: number, height: number, label: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}">` +
    `<rect width="${width}" height="${height}" fill="white"/>`
  );
}

function heading(title: string, subtitle: string | undefined, x: number): string {
  return (
    `<text x="${x}" y="24" font-size="16" font-weight="bold" ${FONT}>${esc(title)}</text>` +
    (subtitle ? `<text x="${x}" y="42" font-size="11" fill="#555" ${FONT}>${esc(subtitle)}</text>` : '')
  );
}

/** Axes, grid, labels and lines of one panel whose plot area is (left, top, width, height). */
function drawPanel(p: Panel, left: number, top: number, pw: number, ph: number): string {
  const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xsData = pts.map((q) => q[0]),
    ysData = pts.map((q) => q[1]);
  const parts: string[] = [];
  const yFormat = p.yFormat ?? plain,
    xFormat = p.xFormat ?? plain;

  let yLo: number, yHi: number;
  if (p.yRange) [yLo, yHi] = p.yRange;
  else {
    const max = Math.max(1e-9, ...ysData),
      min = Math.min(0, ...ysData);
    const step = niceStep(max - min, 5);
    yLo = Math.floor(min / step) * step;
    yHi = Math.ceil((max * 1.02) / step) * step;
  }
  const Y = (y: number) => top + ph - ((Math.min(Math.max(y, yLo), yHi) - yLo) / (yHi - yLo)) * ph;

  let X: (x: number) => number, xTicks: number[];
  if (p.xScale === 'log2') {
    xTicks = [...new Set(xsData)].sort((a, b) => a - b);
    const l0 = Math.log2(xTicks[0] ?? 1),
      l1 = Math.log2(xTicks[xTicks.length - 1] ?? 2);
    X = (x) => left + (l1 === l0 ? pw / 2 : ((Math.log2(x) - l0) / (l1 - l0)) * pw);
  } else {
    const [x0, x1] = p.xRange ?? [Math.min(0, ...xsData), Math.max(1e-9, ...xsData)];
    xTicks = ticks(x0, x1, Math.max(2, Math.floor(pw / 80))).filter((t) => !p.xIntegers || Number.isInteger(t));
    X = (x) => left + (x1 === x0 ? pw / 2 : ((x - x0) / (x1 - x0)) * pw);
  }

  for (const y of ticks(yLo, yHi, Math.max(2, Math.floor(ph / 50)))) {
    parts.push(
      `<line x1="${left}" y1="${Y(y).toFixed(1)}" x2="${left + pw}" y2="${Y(y).toFixed(1)}" stroke="#e5e5e5"/>`,
      `<text x="${left - 6}" y="${(Y(y) + 4).toFixed(1)}" font-size="11" text-anchor="end" ${FONT}>${esc(yFormat(y))}</text>`,
    );
  }
  for (const x of xTicks) {
    parts.push(
      `<line x1="${X(x).toFixed(1)}" y1="${top + ph}" x2="${X(x).toFixed(1)}" y2="${top + ph + 4}" stroke="#333"/>`,
      `<text x="${X(x).toFixed(1)}" y="${top + ph + 17}" font-size="11" text-anchor="middle" ${FONT}>${esc(xFormat(x))}</text>`,
    );
  }
  parts.push(
    `<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="#333"/>`,
    `<text x="${left + pw / 2}" y="${top + ph + 36}" font-size="12" text-anchor="middle" ${FONT}>${esc(p.xLabel)}</text>`,
    `<text transform="translate(${left - 46} ${top + ph / 2}) rotate(-90)" font-size="12" text-anchor="middle" ${FONT}>${esc(p.yLabel)}</text>`,
  );

  for (const s of p.series) {
    const sorted = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).sort((a, b) => a[0] - b[0]);
    if (sorted.length === 0) continue;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<polyline data-series="${esc(s.name)}" fill="none" stroke="${s.color}" stroke-width="2.5"${dash} points="${sorted.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`,
    );
    if (s.markers ?? (!s.dashed && sorted.length <= 40)) {
      for (const [x, y] of sorted) {
        parts.push(
          `<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3.5" fill="${s.color}"><title>${esc(`${s.name}: ${xFormat(x)} → ${yFormat(y)}`)}</title></circle>`,
        );
      }
    }
  }
  return parts.join('\n');
}

/** Panels side by side under one title and one legend (every distinct series name once). */
export function lineChart(o: {
  title: string;
  subtitle?: string;
  panels: Panel[];
  width?: number;
  panelHeight?: number;
}): string {
  const W = o.width ?? Math.max(720, 460 * o.panels.length);
  const PH = o.panelHeight ?? 300;
  const margin = { left: 70, right: 24, gap: 78, bottom: 52 };
  const seen = new Map<string, LegendEntry>();
  for (const s of o.panels.flatMap((p) => p.series))
    if (!seen.has(s.name)) seen.set(s.name, { name: s.name, color: s.color, dashed: s.dashed });
  const legend = legendRow([...seen.values()], margin.left, o.subtitle ? 62 : 46, W - margin.left - margin.right);
  const top = (o.subtitle ? 62 : 46) + legend.height + 8;
  const pw = (W - margin.left - margin.right - margin.gap * (o.panels.length - 1)) / o.panels.length;
  const H = top + PH + margin.bottom;
  const parts = [svgOpen(W, H, o.title), heading(o.title, o.subtitle, margin.left), legend.svg];
  o.panels.forEach((p, i) => parts.push(drawPanel(p, margin.left + i * (pw + margin.gap), top, pw, PH)));
  parts.push('</svg>');
  return parts.join('\n');
}

export interface BarGroup {
  label: string;
  values: Array<{ name: string; value: number; color: string }>;
}

/** Horizontal grouped bars on a log₁₀ axis with a reference line at `reference` (1×), each bar labelled with its value. */
export function barChart(o: {
  title: string;
  subtitle?: string;
  axisLabel: string;
  groups: BarGroup[];
  reference?: number;
  width?: number;
  labelWidth?: number;
}): string {
  const W = o.width ?? 860,
    labelW = o.labelWidth ?? 330,
    right = 70,
    barH = 14,
    gap = 10;
  const names = [...new Map(o.groups.flatMap((g) => g.values.map((v) => [v.name, v.color] as const))).entries()];
  const legend = legendRow(
    names.map(([name, color]) => ({ name, color })),
    12,
    o.subtitle ? 62 : 46,
    W - 24,
  );
  const top = (o.subtitle ? 62 : 46) + legend.height + 10;
  const perGroup = Math.max(1, ...o.groups.map((g) => g.values.length));
  const groupH = perGroup * barH + gap;
  const H = top + o.groups.length * groupH + 48;
  const values = o.groups.flatMap((g) => g.values.map((v) => v.value)).filter((v) => v > 0 && Number.isFinite(v));
  const ref = o.reference ?? 1;
  const lo = Math.floor(Math.log10(Math.min(ref, ...values)) - 0.05);
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(ref, ...values)) + 0.05));
  const pw = W - labelW - right;
  const X = (v: number) => labelW + ((Math.log10(v) - lo) / (hi - lo)) * pw;
  const parts = [svgOpen(W, H, o.title), heading(o.title, o.subtitle, 12), legend.svg];
  const bottom = top + o.groups.length * groupH;
  for (let e = lo; e <= hi; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) > hi + 1e-9) continue;
      parts.push(
        `<line x1="${X(v).toFixed(1)}" y1="${top - 4}" x2="${X(v).toFixed(1)}" y2="${bottom}" stroke="${m === 1 ? '#d0d0d0' : '#eeeeee'}"/>`,
        `<text x="${X(v).toFixed(1)}" y="${bottom + 16}" font-size="11" text-anchor="middle" ${FONT}>${+v.toPrecision(3)}×</text>`,
      );
    }
  }
  o.groups.forEach((g, gi) => {
    const y0 = top + gi * groupH;
    parts.push(
      `<text x="${labelW - 8}" y="${y0 + (g.values.length * barH) / 2 + 4}" font-size="11" text-anchor="end" ${FONT}>${esc(g.label)}</text>`,
    );
    g.values.forEach((v, vi) => {
      if (!(v.value > 0 && Number.isFinite(v.value))) return;
      const y = y0 + vi * barH,
        x0 = X(ref),
        x1 = X(v.value);
      parts.push(
        `<rect data-bar="${esc(`${g.label}: ${v.name}`)}" x="${Math.min(x0, x1).toFixed(1)}" y="${y + 1}" width="${Math.max(1, Math.abs(x1 - x0)).toFixed(1)}" height="${barH - 2}" fill="${v.color}"><title>${esc(`${g.label} — ${v.name}: ${v.value.toFixed(2)}×`)}</title></rect>`,
        `<text x="${(x1 >= x0 ? x1 + 4 : x1 - 4).toFixed(1)}" y="${y + barH - 3}" font-size="10" text-anchor="${x1 >= x0 ? 'start' : 'end'}" ${FONT}>${v.value.toFixed(v.value < 10 ? 2 : 1)}×</text>`,
      );
    });
  });
  parts.push(
    `<line x1="${X(ref).toFixed(1)}" y1="${top - 8}" x2="${X(ref).toFixed(1)}" y2="${bottom}" stroke="#222" stroke-width="1.5"/>`,
    `<text x="${labelW + pw / 2}" y="${bottom + 36}" font-size="12" text-anchor="middle" ${FONT}>${esc(o.axisLabel)}</text>`,
    '</svg>',
  );
  return parts.join('\n');
}

/**
 * A square matrix of counts as coloured cells (rows: true class, columns: predicted), each cell
 * shaded by its share of its row: the diagonal in blue, the rest in red, the count written inside.
 */
export function matrixChart(o: {
  title: string;
  subtitle?: string;
  labels: string[];
  counts: number[][];
  rowLabel: string;
  colLabel: string;
}): string {
  const n = o.labels.length,
    cell = 42,
    left = 92,
    top = o.subtitle ? 96 : 80;
  const W = left + n * cell + 30,
    H = top + n * cell + 24;
  const parts = [svgOpen(W, H, o.title), heading(o.title, o.subtitle, 12)];
  parts.push(
    `<text x="${left + (n * cell) / 2}" y="${top - 26}" font-size="12" text-anchor="middle" ${FONT}>${esc(o.colLabel)}</text>`,
    `<text transform="translate(22 ${top + (n * cell) / 2}) rotate(-90)" font-size="12" text-anchor="middle" ${FONT}>${esc(o.rowLabel)}</text>`,
  );
  o.labels.forEach((label, i) => {
    parts.push(
      `<text x="${left + i * cell + cell / 2}" y="${top - 8}" font-size="12" text-anchor="middle" ${FONT}>${esc(label)}</text>`,
      `<text x="${left - 8}" y="${top + i * cell + cell / 2 + 4}" font-size="12" text-anchor="end" ${FONT}>${esc(label)}</text>`,
    );
  });
  o.counts.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, j) => {
      const share = count / total;
      // Off-diagonal shares are small: a square root makes a 1 % confusion visible.
      const strength = i === j ? share : Math.min(1, Math.sqrt(share * 4));
      const [r, g, b] = i === j ? [31, 119, 180] : [214, 39, 40];
      const mix = (c: number) => Math.round(255 - (255 - c) * strength);
      const x = left + j * cell,
        y = top + i * cell;
      parts.push(
        `<rect data-cell="${i},${j}" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${mix(r)},${mix(g)},${mix(b)})" stroke="#fff"><title>${esc(`true ${o.labels[i]}, predicted ${o.labels[j]}: ${count} (${(100 * share).toFixed(1)}% of row)`)}</title></rect>`,
      );
      if (count > 0)
        parts.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" font-size="11" text-anchor="middle" fill="${strength > 0.6 ? 'white' : '#222'}" ${FONT}>${count}</text>`,
        );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export interface SheetCell {
  /** A data: URL of the picture (PNG), drawn pixelated. */
  href: string;
  caption: string;
  /** Framed in red and captioned in red. */
  highlight: boolean;
  /** Hover text. */
  title?: string;
}

/** Small pictures in a grid, each captioned under it. */
export function imageSheet(o: {
  title: string;
  subtitle?: string;
  cells: SheetCell[];
  columns?: number;
  size?: number;
}): string {
  const columns = o.columns ?? 12,
    size = o.size ?? 56,
    cw = size + 18,
    ch = size + 30;
  const top = o.subtitle ? 56 : 40,
    rows = Math.ceil(o.cells.length / columns);
  const W = Math.max(520, 12 + columns * cw),
    H = top + rows * ch + 8;
  const parts = [svgOpen(W, H, o.title), heading(o.title, o.subtitle, 12)];
  o.cells.forEach((c, i) => {
    const x = 12 + (i % columns) * cw + 9,
      y = top + Math.floor(i / columns) * ch + 4;
    parts.push(
      `<g data-cell="${i}"${c.highlight ? ' data-mistake="true"' : ''}>${c.title ? `<title>${esc(c.title)}</title>` : ''}` +
        `<image x="${x}" y="${y}" width="${size}" height="${size}" href="${c.href}" style="image-rendering: pixelated"/>` +
        `<rect x="${x - 1.5}" y="${y - 1.5}" width="${size + 3}" height="${size + 3}" fill="none" stroke="${c.highlight ? '#d62728' : '#ccc'}" stroke-width="${c.highlight ? 3 : 1}"/>` +
        `<text x="${x + size / 2}" y="${y + size + 16}" font-size="11" text-anchor="middle" fill="${c.highlight ? '#d62728' : '#222'}"${c.highlight ? ' font-weight="bold"' : ''} ${FONT}>${esc(c.caption)}</text></g>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
