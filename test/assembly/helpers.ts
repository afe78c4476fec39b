// Shared by the kernel specs: deterministic inputs, guarded buffers, and the float64 comparison.

// ---- Pseudo-random inputs: a 32-bit LCG (Numerical Recipes), identical in every run and build.

let state: u32 = 0x2545f491;

export function seed(s: u32): void {
  state = s;
}

export function nextU32(): u32 {
  state = state * 1664525 + 1013904223;
  return state;
}

// Uniform in [lo, hi), from the generator's 24 high bits (its low bits are weak).
export function uniform(lo: f64, hi: f64): f32 {
  return <f32>(lo + (hi - lo) * (<f64>(nextU32() >>> 8) / 16777216.0));
}

// Uniform integer in [0, n).
export function below(n: i32): i32 {
  return <i32>((<u64>nextU32() * <u64>n) >>> 32);
}

// ---- Guarded buffers.

// Sentinel bytes on each side of every buffer: a kernel that stores past either end of its output
// (a vector tail written whole, a row stride off by one) changes them.
const GUARD: usize = 64;
const SENTINEL: u8 = 0xa5;

// `length` elements of T from heap.alloc (not the GC, so a raw pointer stays valid), placed
// `offset` bytes past a 16-byte boundary: offset 4 puts f32 data off the SIMD width, which the
// kernels' contract allows. Free every buffer at the end of its case.
export class Buffer<T> {
  ptr: usize;
  length: i32;
  private base: usize;
  private total: usize;

  constructor(length: i32, offset: usize = 0) {
    this.length = length;
    this.total = (<usize>length << alignof<T>()) + offset + 2 * GUARD;
    this.base = heap.alloc(this.total);
    memory.fill(this.base, SENTINEL, this.total);
    this.ptr = this.base + GUARD + offset;
  }

  @operator("[]") get(i: i32): T {
    return load<T>(this.ptr + (<usize>i << alignof<T>()));
  }

  @operator("[]=") set(i: i32, value: T): void {
    store<T>(this.ptr + (<usize>i << alignof<T>()), value);
  }

  get bytes(): usize {
    return <usize>this.length << alignof<T>();
  }

  // True when nothing wrote to the guard bands (including the alignment padding before ptr).
  guardsIntact(): bool {
    for (let p = this.base; p < this.ptr; p++) if (load<u8>(p) != SENTINEL) return false;
    const end = this.base + this.total;
    for (let p = this.ptr + this.bytes; p < end; p++) if (load<u8>(p) != SENTINEL) return false;
    return true;
  }

  // A new buffer (aligned like this one) holding the same elements.
  copy(): Buffer<T> {
    const out = new Buffer<T>(this.length, (this.ptr - this.base) - GUARD);
    memory.copy(out.ptr, this.ptr, this.bytes);
    return out;
  }

  // True when both hold the same bytes (bitwise, so NaN payloads and −0 count).
  sameAs(other: Buffer<T>): bool {
    return this.length == other.length && memory.compare(this.ptr, other.ptr, this.bytes) == 0;
  }

  free(): void {
    heap.free(this.base);
  }
}

// The sparse rows of `count` rows of `inputs` pixels (as src/data/sparse.ts builds them):
// starts (count + 1 offsets) and entries ((column << 8) | byte per non-zero byte).
export class SparseRows {
  starts: Buffer<i32>;
  entries: Buffer<u32>;
  constructor(pixels: Buffer<u8>, count: i32, inputs: i32) {
    let nonzero = 0;
    for (let i = 0; i < count * inputs; i++) if (pixels[i] != 0) nonzero++;
    this.starts = new Buffer<i32>(count + 1);
    this.entries = new Buffer<u32>(max(nonzero, 1));
    let at = 0;
    for (let r = 0; r < count; r++) {
      this.starts[r] = at;
      for (let c = 0; c < inputs; c++) {
        const byte = pixels[r * inputs + c];
        if (byte != 0) this.entries[at++] = (<u32>c << 8) | byte;
      }
    }
    this.starts[count] = at;
  }

  free(): void { this.starts.free(); this.entries.free(); }
}

export function fillUniform(buf: Buffer<f32>, lo: f64, hi: f64): Buffer<f32> {
  for (let i = 0; i < buf.length; i++) buf[i] = uniform(lo, hi);
  return buf;
}

// Outputs that a kernel overwrites start as NaN: a kernel that reads them (accumulating when
// told to overwrite, or 0·x) turns its result into NaN, which no tolerance accepts.
export function fillNaN(buf: Buffer<f32>): Buffer<f32> {
  for (let i = 0; i < buf.length; i++) buf[i] = NaN;
  return buf;
}

export function fillFrom(buf: Buffer<f32>, values: f32[]): Buffer<f32> {
  for (let i = 0; i < values.length; i++) buf[i] = values[i];
  return buf;
}

// ---- Comparison against a float64 reference.

// The tolerance of XNNPACK's tests, max(1e-5, 1e-6·|ref|), times `factor` for reductions (each
// caller states its factor). False for NaN, so a NaN output always fails.
export function close(got: f64, ref: f64, factor: f64 = 1): bool {
  return Math.abs(got - ref) <= Math.max(1e-5, 1e-6 * Math.abs(ref)) * factor;
}

// |got − ref| in ulps of ref's f32 binade (2^(e−23) for 2^e ≤ |ref| < 2^(e+1), e ≥ −126).
export function ulpsOff(got: f32, ref: f64): f64 {
  const e = max(<i32>((reinterpret<u64>(ref) >> 52) & 0x7ff) - 1023, -126);
  return Math.abs(<f64>got - ref) / reinterpret<f64>(<u64>(e - 23 + 1023) << 52);
}

// Reports one mismatch: as-pect prints `where`, the reference (expected) and the kernel's value.
// Call it only when `close` failed, so it always fails the test.
export function mismatch(got: f64, ref: f64, where: string): void {
  expect<f64>(got).toBe(ref, where);
}

// Fails the current test with `message`. Checks build their message only on failure: expect()
// crosses into the host and strings allocate, which would dominate thousands of passing cases.
export function fail(message: string): void {
  expect<bool>(false).toBe(true, message);
}

// "3×5"
export function shape2(a: i32, b: i32): string {
  return a.toString() + "×" + b.toString();
}

// "M×N×K = 3×5×7"
export function shape3(M: i32, N: i32, K: i32): string {
  return "M×N×K = " + M.toString() + "×" + N.toString() + "×" + K.toString();
}

// The sizes every elementwise and row kernel sweeps: around the 4-lane f32x4 width and its
// multiples (16-byte rows for the u8 kernels), so a remainder bug shows for some n > 4.
export const SIZES: i32[] = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33];
