// A typed, named region of an arena's memory, addressed by byte offset. Views are derived from
// the current buffer on every use, never cached.

export type DType = 'f32' | 'i32' | 'u8';

/** What a tensor lives in: anything with a current buffer (an Arena). */
export interface TensorStorage {
  /** The memory's current buffer; throws once the storage is disposed. */
  readonly buffer: ArrayBuffer;
}

export const BYTES_PER_ELEMENT: Record<DType, number> = { f32: 4, i32: 4, u8: 1 };
type ViewOf<D extends DType> = D extends 'f32' ? Float32Array : D extends 'i32' ? Int32Array : Uint8Array;

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export function elementCount(shape: readonly number[], where: string): number {
  if (!Array.isArray(shape) || shape.length === 0) {
    throw new TypeError(`${where}: shape must be a non-empty array of integers, got ${JSON.stringify(shape)}`);
  }
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 1) {
      throw new RangeError(`${where}: every dimension must be an integer ≥ 1, got shape ${formatShape(shape)}`);
    }
    n *= d;
  }
  return n;
}

/** A typed region of an arena. Create tensors through an Arena; kernels check every tensor they get. */
export class Tensor<D extends DType = DType> {
  readonly length: number;
  constructor(
    readonly arena: TensorStorage,
    readonly dtype: D,
    readonly shape: readonly number[],
    /** Byte offset in the arena's memory. */
    readonly offset: number,
    readonly name = 'tensor',
  ) {
    this.length = elementCount(shape, name);
  }

  get byteLength(): number {
    return this.length * BYTES_PER_ELEMENT[this.dtype];
  }

  /** A fresh typed view of this tensor's elements (valid until the arena is disposed). */
  view(): ViewOf<D> {
    const buffer = this.arena.buffer;
    switch (this.dtype) {
      case 'f32':
        return new Float32Array(buffer, this.offset, this.length) as ViewOf<D>;
      case 'i32':
        return new Int32Array(buffer, this.offset, this.length) as ViewOf<D>;
      default:
        return new Uint8Array(buffer, this.offset, this.length) as ViewOf<D>;
    }
  }

  /** A copy of the elements, independent of the arena. */
  read(): ViewOf<D> {
    return this.view().slice() as ViewOf<D>;
  }

  /** Copies `data` into this tensor starting at element `at`. */
  write(data: ArrayLike<number>, at = 0): this {
    if (!Number.isSafeInteger(at) || at < 0 || at + data.length > this.length) {
      throw new RangeError(
        `${this.name}: cannot write ${data.length} elements at ${at} into shape ${formatShape(this.shape)} (${this.length} elements)`,
      );
    }
    this.view().set(data, at);
    return this;
  }

  fill(value: number): this {
    this.view().fill(value);
    return this;
  }

  /** The same elements under another shape with the same element count. */
  reshape(shape: readonly number[]): Tensor<D> {
    const n = elementCount(shape, `${this.name}.reshape`);
    if (n !== this.length) {
      throw new RangeError(
        `${this.name}.reshape: ${formatShape(shape)} has ${n} elements but ${formatShape(this.shape)} has ${this.length}`,
      );
    }
    return new Tensor(this.arena, this.dtype, shape, this.offset, this.name);
  }

  /** Elements [start, start + size of shape) of this tensor, viewed with `shape`. */
  slice(start: number, shape: readonly number[], name = `${this.name}[${start}:]`): Tensor<D> {
    const n = elementCount(shape, name);
    if (!Number.isSafeInteger(start) || start < 0 || start + n > this.length) {
      throw new RangeError(
        `${name}: elements [${start}, ${start + n}) fall outside ${this.name} of shape ${formatShape(this.shape)}`,
      );
    }
    return new Tensor(this.arena, this.dtype, shape, this.offset + start * BYTES_PER_ELEMENT[this.dtype], name);
  }

  /** The first `count` rows (along the first dimension). */
  rows(count: number): Tensor<D> {
    if (!Number.isSafeInteger(count) || count < 1 || count > this.shape[0]!) {
      throw new RangeError(`${this.name}.rows: count must be an integer in [1, ${this.shape[0]}], got ${count}`);
    }
    return this.slice(0, [count, ...this.shape.slice(1)], this.name);
  }
}
