// A picture of a digit turned into what MNIST's networks read, the way MNIST's images were made:
// grayscale ink on a zero background, the ink's bounding box scaled to fit 20×20 with its aspect
// kept (area averaging, so edges turn grey: anti-aliased), placed in a 28×28 frame with its centre
// of mass at the centre. Browser-safe: the demo's drawing pad and `simdnet predict` both use it.
import { SimdnetError } from '../errors.js';

export const MNIST_SIDE = 28;
const BOX_SIDE = 20;
/** Ink fainter than this (0..255) does not count towards the bounding box. */
const INK_THRESHOLD = 16;
/** Below this spread between the background and the strongest ink (0..255) an image holds no digit. */
const MIN_CONTRAST = 32;

/**
 * intensity is width×height, row-major, 0 (background) .. 255 (ink). Returns 28×28 u8, all zero
 * when there is no ink.
 */
export function toMnistImage(intensity: ArrayLike<number>, width: number, height: number): Uint8Array {
  if (intensity.length !== width * height) {
    throw new RangeError(`toMnistImage: ${intensity.length} values for a ${width}×${height} image`);
  }
  const out = new Uint8Array(MNIST_SIDE * MNIST_SIDE);
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (intensity[y * width + x]! > INK_THRESHOLD) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return out;
  const boxW = x1 - x0 + 1,
    boxH = y1 - y0 + 1;
  const scale = BOX_SIDE / Math.max(boxW, boxH);
  const w = Math.max(1, Math.round(boxW * scale)),
    h = Math.max(1, Math.round(boxH * scale));

  // Area averaging, separable: each target pixel is the mean of the source area it covers.
  const rows = new Float32Array(w * boxH);
  for (let y = 0; y < boxH; y++) resampleLine(intensity, (y0 + y) * width + x0, 1, boxW, rows, y * w, 1, w);
  const small = new Float32Array(w * h);
  for (let x = 0; x < w; x++) resampleLine(rows, x, w, boxH, small, x, w, h);

  // Centre of mass in pixel indices, moved to index (14, 14): where MNIST's digits have theirs
  // (its 10 000 test digits all have their centre of mass within half a pixel of it).
  let mass = 0,
    mx = 0,
    my = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = small[y * w + x]!;
      mass += v;
      mx += v * x;
      my += v * y;
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
function resampleLine(
  src: ArrayLike<number>,
  srcAt: number,
  s: number,
  n: number,
  dst: Float32Array,
  dstAt: number,
  t: number,
  m: number,
): void {
  const step = n / m;
  for (let j = 0; j < m; j++) {
    const from = j * step,
      to = from + step;
    let sum = 0;
    for (let i = Math.floor(from); i < to && i < n; i++) {
      const cover = Math.min(to, i + 1) - Math.max(from, i);
      sum += src[srcAt + i * s]! * cover;
    }
    dst[dstAt + j * t] = sum / step;
  }
}

/**
 * RGBA pixels (width×height×4, row-major, as PNG and JPEG decoders give them) as ink intensity for
 * toMnistImage, whatever the polarity: the background is the median of the border pixels, ink is
 * the distance from it, stretched so the strongest ink is 255. Transparent pixels are laid on the
 * colour that contrasts with the opaque ones (a black digit on a transparent sheet reads as black
 * on white). Throws IMAGE_BLANK when nothing stands out from the background.
 */
export function inkFromRgba(rgba: ArrayLike<number>, width: number, height: number, name = 'the image'): Uint8Array {
  if (!(width >= 1 && height >= 1) || rgba.length !== width * height * 4) {
    throw new RangeError(`inkFromRgba: ${rgba.length} bytes for a ${width}×${height} RGBA image`);
  }
  const n = width * height;
  const gray = new Float32Array(n);
  let opaqueSum = 0,
    opaqueWeight = 0,
    transparent = false;
  for (let i = 0; i < n; i++) {
    const a = rgba[4 * i + 3]! / 255;
    // ITU-R BT.601 luma, as MNIST's grayscale conversion and most image tools.
    const luma = 0.299 * rgba[4 * i]! + 0.587 * rgba[4 * i + 1]! + 0.114 * rgba[4 * i + 2]!;
    gray[i] = luma;
    opaqueSum += a * luma;
    opaqueWeight += a;
    if (a < 1) transparent = true;
  }
  if (transparent) {
    const underlay = opaqueWeight > 0 && opaqueSum / opaqueWeight > 127.5 ? 0 : 255;
    for (let i = 0; i < n; i++) {
      const a = rgba[4 * i + 3]! / 255;
      gray[i] = a * gray[i]! + (1 - a) * underlay;
    }
  }
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(gray[x]!, gray[(height - 1) * width + x]!);
  for (let y = 1; y < height - 1; y++) border.push(gray[y * width]!, gray[y * width + width - 1]!);
  border.sort((a, b) => a - b);
  const background = border[border.length >> 1]!;
  // Ink is on the side away from the background; pixels on the other side count as background.
  const dark = background > 127.5;
  const ink = new Float32Array(n);
  let strongest = 0;
  for (let i = 0; i < n; i++) {
    ink[i] = dark ? background - gray[i]! : gray[i]! - background;
    strongest = Math.max(strongest, ink[i]!);
  }
  if (strongest < MIN_CONTRAST) {
    throw new SimdnetError(
      'IMAGE_BLANK',
      `${name} (${width}×${height}) shows no digit: no pixel stands out from the background grey ${Math.round(background)} by ${MIN_CONTRAST} or more`,
    );
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = ink[i]! <= 0 ? 0 : Math.min(255, Math.round((255 * ink[i]!) / strongest));
  return out;
}
