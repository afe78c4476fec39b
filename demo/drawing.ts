// The drawing pad: white strokes on black at a large display scale (mouse, pen or touch through
// pointer events), turned into a 28×28 u8 image the way MNIST's were made by src/data/digit.ts
// (the same conversion `simdnet predict` applies to image files).

import { toMnistImage } from '../src/data/digit.js';

export class DrawingPad {
  private drawing = false;
  private last: { x: number; y: number } | null = null;
  private readonly ctx: CanvasRenderingContext2D;
  /** Stroke width in canvas pixels: MNIST strokes are ~2–3 px of a 20 px box. */
  lineWidth: number;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly onChange: (final: boolean) => void,
  ) {
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
