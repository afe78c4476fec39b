// What index.ts adds to the kernels (arena_base, simd_build), and the build variant these specs were compiled for.
import * as simdnet from "../../assembly/index";

// SIMDNET_EXPECT_SIMD is defined (via `use`) only by as-pect.simd.asconfig.json.
// @ts-ignore: compile-time constant from the asconfig
const EXPECT_SIMD: bool = isDefined(SIMDNET_EXPECT_SIMD);

describe("build variant", () => {
  test("ASC_FEATURE_SIMD matches the asconfig this run was compiled with", () => {
    // Both runs of `npm run test:as` would silently test only the scalar kernels otherwise.
    expect<bool>(ASC_FEATURE_SIMD).toBe(EXPECT_SIMD, "ASC_FEATURE_SIMD");
  });

  test("simd_build() reports it", () => {
    expect<i32>(simdnet.simd_build()).toBe(EXPECT_SIMD ? 1 : 0, "simd_build()");
  });
});

describe("arena_base", () => {
  test("is the first 64-byte boundary at or past the module's static data", () => {
    const base = simdnet.arena_base();
    expect<usize>(base & 63).toBe(0, "64-byte aligned");
    expect<bool>(base >= __heap_base && base < __heap_base + 64).toBe(true, "within 64 bytes past __heap_base");
  });
});
