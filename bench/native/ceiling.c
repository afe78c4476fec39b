// The native ceiling of three of simdnet's hottest kernels: the same algorithm, in the same order,
// with the same 128-bit SIMD operations (SSE mul and add, no FMA, as WebAssembly SIMD has), compiled
// by a C compiler. bench/native-ceiling.ts writes the inputs, runs this and simdnet on them in one
// run, and compares both the times and the results, which must agree bit for bit.
//   cc -O3 -mavx -funroll-loops -ffp-contract=off ceiling.c -o ceiling -lm && ./ceiling DIR ROUNDS
// DIR holds starts.bin (i32, rows + 1), entries.bin (u32, (column << 8) | byte), and
// weights.bin (784×10 f32), dout.bin (rows×10 f32), adam.bin (4 × n f32: params, grads, m, v);
// results go to DIR/native-{forward,dweights,adam}.bin. Prints one JSON line of best times in ms.
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OUTPUTS 10
#define ROW_BLOCKS 16 // assembly/sparse.ts: a full batch's weight gradient (≥ 4096 rows) sums in 16 row blocks

static void *readAll(const char *dir, const char *name, size_t *bytes) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  *bytes = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  void *data = aligned_alloc(64, (*bytes + 63) / 64 * 64 + 64);
  if (fread(data, 1, *bytes, f) != *bytes) { perror(path); exit(2); }
  fclose(f);
  return data;
}

static void writeAll(const char *dir, const char *name, const void *data, size_t bytes) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, bytes, f) != bytes) { perror(path); exit(2); }
  fclose(f);
}

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static inline __m128 entryValue(uint32_t entry, __m128 scale) {
  return _mm_mul_ps(_mm_cvtepi32_ps(_mm_set1_epi32((int)(entry & 255))), scale);
}

// sparse_forward_u8 with 10 outputs, ReLU, rows in order: vectors at outputs 0, 4 and 6 (the last
// shifted to end at the row's end, as the kernel does).
static void forward(float *out, const int32_t *starts, const uint32_t *entries, const float *w, const float *bias,
                    int rows, float scale) {
  const __m128 s = _mm_set1_ps(scale), zero = _mm_setzero_ps();
  for (int r = 0; r < rows; r++) {
    __m128 a0 = zero, a1 = zero, a2 = zero;
    for (int e = starts[r]; e < starts[r + 1]; e++) {
      const uint32_t entry = entries[e];
      const __m128 x = entryValue(entry, s);
      const float *row = w + (size_t)(entry >> 8) * OUTPUTS;
      a0 = _mm_add_ps(a0, _mm_mul_ps(x, _mm_loadu_ps(row)));
      a1 = _mm_add_ps(a1, _mm_mul_ps(x, _mm_loadu_ps(row + 4)));
      a2 = _mm_add_ps(a2, _mm_mul_ps(x, _mm_loadu_ps(row + 6)));
    }
    float *o = out + (size_t)r * OUTPUTS;
    _mm_storeu_ps(o, _mm_max_ps(_mm_add_ps(a0, _mm_loadu_ps(bias)), zero));
    _mm_storeu_ps(o + 4, _mm_max_ps(_mm_add_ps(a1, _mm_loadu_ps(bias + 4)), zero));
    _mm_storeu_ps(o + 6, _mm_max_ps(_mm_add_ps(a2, _mm_loadu_ps(bias + 6)), zero));
  }
}

// sparse_backward_weights_u8 with 10 outputs for a full batch: each row block's rows add
// x · dout[r, :] into the block's partial gradient, in row order; then the partials are summed in
// block order.
static void backwardWeights(float *dw, float *partials, const int32_t *starts, const uint32_t *entries,
                            const float *dout, int rows, int inputs, float scale) {
  const __m128 s = _mm_set1_ps(scale);
  const size_t partial = (size_t)inputs * OUTPUTS;
  memset(partials, 0, ROW_BLOCKS * partial * sizeof(float));
  for (int k = 0; k < ROW_BLOCKS; k++) {
    float *sums = partials + k * partial;
    const int r0 = (int)((int64_t)rows * k / ROW_BLOCKS), r1 = (int)((int64_t)rows * (k + 1) / ROW_BLOCKS);
    for (int r = r0; r < r1; r++) {
      const float *d = dout + (size_t)r * OUTPUTS;
      const __m128 d0 = _mm_loadu_ps(d), d1 = _mm_loadu_ps(d + 4);
      const __m128 d2 = _mm_castpd_ps(_mm_load_sd((const double *)(d + 8)));
      for (int e = starts[r]; e < starts[r + 1]; e++) {
        const uint32_t entry = entries[e];
        const __m128 x = entryValue(entry, s);
        float *p = sums + (size_t)(entry >> 8) * OUTPUTS;
        _mm_storeu_ps(p, _mm_add_ps(_mm_loadu_ps(p), _mm_mul_ps(x, d0)));
        _mm_storeu_ps(p + 4, _mm_add_ps(_mm_loadu_ps(p + 4), _mm_mul_ps(x, d1)));
        const __m128 last = _mm_add_ps(_mm_castpd_ps(_mm_load_sd((const double *)(p + 8))), _mm_mul_ps(x, d2));
        _mm_store_sd((double *)(p + 8), _mm_castps_pd(last));
      }
    }
  }
  for (size_t i = 0; i < partial; i++) {
    float sum = partials[i];
    for (int k = 1; k < ROW_BLOCKS; k++) sum += partials[k * partial + i];
    dw[i] = sum;
  }
}

