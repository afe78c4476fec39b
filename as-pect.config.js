// as-pect runner config for the kernel specs in test/assembly/ (`npm run test:as`).
//
// Compiler flags live in the asconfig passed with --as-config, one per build variant:
//   as-pect.asconfig.json       scalar build (as-pect's default name, so a bare `npx asp` runs it);
//   as-pect.simd.asconfig.json  extends it with `enable: ["simd"]` and the constant
//                               SIMDNET_EXPECT_SIMD, which index.spec.ts checks against
//                               ASC_FEATURE_SIMD so a misconfigured run cannot pass silently.
// ESM is fine: as-pect 8 loads this file with import(), and package.json has "type": "module".
export default {
  entries: ['test/assembly/**/*.spec.ts'],
  include: ['test/assembly/**/*.include.ts'],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
