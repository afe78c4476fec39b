// Machine limits for the roofline: the arithmetic peak and the memory bandwidth this engine
// reaches from WebAssembly, measured by kernels that do nothing else. Benchmarks and the profiler
// report every kernel as a fraction of these. Conventions: see gemm.ts.
import { madd } from "./simd";

// Twelve independent mul+add chains kept in registers: twelve covers the latency of a dependent mul→add
// pair (~6–8 cycles) times the two vector pipes a core issues to, so the chains never wait on
// each other; fewer leaves the FPU idle, many more spills registers.

// Runs `iterations` rounds of acc = acc·m + c on 12 independent accumulators and returns the sum
// of their lanes, so the work cannot be optimised away. Performs iterations × 96 f32 FLOPs
// (WebAssembly SIMD has no fused multiply-add: a mul and an add are two instructions).
// m < 1 and c > 0 pull every lane towards c / (1 − m) = 1: no overflow, no denormals. m and c
// are derived from `iterations` (zero offsets, since iterations ≥ 0) so no compiler sees
// constants: V8 13 (Node 24) rematerialises a constant splat at each use inside the loop, three
// extra shuffle-port instructions per mul+add, which measured a third of the real peak.
// The scalar build does the same 96 FLOPs per iteration as four rounds over 12 f32 chains, so
// the count is the same in both builds. iterations ≥ 0. Touches no memory.
export function peak_flops(iterations: i32): f32 {
  if (ASC_FEATURE_SIMD) {
    const m = f32x4.splat(opaque(0.999, iterations)), c = f32x4.splat(opaque(0.001, iterations));
    let a0 = f32x4.splat(0.1), a1 = f32x4.splat(0.2), a2 = f32x4.splat(0.3), a3 = f32x4.splat(0.4);
    let a4 = f32x4.splat(0.5), a5 = f32x4.splat(0.6), a6 = f32x4.splat(0.7), a7 = f32x4.splat(0.8);
    let a8 = f32x4.splat(0.9), a9 = f32x4.splat(1.1), a10 = f32x4.splat(1.2), a11 = f32x4.splat(1.3);
    for (let i = 0; i < iterations; i++) {
      a0 = madd(a0, m, c); a1 = madd(a1, m, c);
      a2 = madd(a2, m, c); a3 = madd(a3, m, c);
      a4 = madd(a4, m, c); a5 = madd(a5, m, c);
      a6 = madd(a6, m, c); a7 = madd(a7, m, c);
      a8 = madd(a8, m, c); a9 = madd(a9, m, c);
      a10 = madd(a10, m, c); a11 = madd(a11, m, c);
    }
    const s = f32x4.add(
      f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))),
      f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)),
    );
    return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
  }
  return peakFlopsScalar(iterations);
}

// x itself for iterations ≥ 0, but a value neither binaryen nor V8 can fold into a constant.
@inline function opaque(x: f32, iterations: i32): f32 {
  return x - <f32>(iterations >>> 31);
}

// The scalar build's chains: 12 f32 accumulators, four rounds (96 FLOPs) per iteration.
function peakFlopsScalar(iterations: i32): f32 {
  const m = opaque(0.999, iterations), c = opaque(0.001, iterations);
  let a0: f32 = 0.1, a1: f32 = 0.2, a2: f32 = 0.3, a3: f32 = 0.4, a4: f32 = 0.5, a5: f32 = 0.6;
  let a6: f32 = 0.7, a7: f32 = 0.8, a8: f32 = 0.9, a9: f32 = 1.1, a10: f32 = 1.2, a11: f32 = 1.3;
  for (let i = 0; i < iterations; i++) {
    for (let round = 0; round < 4; round++) {
      a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c;
      a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c;
      a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
    }
  }
  return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
}

// dst[i] = src[i] for i < n (f32 elements): the write-and-read bandwidth, counted as 8 bytes per
// element (STREAM's convention; the cache's read-for-ownership of dst is not counted). Any n ≥ 0;
// dst and src must not overlap. Overwrites dst. 64 bytes per iteration, then 16, then a tail.
export function stream_copy(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= n; i += 16) {
      const off = <usize>i << 2;
      const v0 = v128.load(src + off), v1 = v128.load(src + off, 16);
      const v2 = v128.load(src + off, 32), v3 = v128.load(src + off, 48);
      v128.store(dst + off, v0); v128.store(dst + off, v1, 16);
      v128.store(dst + off, v2, 32); v128.store(dst + off, v3, 48);
    }
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(dst + off, v128.load(src + off));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dst + off, load<f32>(src + off));
  }
}

// Σ ptr[i] for i < n (f32 elements): the read-only bandwidth, 4 bytes per element. Four
// independent vector accumulators hide the add latency, so memory, not the adder, sets the pace.
// Any n ≥ 0. Reads only. The sum's rounding order is the accumulators', not i's.
export function stream_sum(ptr: usize, n: i32): f32 {
  let i = 0;
  let total: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (; i + 16 <= n; i += 16) {
      const p = ptr + (<usize>i << 2);
      s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32)); s3 = f32x4.add(s3, v128.load(p, 48));
    }
    const s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
    total = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
  } else {
    // Four scalar accumulators for the same reason as the vector ones.
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    for (; i + 4 <= n; i += 4) {
      const p = ptr + (<usize>i << 2);
      s0 += load<f32>(p); s1 += load<f32>(p, 4); s2 += load<f32>(p, 8); s3 += load<f32>(p, 12);
    }
    total = (s0 + s1) + (s2 + s3);
  }
  for (; i < n; i++) total += load<f32>(ptr + (<usize>i << 2));
  return total;
}