// adam_update at step t (assembly/optim.ts, including its flush of a subnormal m to +0): four
// parameters at a time, then one at a time.
static void adam(float *params, const float *grads, float *m, float *v, int n, float lr, float beta1, float beta2,
                 float epsilon, int t) {
  const float mScale = (float)(1.0 / (1.0 - pow(beta1, t))), vScale = (float)(1.0 / (1.0 - pow(beta2, t)));
  const __m128 b1 = _mm_set1_ps(beta1), b2 = _mm_set1_ps(beta2), g1 = _mm_set1_ps(1 - beta1),
               g2 = _mm_set1_ps(1 - beta2), ms = _mm_set1_ps(mScale), vs = _mm_set1_ps(vScale),
               rate = _mm_set1_ps(lr), eps = _mm_set1_ps(epsilon);
  const __m128i exponent = _mm_set1_epi32(0x7f800000);
  for (int i = 0; i + 4 <= n; i += 4) {
    const __m128 g = _mm_loadu_ps(grads + i);
    __m128 mt = _mm_add_ps(_mm_mul_ps(b1, _mm_loadu_ps(m + i)), _mm_mul_ps(g1, g));
    const __m128i tiny = _mm_cmpeq_epi32(_mm_and_si128(_mm_castps_si128(mt), exponent), _mm_setzero_si128());
    mt = _mm_andnot_ps(_mm_castsi128_ps(tiny), mt);
    const __m128 vt = _mm_add_ps(_mm_mul_ps(b2, _mm_loadu_ps(v + i)), _mm_mul_ps(g2, _mm_mul_ps(g, g)));
    _mm_storeu_ps(m + i, mt);
    _mm_storeu_ps(v + i, vt);
    const __m128 denom = _mm_add_ps(_mm_sqrt_ps(_mm_mul_ps(vt, vs)), eps);
    const __m128 step = _mm_div_ps(_mm_mul_ps(rate, _mm_mul_ps(mt, ms)), denom);
    _mm_storeu_ps(params + i, _mm_sub_ps(_mm_loadu_ps(params + i), step));
  }
  for (int i = n & ~3; i < n; i++) {
    const float g = grads[i];
    float mt = beta1 * m[i] + (1 - beta1) * g;
    uint32_t bits;
    memcpy(&bits, &mt, 4);
    if (!(bits & 0x7f800000)) mt = 0;
    const float vt = beta2 * v[i] + (1 - beta2) * (g * g);
    m[i] = mt;
    v[i] = vt;
    params[i] = params[i] - (lr * (mt * mScale)) / (sqrtf(vt * vScale) + epsilon);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: ceiling DIR ROUNDS\n"); return 2; }
  const char *dir = argv[1];
  const int rounds = atoi(argv[2]);
  size_t bytes;
  const int32_t *starts = readAll(dir, "starts.bin", &bytes);
  const int rows = (int)(bytes / 4) - 1;
  const uint32_t *entries = readAll(dir, "entries.bin", &bytes);
  const float *weights = readAll(dir, "weights.bin", &bytes);
  const int inputs = (int)(bytes / 4 / OUTPUTS);
  const float *dout = readAll(dir, "dout.bin", &bytes);
  float *state = readAll(dir, "adam.bin", &bytes);
  const int n = (int)(bytes / 16);
  const float bias[OUTPUTS] = {0.01f, -0.02f, 0.03f, -0.04f, 0.05f, -0.06f, 0.07f, -0.08f, 0.09f, -0.1f};
  const float scale = 1.0f / 255;

  float *out = aligned_alloc(64, (size_t)rows * OUTPUTS * 4);
  float *dw = aligned_alloc(64, (size_t)inputs * OUTPUTS * 4);
  float *partials = aligned_alloc(64, ROW_BLOCKS * (size_t)inputs * OUTPUTS * 4);
  float *work = aligned_alloc(64, bytes);
  double best[3] = {1e30, 1e30, 1e30};
  for (int round = 0; round < rounds; round++) {
    double t0 = seconds();
    forward(out, starts, entries, weights, bias, rows, scale);
    double t1 = seconds();
    backwardWeights(dw, partials, starts, entries, dout, rows, inputs, scale);
    double t2 = seconds();
    memcpy(work, state, bytes); // every round starts from the same state: step 1
    double t3 = seconds();
    adam(work, work + n, work + 2 * (size_t)n, work + 3 * (size_t)n, n, 0.001f, 0.9f, 0.999f, 1e-7f, 1);
    double t4 = seconds();
    if (t1 - t0 < best[0]) best[0] = t1 - t0;
    if (t2 - t1 < best[1]) best[1] = t2 - t1;
    if (t4 - t3 < best[2]) best[2] = t4 - t3;
  }
  writeAll(dir, "native-forward.bin", out, (size_t)rows * OUTPUTS * 4);
  writeAll(dir, "native-dweights.bin", dw, (size_t)inputs * OUTPUTS * 4);
  writeAll(dir, "native-adam.bin", work, bytes);
  printf("{\"forwardMs\":%.6f,\"dweightsMs\":%.6f,\"adamMs\":%.6f}\n", best[0] * 1e3, best[1] * 1e3, best[2] * 1e3);
  return 0;
}
