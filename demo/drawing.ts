// The drawing pad: white strokes on black at a large display scale (mouse, pen or touch through
// pointer events), turned into a 28×28 u8 image the way MNIST's were made: the ink's bounding box
// is scaled to fit 20×20 with its aspect kept (area averaging, so strokes turn grey at the edges),
// then placed in the 28×28 frame so that its centre of mass sits at the centre.

export const MNIST_SIDE = 28;
const BOX_SIDE = 20;
/** Ink fainter than this (0..255) does not count towards the bounding box. */
const INK_THRESHOLD = 16;

/**
 * intensity is width×height, row-major, 0 (background) .. 255 (ink). Returns 28×28 u8, all zero
 * when there is no ink.
 */
export function toMnistImage(intensity: ArrayLike<number>, width: number, height: number): Uint8Array {
  if (intensity.length !== width * height) {
    throw new RangeError(`toMnistImage: ${intensity.length} values for a ${width}×${height} image`);
  }
  const out = new Uint8Array(MNIST_SIDE * MNIST_SIDE);
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (intensity[y * width + x]! > INK_THRESHOLD) {
        if (x < x0) x0 = x; if (x > x1) x1 = x;
        if (y < y0) y0 = y; if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return out;
  const boxW = x1 - x0 + 1, boxH = y1 - y0 + 1;
  const scale = BOX_SIDE / Math.max(boxW, boxH);
  const w = Math.max(1, Math.round(boxW * scale)), h = Math.max(1, Math.round(boxH * scale));

  // Area averaging, separable: each target pixel is the mean of the source area it covers.
  const rows = new Float32Array(w * boxH);
  for (let y = 0; y < boxH; y++) resampleLine(intensity, (y0 + y) * width + x0, 1, boxW, rows, y * w, 1, w);
  const small = new Float32Array(w * h);
  for (let x = 0; x < w; x++) resampleLine(rows, x, w, boxH, small, x, w, h);

  // Centre of mass in pixel indices, moved to index (14, 14): where MNIST's digits have theirs
  // (its 10 000 test digits all have their centre of mass within half a pixel of it).
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = small[y * w + x]!;
      mass += v; mx += v * x; my += v * y;
    }
  }
  const dx = Math.round(MNIST_SIDE / 2 - (mass > 0 ? mx / mass : (w - 1) / 2));
  const dy = Math.round(MNIST_SIDE / 2 - (mass > 0 ? my / mass : (h - 1) / 2));
  for (let y = 0; y < h; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= MNIST_SIDE) continue;
    for (let x = 0; x < w; x++) {
      const tx = x + dx;
      if (tx < 0 || tx >= MNIST_SIDE) continue;
      out[ty * MNIST_SIDE + tx] = Math.min(255, Math.round(small[y * w + x]!));
    }
  }
  return out;
}

/** Resamples n source values (stride s) to m target values (stride t) by area averaging. */
function resampleLine(src: ArrayLike<number>, srcAt: number, s: number, n: number,
  dst: Float32Array, dstAt: number, t: number, m: number): void {
  const step = n / m;
  for (let j = 0; j < m; j++) {
    const from = j * step, to = from + step;
    let sum = 0;
    for (let i = Math.floor(from); i < to && i < n; i++) {
      const cover = Math.min(to, i + 1) - Math.max(from, i);
      sum += src[srcAt + i * s]! * cover;
    }
    dst[dstAt + j * t] = sum / step;
  }
}

export class DrawingPad {
  private drawing = false;
  private last: { x: number; y: number } | null = null;
  private readonly ctx: CanvasRenderingContext2D;
  /** Stroke width in canvas pixels: MNIST strokes are ~2–3 px of a 20 px box. */
  lineWidth: number;

  constructor(readonly canvas: HTMLCanvasElement, private readonly onChange: (final: boolean) => void) {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (ctx === null) throw new TypeError('the drawing canvas has no 2D context');
    this.ctx = ctx;
    this.lineWidth = Math.round(canvas.width / 12.5);
    this.clear();
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel'] as const) canvas.addEventListener(type, (e) => this.up(e));
  }

  clear(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** The pad's pixels as 0..255 intensity (the red channel: ink is white, paper black). */
  intensity(): Uint8Array {
    const { data, width, height } = this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
    const out = new Uint8Array(width * height);
    for (let i = 0; i < out.length; i++) out[i] = data[4 * i]!;
    return out;
  }

  /** The drawing as MNIST sees a digit: 28×28 u8. */
  toMnist(): Uint8Array {
    return toMnistImage(this.intensity(), this.canvas.width, this.canvas.height);
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - rect.left) * this.canvas.width) / rect.width,
      y: ((e.clientY - rect.top) * this.canvas.height) / rect.height,
    };
  }

  private down(e: PointerEvent): void {
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    this.drawing = true;
    this.last = this.point(e);
    this.segment(this.last, this.last);
  }

  private move(e: PointerEvent): void {
    if (!this.drawing || this.last === null) return;
    const p = this.point(e);
    this.segment(this.last, p);
    this.last = p;
    this.onChange(false);
  }

  private up(e: PointerEvent): void {
    if (!this.drawing) return;
    this.drawing = false;
    this.last = null;
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    this.onChange(true);
  }

  private segment(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const ctx = this.ctx;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = this.lineWidth;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  }
}
