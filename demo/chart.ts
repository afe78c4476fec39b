// A line chart on a canvas: training loss on the left axis, held-out accuracy on the right, steps
// along x. Redrawn whole on every update (a few hundred points: cheap), at the device's pixel ratio.

export interface Series {
  label: string;
  color: string;
  /** Canvas line dash; [] for solid. */
  dash: number[];
  axis: 'loss' | 'accuracy';
  /** [step, value] pairs, in step order. */
  points: Array<[number, number]>;
}

const MARGIN = { left: 48, right: 52, top: 34, bottom: 30 };
const FONT = '12px system-ui, sans-serif';

export class Chart {
  private xMax = 1;
  private lossMax = 2.5;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  setRange(xMax: number, lossMax: number): void {
    this.xMax = Math.max(1, xMax);
    this.lossMax = lossMax;
  }

  draw(series: readonly Series[]): void {
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = this.canvas.clientWidth || 640,
      cssHeight = this.canvas.clientHeight || 300;
    if (this.canvas.width !== Math.round(cssWidth * ratio)) this.canvas.width = Math.round(cssWidth * ratio);
    if (this.canvas.height !== Math.round(cssHeight * ratio)) this.canvas.height = Math.round(cssHeight * ratio);
    const ctx = this.canvas.getContext('2d');
    if (ctx === null) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, cssWidth, cssHeight);
    const plotW = cssWidth - MARGIN.left - MARGIN.right,
      plotH = cssHeight - MARGIN.top - MARGIN.bottom;
    const x = (step: number): number => MARGIN.left + (step / this.xMax) * plotW;
    const yLoss = (v: number): number => MARGIN.top + plotH * (1 - Math.min(v, this.lossMax) / this.lossMax);
    const yAcc = (v: number): number => MARGIN.top + plotH * (1 - v);

    // Grid and axes: five bands, loss ticks on the left, accuracy ticks on the right.
    ctx.font = FONT;
    ctx.lineWidth = 1;
    for (let i = 0; i <= 5; i++) {
      const y = MARGIN.top + (plotH * i) / 5;
      ctx.strokeStyle = i === 5 ? '#94a3b8' : '#e2e8f0';
      ctx.beginPath();
      ctx.moveTo(MARGIN.left, y);
      ctx.lineTo(MARGIN.left + plotW, y);
      ctx.stroke();
      ctx.fillStyle = '#475569';
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText((this.lossMax * (1 - i / 5)).toFixed(1), MARGIN.left - 6, y);
      ctx.textAlign = 'left';
      ctx.fillText(`${100 - i * 20}%`, MARGIN.left + plotW + 6, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let i = 0; i <= 4; i++) {
      const step = Math.round((this.xMax * i) / 4);
      ctx.fillText(String(step), x(step), MARGIN.top + plotH + 6);
    }
    ctx.save();
    ctx.translate(12, MARGIN.top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText('train loss', 0, 0);
    ctx.restore();
    ctx.save();
    ctx.translate(cssWidth - 10, MARGIN.top + plotH / 2);
    ctx.rotate(Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText('held-out accuracy', 0, 0);
    ctx.restore();

    // Series, clipped to the plot.
    ctx.save();
    ctx.beginPath();
    ctx.rect(MARGIN.left, MARGIN.top - 2, plotW, plotH + 4);
    ctx.clip();
    for (const s of series) {
      const y = s.axis === 'loss' ? yLoss : yAcc;
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.setLineDash(s.dash);
      ctx.lineWidth = 2;
      ctx.beginPath();
      s.points.forEach(([step, v], i) => (i === 0 ? ctx.moveTo(x(step), y(v)) : ctx.lineTo(x(step), y(v))));
      ctx.stroke();
      if (s.axis === 'accuracy') {
        for (const [step, v] of s.points) {
          ctx.beginPath();
          ctx.arc(x(step), y(v), 2.5, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
    }
    ctx.restore();
    ctx.setLineDash([]);

    // Legend across the top.
    let lx = MARGIN.left;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    for (const s of series) {
      ctx.strokeStyle = s.color;
      ctx.setLineDash(s.dash);
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(lx, 14);
      ctx.lineTo(lx + 22, 14);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = '#1e293b';
      ctx.fillText(s.label, lx + 27, 14);
      lx += 27 + ctx.measureText(s.label).width + 18;
    }
  }
}
