// A small SVG chart writer for the benchmark reports (no chart library): a line chart on a log₂
// x axis (GFLOP/s against size) and horizontal grouped bars on a log₁₀ axis (speedups around 1×).
// Output is plain SVG 1.1 text with its own font settings, readable in any browser or on GitHub.

export interface Series { name: string; color: string; points: Array<[number, number]>; dashed?: boolean }

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceStep(range: number, target: number): number {
  const raw = range / target, mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}

function legend(series: Array<{ name: string; color: string; dashed?: boolean }>, x: number, y: number): string {
  return series.map((s, i) => {
    const yy = y + i * 18;
    return `<line x1="${x}" y1="${yy}" x2="${x + 22}" y2="${yy}" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>` +
      `<text x="${x + 28}" y="${yy + 4}" font-size="12" ${FONT}>${esc(s.name)}</text>`;
  }).join('');
}

/** Lines over a log₂ x axis (one tick per distinct x) and a linear y axis from 0. */
export function lineChart(o: { title: string; subtitle?: string; xLabel: string; yLabel: string; series: Series[]; width?: number; height?: number }): string {
  const W = o.width ?? 720, H = o.height ?? 420;
  const left = 64, right = 210, top = 56, bottom = 52;
  const pw = W - left - right, ph = H - top - bottom;
  const xs = [...new Set(o.series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const yMaxData = Math.max(1e-9, ...o.series.flatMap((s) => s.points.map((p) => p[1])));
  const step = niceStep(yMaxData, 5), yMax = Math.ceil((yMaxData * 1.05) / step) * step;
  const lx0 = Math.log2(xs[0] ?? 1), lx1 = Math.log2(xs[xs.length - 1] ?? 2);
  const X = (x: number) => left + (lx1 === lx0 ? pw / 2 : ((Math.log2(x) - lx0) / (lx1 - lx0)) * pw);
  const Y = (y: number) => top + ph - (y / yMax) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${left}" y="24" font-size="16" font-weight="bold" ${FONT}>${esc(o.title)}</text>`);
  if (o.subtitle) parts.push(`<text x="${left}" y="42" font-size="11" fill="#555" ${FONT}>${esc(o.subtitle)}</text>`);
  for (let y = 0; y <= yMax + 1e-9; y += step) {
    parts.push(`<line x1="${left}" y1="${Y(y)}" x2="${left + pw}" y2="${Y(y)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${left - 6}" y="${Y(y) + 4}" font-size="11" text-anchor="end" ${FONT}>${+y.toPrecision(4)}</text>`);
  }
  for (const x of xs) {
    parts.push(`<line x1="${X(x)}" y1="${top + ph}" x2="${X(x)}" y2="${top + ph + 4}" stroke="#333"/>`);
    parts.push(`<text x="${X(x)}" y="${top + ph + 17}" font-size="11" text-anchor="middle" ${FONT}>${x}</text>`);
  }
  parts.push(`<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="#333"/>`);
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="#333"/>`);
  parts.push(`<text x="${left + pw / 2}" y="${H - 12}" font-size="12" text-anchor="middle" ${FONT}>${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${top + ph / 2}) rotate(-90)" font-size="12" text-anchor="middle" ${FONT}>${esc(o.yLabel)}</text>`);
  for (const s of o.series) {
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    if (pts.length === 0) continue;
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`);
    if (!s.dashed) for (const [x, y] of pts) parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3.5" fill="${s.color}"><title>${esc(`${s.name}: ${x} → ${y.toFixed(2)}`)}</title></circle>`);
  }
  parts.push(legend(o.series, left + pw + 16, top + 8));
  parts.push('</svg>');
  return parts.join('\n');
}

export interface BarGroup { label: string; values: Array<{ name: string; value: number; color: string }> }

/** Horizontal grouped bars on a log₁₀ axis with a reference line at `reference` (1×), each bar labelled with its value. */
export function barChart(o: { title: string; subtitle?: string; axisLabel: string; groups: BarGroup[]; reference?: number; width?: number }): string {
  const W = o.width ?? 860, labelW = 330, right = 70, top = 60, barH = 14, gap = 10;
  const perGroup = Math.max(1, ...o.groups.map((g) => g.values.length));
  const groupH = perGroup * barH + gap;
  const names = [...new Map(o.groups.flatMap((g) => g.values.map((v) => [v.name, v.color] as const))).entries()];
  const H = top + o.groups.length * groupH + 64 + names.length * 18;
  const values = o.groups.flatMap((g) => g.values.map((v) => v.value)).filter((v) => v > 0 && Number.isFinite(v));
  const ref = o.reference ?? 1;
  let lo = Math.floor(Math.log10(Math.min(ref, ...values)) - 0.05), hi = Math.ceil(Math.log10(Math.max(ref, ...values)) + 0.05);
  if (hi - lo < 1) hi = lo + 1;
  const pw = W - labelW - right;
  const X = (v: number) => labelW + ((Math.log10(v) - lo) / (hi - lo)) * pw;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="12" y="24" font-size="16" font-weight="bold" ${FONT}>${esc(o.title)}</text>`);
  if (o.subtitle) parts.push(`<text x="12" y="42" font-size="11" fill="#555" ${FONT}>${esc(o.subtitle)}</text>`);
  const bottom = top + o.groups.length * groupH;
  for (let e = lo; e <= hi; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) > hi + 1e-9) continue;
      parts.push(`<line x1="${X(v)}" y1="${top - 4}" x2="${X(v)}" y2="${bottom}" stroke="${m === 1 ? '#d0d0d0' : '#eeeeee'}"/>`);
      parts.push(`<text x="${X(v)}" y="${bottom + 16}" font-size="11" text-anchor="middle" ${FONT}>${+v.toPrecision(3)}×</text>`);
    }
  }
  o.groups.forEach((g, gi) => {
    const y0 = top + gi * groupH;
    parts.push(`<text x="${labelW - 8}" y="${y0 + (g.values.length * barH) / 2 + 4}" font-size="11" text-anchor="end" ${FONT}>${esc(g.label)}</text>`);
    g.values.forEach((v, vi) => {
      if (!(v.value > 0 && Number.isFinite(v.value))) return;
      const y = y0 + vi * barH, x0 = X(ref), x1 = X(v.value);
      parts.push(`<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y + 1}" width="${Math.max(1, Math.abs(x1 - x0)).toFixed(1)}" height="${barH - 2}" fill="${v.color}"><title>${esc(`${g.label} — ${v.name}: ${v.value.toFixed(2)}×`)}</title></rect>`);
      parts.push(`<text x="${(x1 >= x0 ? x1 + 4 : x1 - 4).toFixed(1)}" y="${y + barH - 3}" font-size="10" text-anchor="${x1 >= x0 ? 'start' : 'end'}" ${FONT}>${v.value.toFixed(v.value < 10 ? 2 : 1)}×</text>`);
    });
  });
  parts.push(`<line x1="${X(ref)}" y1="${top - 8}" x2="${X(ref)}" y2="${bottom}" stroke="#222" stroke-width="1.5"/>`);
  parts.push(`<text x="${labelW + pw / 2}" y="${bottom + 36}" font-size="12" text-anchor="middle" ${FONT}>${esc(o.axisLabel)}</text>`);
  parts.push(legend(names.map(([name, color]) => ({ name, color })), labelW, bottom + 54));
  parts.push('</svg>');
  return parts.join('\n');
}
