// Image files in Node: PNG (pngjs) and JPEG (jpeg-js) decoded to RGBA, and gray pictures encoded
// as PNG for the reports. Both decoders are loaded on first use, so the library entry and the
// commands that never touch an image do not load them. Every failure is a SimdnetError naming
// the file: IMAGE_INVALID for what is not a whole PNG or JPEG, DATA_NOT_FOUND for a missing file.
import { readFile } from 'node:fs/promises';
import { SimdnetError } from '../errors.js';

export interface RgbaImage {
  width: number;
  height: number;
  /** width×height×4 bytes, row-major RGBA. */
  data: Uint8Array;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
/** Larger pictures are refused before decoding (jpeg-js's own default limit, applied to PNG too). */
export const MAX_MEGAPIXELS = 100;

const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

function invalid(name: string, message: string, cause?: unknown): SimdnetError {
  return new SimdnetError('IMAGE_INVALID', `${name}: ${message}`, { cause });
}

function checkSize(name: string, width: number, height: number): void {
  if (!(width >= 1 && height >= 1)) throw invalid(name, `the image is ${width}×${height} pixels: nothing to read`);
  if (width * height > MAX_MEGAPIXELS * 1e6)
    throw invalid(name, `the image is ${width}×${height} pixels, more than ${MAX_MEGAPIXELS} megapixels`);
}

/** Decodes PNG or JPEG bytes (told apart by their signature, not the file name) to RGBA. */
export async function decodeImage(bytes: Uint8Array, name = 'image'): Promise<RgbaImage> {
  if (bytes.length === 0) throw invalid(name, 'the file is empty (0 bytes); expected a PNG or JPEG image');
  if (startsWith(bytes, PNG_MAGIC)) {
    // IHDR's width and height are bytes 16..23; a file too short to hold them is truncated.
    if (bytes.length < 33) throw invalid(name, `a PNG of only ${bytes.length} bytes: truncated before its header ends`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkSize(name, view.getUint32(16), view.getUint32(20));
    const { PNG } = await import('pngjs');
    let png;
    try {
      png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (err) {
      throw invalid(name, `not a readable PNG (truncated or corrupt: ${(err as Error).message})`, err);
    }
    checkSize(name, png.width, png.height);
    return {
      width: png.width,
      height: png.height,
      data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength),
    };
  }
  if (startsWith(bytes, JPEG_MAGIC)) {
    const jpeg = (await import('jpeg-js')).default;
    let image;
    try {
      image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS });
    } catch (err) {
      throw invalid(name, `not a readable JPEG (truncated or corrupt: ${(err as Error).message})`, err);
    }
    checkSize(name, image.width, image.height);
    if (image.data.length !== image.width * image.height * 4)
      throw invalid(name, 'the JPEG decoded to fewer pixels than its header declares (truncated)');
    return image;
  }
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw invalid(name, `not a PNG or JPEG image (it starts with bytes ${head})`);
}

export async function readImage(path: string): Promise<RgbaImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new SimdnetError('DATA_NOT_FOUND', `cannot read image ${path}: ${(err as Error).message}`, { cause: err });
  }
  return decodeImage(bytes, path);
}

/** width×height u8 gray (0 black .. 255 white) as PNG bytes. */
export async function encodeGrayPng(gray: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  if (gray.length !== width * height)
    throw new RangeError(`encodeGrayPng: ${gray.length} values for a ${width}×${height} image`);
  const { PNG } = await import('pngjs');
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < gray.length; i++) rgba.fill(gray[i]!, 4 * i, 4 * i + 3).writeUInt8(255, 4 * i + 3);
  return PNG.sync.write(Object.assign(new PNG({ width, height }), { data: rgba }), { colorType: 0 });
}
