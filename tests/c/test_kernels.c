/* GEMM microkernels against a plain reference over tiny, odd and tail sizes, padded strides,
 * with no clamp, ReLU and a two-sided clamp. In the WASM build both the SIMD kernel and its
 * scalar twin run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels/bnb4_gemm.h"
#include "kernels/config.h"
#include "kernels/copy.h"
#include "kernels/dwconv.h"
#include "kernels/vmath.h"
#include "kernels/gemm.h"
#include "kernels/pool.h"
#include "kernels/q4_gemm.h"
#include "kernels/qs8_gemm.h"
#include "mem.h"
#include "ops/conv_winograd.h"
#include "ops/quant.h"
#include "wisp.h"

static float frand(unsigned *seed) {
  *seed = *seed * 1103515245u + 12345u;
  return (float)((*seed >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* f32 tile sets: 4 rows (the core's), or 6 with an optional 4-row tile for the rows past them */
#define TILES4(isa, isa1) \
  ((wisp_f32_gemm_tiles){f32_gemm_4x8__##isa, NULL, f32_gemm_1x8__##isa1, 4})
#define TILES6(tile4) ((wisp_f32_gemm_tiles){f32_gemm_6x8__scalar, tile4, f32_gemm_1x8__scalar, 6})

static void check_kernel(const char *name, wisp_f32_gemm_tiles t) {
  static const int Ks[] = {0, 1, 2, 3, 7, 8, 16, 33, WISP_GEMM_KC + 5, 2 * WISP_GEMM_KC};
  unsigned seed = 1;
  int cases = 0, bad = 0;
  for (int M = 1; M <= 14; M++) /* every remainder of 6 rows, after a whole tile too */
    for (int N = 1; N <= 19; N++)
      for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++)
        for (int clamp = 0; clamp <= 2; clamp++) { /* none, ReLU, [-0.5, 0.5] */
          float lo = clamp == 0 ? -INFINITY : clamp == 1 ? 0.0f : -0.5f;
          float hi = clamp == 2 ? 0.5f : INFINITY;
          int K = Ks[ki], lda = K + 3, ldc = N + 5;
          float *A = malloc(sizeof(float) * (size_t)(M * lda + 1));
          float *B = malloc(sizeof(float) * (size_t)(K * N + 1));
          float *bias = malloc(sizeof(float) * (size_t)N);
          float *C = malloc(sizeof(float) * (size_t)(M * ldc));
          float *packed = wisp_aligned_alloc(sizeof(float) * wisp_f32_gemm_packed_size(K, N));
          for (int i = 0; i < M * lda; i++) A[i] = frand(&seed);
          for (int i = 0; i < K * N; i++) B[i] = frand(&seed);
          for (int i = 0; i < N; i++) bias[i] = frand(&seed);
          for (int i = 0; i < M * ldc; i++) C[i] = 12345.0f; /* sentinel outside the tile */
          wisp_f32_gemm_pack(K, N, B, N, 1, bias, packed);
          wisp_f32_gemm_with(&t, M, N, K, A, lda, packed, C, ldc, lo, hi);
          for (int m = 0; m < M; m++)
            for (int n = 0; n < ldc; n++) {
              float want = 12345.0f;
              if (n < N) {
                double acc = bias[n];
                for (int k = 0; k < K; k++) acc += (double)A[m * lda + k] * B[k * N + n];
                want = acc < lo ? lo : acc > hi ? hi : (float)acc;
              }
              if (fabsf(C[m * ldc + n] - want) > 1e-4f * (1 + fabsf(want))) bad++;
            }
          cases++;
          free(A), free(B), free(bias), free(C);
          wisp_aligned_free(packed);
        }
  printf("%s: %d shapes, %d wrong elements\n", name, cases, bad);
  CHECK(bad == 0);
}

/* GEMM over unpacked B with a bias per row (this build's kernel) against a plain reference:
 * ragged last columns, several column blocks, K across the 256-row blocks, padded strides,
 * clamps, SiLU run after the last K block (never on the padding past N). */
static void check_rowbias(void) {
  static const int Ks[] = {1, 3, 8, 24, 257, 600};
  unsigned seed = 3;
  int cases = 0, bad = 0;
  for (int M = 1; M <= 9; M++)
    for (int N = 1; N <= 100; N += N < 19 ? 1 : 27) /* past 19: several column blocks */
      for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++) {
        int K = Ks[ki], lda = K + 1, ldb = N + 2, ldc = N + 3, clamp = (M + N) % 3;
        float lo = clamp == 0   ? -INFINITY
                   : clamp == 1 ? 0.0f
                                : -0.5f,
              hi = clamp == 2 ? 0.5f : INFINITY;
        float *A = malloc(sizeof(float) * (size_t)(M * lda)),
              *B = malloc(sizeof(float) * (size_t)(K * ldb));
        float *bias = malloc(sizeof(float) * (size_t)M),
              *C = malloc(sizeof(float) * (size_t)(M * ldc));
        float *tail = malloc(sizeof(float) * (size_t)(K * WISP_GEMM_NR));
        for (int i = 0; i < M * lda; i++) A[i] = frand(&seed);
        for (int i = 0; i < K * ldb; i++) B[i] = frand(&seed);
        for (int i = 0; i < M; i++) bias[i] = frand(&seed);
        for (int i = 0; i < M * ldc; i++) C[i] = 12345.0f;
        int silu = (M + N + K) % 2;
        wisp_f32_gemm_rowbias(M, N, K, A, lda, B, ldb, bias, C, ldc, lo, hi,
                              silu ? wisp_kernels()->vmath.silu : NULL, tail);
        for (int m = 0; m < M; m++)
          for (int n = 0; n < ldc; n++) {
            float want = 12345.0f;
            if (n < N) {
              double acc = bias[m];
              for (int k = 0; k < K; k++) acc += (double)A[m * lda + k] * B[k * ldb + n];
              want = acc < lo ? lo : acc > hi ? hi : (float)acc;
              if (silu) want = (float)(want / (1.0 + exp(-(double)want)));
            }
            if (fabsf(C[m * ldc + n] - want) > 1e-4f * (1 + fabsf(want))) bad++;
          }
        cases++;
        free(A), free(B), free(bias), free(C), free(tail);
      }
  printf("f32_gemm_rowbias: %d shapes, %d wrong elements\n", cases, bad);
  CHECK(bad == 0);
}

/* Depthwise rows over a padded plane: 1 to 3 output rows, every stride/dilation/width up to
 * tails of the 4- and 8-wide loops, 1, 2, 3, 5 and 7 kernel rows and columns. */
static void check_dwconv(const char *name, wisp_f32_dwconv_rows_fn fn) {
  enum { W = 80, ROWS = 20 };
  static const int ks[] = {1, 2, 3, 5, 7};
  unsigned seed = 7;
  int cases = 0, bad = 0;
  static float in[ROWS * W + 4];
  float w[49], out[3 * 19];
  for (int i = 0; i < ROWS * W; i++) in[i] = frand(&seed);
  for (int i = 0; i < 49; i++) w[i] = frand(&seed);
  for (int oh_n = 1; oh_n <= 3; oh_n++)
    for (int ow_n = 1; ow_n <= 19; ow_n++)
      for (int khi = 0; khi < 5; khi++)
        for (int kwi = 0; kwi < 5; kwi++)
          for (int s = 1; s <= 3; s++)
            for (int d = 1; d <= 2; d++) {
              int kh = ks[khi], kw = ks[kwi];
              ptrdiff_t tap[7]; /* kernel rows d input rows apart */
              for (int i = 0; i < kh; i++) tap[i] = i * d * W;
              fn(oh_n, ow_n, kh, kw, s, d, in, s * W, tap, w, 0.25f, -0.75f, 0.75f, out);
              for (int oh = 0; oh < oh_n; oh++)
                for (int o = 0; o < ow_n; o++) {
                  double acc = 0.25;
                  for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                      acc += (double)w[i * kw + j] * in[(oh * s + i * d) * W + o * s + j * d];
                  float want = acc < -0.75 ? -0.75f : acc > 0.75 ? 0.75f : (float)acc;
                  if (fabsf(out[oh * ow_n + o] - want) > 1e-5f) bad++;
                }
              cases++;
            }
  printf("%s: %d shapes, %d wrong elements\n", name, cases, bad);
  CHECK(bad == 0);
}

/* Row copies into a padded plane: widths 0 to 19 (under, at and over the 4-float moves), 1 to 3
 * rows, strides past the width; every float outside the copied rows stays untouched. */
static void check_copy_rows(const char *name, wisp_f32_copy_rows_fn fn) {
  enum { S = 24, D = 29, ROWS = 3 };
  unsigned seed = 5;
  int cases = 0, bad = 0;
  float src[ROWS * S], dst[ROWS * D];
  for (int i = 0; i < ROWS * S; i++) src[i] = frand(&seed);
  for (int rows = 1; rows <= ROWS; rows++)
    for (int cols = 0; cols <= 19; cols++) {
      for (int i = 0; i < ROWS * D; i++) dst[i] = -7.0f;
      fn((size_t)rows, (size_t)cols, src, S, dst + 2, D);
      for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < D; c++) {
          int in = r < rows && c >= 2 && c < 2 + cols, at = r * D + c;
          if (dst[at] != (in ? src[r * S + c - 2] : -7.0f)) bad++;
        }
      cases++;
    }
  printf("%s: %d shapes, %d wrong elements\n", name, cases, bad);
  CHECK(bad == 0);
}

/* im2col panels of 8 evenly spaced pixels: K 1 to 13 windows at scattered offsets, strides 1
 * and 2, from an input that ends at the last pixel's last value (an over-read shows under ASan
 * natively and as a wrong value nowhere else, so the input is also checked to stay unchanged). */
static void check_f32_pack_cols8(const char *name, wisp_f32_pack_cols8_fn fn) {
  unsigned seed = 9;
  int cases = 0, bad = 0;
  for (int stride = 1; stride <= 2; stride++)
    for (size_t K = 1; K <= 13; K++) {
      ptrdiff_t off[13], end = 0;
      for (size_t k = 0; k < K; k++) {
        off[k] = (ptrdiff_t)(frand(&seed) * 20 + 20) + (ptrdiff_t)k * 3;
        if (off[k] + 7 * stride + 1 > end) end = off[k] + 7 * stride + 1;
      }
      float *x = malloc((size_t)end * sizeof *x), b[13 * 8];
      for (ptrdiff_t i = 0; i < end; i++) x[i] = (float)i;
      fn(K, x, off, stride, b);
      for (size_t k = 0; k < K; k++)
        for (int j = 0; j < 8; j++)
          if (b[k * 8 + j] != (float)(off[k] + j * stride)) bad++;
      for (ptrdiff_t i = 0; i < end; i++) bad += x[i] != (float)i;
      free(x);
      cases++;
    }
  printf("%s: %d shapes, %d wrong elements\n", name, cases, bad);
  CHECK(bad == 0);
}

/* Separable max pool rows against plain loops: widths over the 4-wide loops' tails, 1 to 4 rows,
 * kernels 1 to 5 at strides 1 to 3, with ties, infinities and a NaN first or later in a window
 * (where pmax keeps or skips it as `x > best ? x : best` does); plane sums over the tails of
 * the 16-wide loop. */
static void check_pool(const char *name, wisp_f32_vmax_rows_fn vmax, wisp_f32_hmax_fn hmax,
                       wisp_f32_vsum_fn sum) {
  enum { W = 64, ROWS = 4 };
  unsigned seed = 11;
  int cases = 0, bad = 0;
  static float in[ROWS * W], out[W];
  for (int i = 0; i < ROWS * W; i++) in[i] = (float)(int)(4 * frand(&seed)); /* ties */
  /* vmax reads rows from in + 3, hmax one row from in + W + 1 */
  in[5] = -INFINITY, in[W + 9] = INFINITY, in[17] = NAN, in[2 * W + 13] = NAN;
  in[W + 1 + 7] = NAN, in[W + 1 + 20] = -INFINITY, in[W + 1 + 22] = NAN;
  for (int n = 0; n <= 19; n++)
    for (int rows = 1; rows <= ROWS; rows++) {
      vmax(n, rows, in + 3, W, out);
      for (int i = 0; i < n; i++) {
        float best = in[3 + i];
        for (int r = 1; r < rows; r++) best = in[r * W + 3 + i] > best ? in[r * W + 3 + i] : best;
        if (memcmp(&best, &out[i], sizeof best)) bad++;
      }
      cases++;
    }
  for (int n = 0; n <= 13; n++)
    for (int k = 1; k <= 5; k++)
      for (int s = 1; s <= 3; s++) {
        const float *t = in + W + 1; /* the last window ends 8 or more floats before in's end */
        hmax(n, k, s, t, out);
        for (int o = 0; o < n; o++) {
          float best = t[o * s];
          for (int j = 1; j < k; j++) best = t[o * s + j] > best ? t[o * s + j] : best;
          if (memcmp(&best, &out[o], sizeof best)) bad++;
        }
        cases++;
      }
  for (size_t n = 0; n <= 70; n++) { /* sums: the twins add in the same order, bit for bit */
    double want = 0;
    for (size_t i = 0; i < n; i++) want += in[2 * W + 20 + i];
    float got = sum(n, in + 2 * W + 20);
    if (fabs(got - want) > 1e-5 * (1 + n) ||
        memcmp(&got, &(float){f32_vsum__scalar(n, in + 2 * W + 20)}, sizeof got))
      bad++;
    cases++;
  }
  printf("%s: %d cases, %d wrong elements\n", name, cases, bad);
  CHECK(bad == 0);
}

/* Winograd F(tile×tile, 3×3) convolution (the driver with this build's kernels) against a direct 3×3
 * convolution over odd and even planes (ragged tile rows and columns), every padding from 0 to 2
 * on each side, with and without bias and clamp. */
static void check_winograd(int tile) {
  unsigned seed = 11;
  int cases = 0, bad = 0;
  static const int sizes[][2] = {{1, 1}, {2, 3},   {5, 4},  {7, 7},
                                 {8, 9}, {14, 17}, {3, 20}, {19, 37}};
  for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
    for (int C = 8; C <= 13; C += 5)
      for (int pad = 0; pad < 9; pad++) {
        int H = sizes[si][0], W = sizes[si][1], M = 8 + (pad & 1), top = pad % 3, left = pad / 3;
        int bottom = (pad + 1) % 3, right = (pad * 2) % 3;
        int OH = H + top + bottom - 2, OW = W + left + right - 2;
        if (OH < 1 || OW < 1) continue;
        int clamp = pad % 2;
        float lo = clamp ? -0.5f : -INFINITY, hi = clamp ? 0.5f : INFINITY;
        float *x = malloc(sizeof(float) * (size_t)(C * H * W)),
              *w = malloc(sizeof(float) * (size_t)(M * C * 9));
        float *bias = malloc(sizeof(float) * (size_t)M),
              *y = malloc(sizeof(float) * (size_t)(M * OH * OW));
        for (int i = 0; i < C * H * W; i++) x[i] = frand(&seed);
        for (int i = 0; i < M * C * 9; i++) w[i] = frand(&seed);
        for (int i = 0; i < M; i++) bias[i] = frand(&seed);
        wisp_wino_geom g;
        wisp_wino_geometry(&g, tile, C, M, H, W, OH, OW, top, left);
        float *u = wisp_aligned_alloc((size_t)wisp_wino_weights_bytes(tile, M, C));
        void *scratch = wisp_aligned_alloc((size_t)wisp_wino_scratch_bytes(&g));
        wisp_wino_weights(tile, M, C, w, u);
        const float *b = pad < 6 ? bias : NULL;
        wisp_wino_conv(&g, x, u, b, lo, hi, scratch, y);
        for (int m = 0; m < M; m++)
          for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++) {
              double acc = b ? b[m] : 0;
              for (int c = 0; c < C; c++)
                for (int i = 0; i < 3; i++)
                  for (int j = 0; j < 3; j++) {
                    int ih = oh + i - top, iw = ow + j - left;
                    if (ih >= 0 && ih < H && iw >= 0 && iw < W)
                      acc += (double)w[(m * C + c) * 9 + i * 3 + j] * x[(c * H + ih) * W + iw];
                  }
              float want = acc < lo ? lo : acc > hi ? hi : (float)acc;
              if (fabsf(y[(m * OH + oh) * OW + ow] - want) > 1e-4f * (1 + fabsf(want))) bad++;
            }
        cases++;
        free(x), free(w), free(bias), free(y);
        wisp_aligned_free(u), wisp_aligned_free(scratch);
      }
  printf("winograd F(%dx%d, 3x3) conv: %d shapes, %d wrong elements\n", tile, tile, cases, bad);
  CHECK(bad == 0);
}

#ifdef __wasm_simd128__
/* The 4-tile Winograd transforms of tile side m against their one-tile reference (in4s, out4s),
 * bit for bit, over an input row exactly as long as the four patches (m·4 + 2: no read past). */
static void check_winograd_twins(const char *name, int m, wisp_f32_wino_input4_fn in4,
                                 wisp_f32_wino_output4_fn out4, wisp_f32_wino_input4_fn in4s,
                                 wisp_f32_wino_output4_fn out4s) {
  enum { XS = 18, VS = 5, YS = 17 }; /* row strides, none a multiple of 4 */
  const int a = m + 2, P = a * a, len = 4 * m + 2;
  unsigned seed = 5;
  float x[6 * XS], v4[36 * VS], v1[36 * VS], y4[4 * YS], y1[4 * YS];
  int bad = 0;
  for (int round = 0; round < 50; round++) {
    for (int i = 0; i < 6 * XS; i++) x[i] = (i % XS) < len ? frand(&seed) : NAN;
    in4(x, XS, v4, VS);
    in4s(x, XS, v1, VS);
    for (int xi = 0; xi < P; xi++)
      for (int t = 0; t < 4; t++) bad += v4[xi * VS + t] != v1[xi * VS + t];
    float lo = round % 2 ? -0.5f : -INFINITY, hi = round % 2 ? 0.5f : INFINITY;
    out4(v1, VS, 0.25f, lo, hi, y4, YS);
    out4s(v1, VS, 0.25f, lo, hi, y1, YS);
    for (int r = 0; r < m; r++)
      for (int c = 0; c < 4 * m; c++) bad += y4[r * YS + c] != y1[r * YS + c];
  }
  printf("%s: 50 rounds, %d different elements\n", name, bad);
  CHECK(bad == 0);
}
#endif

/* HardSwish bit for bit against the expression the HardSwish op (and HardSigmoid(1/6, 1/2) then
 * Mul) computes, so folding it into a Conv changes no result: every length to 19, in place, with
 * NaN, ±infinity, ±0 and the clamp's corners -3 and 3. */
static void check_hswish(const char *name, wisp_f32_vunary_fn hswish) {
  float x[19], y[19];
  int bad = 0;
  for (size_t n = 1; n <= 19; n++) {
    for (size_t i = 0; i < n; i++) x[i] = -4.5f + 9.0f * (float)i / (float)n;
    const float special[] = {NAN, INFINITY, -INFINITY, -0.0f, 0.0f, -3.0f, 3.0f};
    for (size_t i = 0; i < n && i < 7; i++) x[(i * 5) % n] = special[i];
    memcpy(y, x, sizeof x);
    hswish(n, y, y);
    for (size_t i = 0; i < n; i++) {
      float v = x[i], g = v * (1.0f / 6.0f) + 0.5f,
            want = v * (g < 0.0f   ? 0.0f
                        : g > 1.0f ? 1.0f
                                   : g);
      bad += memcmp(&want, &y[i], 4) != 0 && !(isnan(want) && isnan(y[i]));
    }
  }
  printf("%s: %d differ\n", name, bad);
  CHECK(bad == 0);
}

/* BatchNormalization's clamp(x·a + b, lo, hi) bit for bit against the plain loop (in place, over
 * the 4-wide loop's tails, with NaN and infinities; unclamped, ReLU and ReLU6). */
static void check_vaffine(const char *name, wisp_f32_vaffine_fn affine) {
  static const float bounds[][2] = {{-INFINITY, INFINITY}, {0.0f, INFINITY}, {0.0f, 6.0f}};
  float x[19], y[19];
  int bad = 0;
  for (int k = 0; k < 3; k++)
    for (size_t n = 0; n <= 19; n++) {
      const float a = 1.7f, b = -0.3f, lo = bounds[k][0], hi = bounds[k][1];
      for (size_t i = 0; i < n; i++) x[i] = -5.5f + 11.0f * (float)i / (float)n;
      const float special[] = {NAN, INFINITY, -INFINITY, -0.0f};
      for (size_t i = 0; i < n && i < 4; i++) x[(i * 5) % n] = special[i];
      memcpy(y, x, sizeof x);
      affine(n, y, a, b, lo, hi, y);
      for (size_t i = 0; i < n; i++) {
        float v = x[i] * a + b;
        v = v < lo ? lo : v;
        float want = v > hi ? hi : v;
        bad += memcmp(&want, &y[i], 4) != 0 && !(isnan(want) && isnan(y[i]));
      }
    }
  printf("%s: %d differ\n", name, bad);
  CHECK(bad == 0);
}

/* exp (of x - max, softmax's), erf, GELU, sigmoid and SiLU against libm over a sweep that includes tails of the 4-wide
 * loop (sigmoid and SiLU also in place, the way the Conv epilogue runs them). */
static void check_vmath(const char *name, wisp_f32_vexp_fn vexp, wisp_f32_verf_fn verf,
                        wisp_f32_verf_fn vgelu, wisp_f32_vunary_fn vsigmoid,
                        wisp_f32_vunary_fn vsilu) {
  float x[403], y[403];
  double worst_exp = 0, worst_erf = 0, worst_gelu = 0, sum_err = 0, worst_sig = 0, worst_silu = 0;
  for (size_t n = 1; n <= 403; n += 67) {
    for (size_t i = 0; i < n; i++) x[i] = -20.0f + 21.5f * (float)i / (float)n; /* x <= 1.5 */
    double want_sum = 0;
    for (size_t i = 0; i < n; i++) want_sum += exp((double)x[i] - 1.5);
    float sum = vexp(n, x, 1.5f, y);
    for (size_t i = 0; i < n; i++) {
      double want = exp((double)x[i] - 1.5), rel = fabs(y[i] - want) / want;
      if (rel > worst_exp) worst_exp = rel;
    }
    if (fabs(sum - want_sum) / want_sum > sum_err) sum_err = fabs(sum - want_sum) / want_sum;
    for (size_t i = 0; i < n; i++) x[i] = -4.0f + 8.0f * (float)i / (float)n;
    verf(n, x, y);
    for (size_t i = 0; i < n; i++)
      if (fabs(y[i] - erf((double)x[i])) > worst_erf) worst_erf = fabs(y[i] - erf((double)x[i]));
    for (size_t i = 0; i < n; i++) x[i] = -8.0f + 16.0f * (float)i / (float)n;
    vgelu(n, x, y);
    for (size_t i = 0; i < n; i++) {
      double want = 0.5 * x[i] * (1.0 + erf(x[i] / sqrt(2.0))),
             err = fabs(y[i] - want) / (1 + fabs(want));
      if (err > worst_gelu) worst_gelu = err;
    }
    /* ±100 saturate; the ends of [-30, 30] are where 1 + e and e / (1 + e) lose bits */
    for (size_t i = 0; i < n; i++) x[i] = i == 0 ? -100.0f : -30.0f + 60.0f * (float)i / (float)n;
    if (n > 2) x[n - 1] = 100.0f, x[n / 2] = 0.0f;
    vsigmoid(n, x, y);
    for (size_t i = 0; i < n; i++) {
      /* below exp's clamp (-87.3) sigmoid stays at e^-87.3 ≈ 1.2e-38: absolute error there */
      double want = 1.0 / (1.0 + exp(-(double)x[i])),
             err = x[i] < -80 ? fabs(y[i] - want) * 1e32 : fabs(y[i] - want) / want;
      if (err > worst_sig) worst_sig = err;
    }
    memcpy(y, x, n * sizeof *x);
    vsilu(n, y, y);
    for (size_t i = 0; i < n; i++) {
      double want = x[i] / (1.0 + exp(-(double)x[i])), err = fabs(y[i] - want) / (1 + fabs(want));
      if (err > worst_silu) worst_silu = err;
    }
  }
  printf(
      "%s: exp max rel err %.2e (sum %.2e), erf max abs err %.2e, gelu %.2e, sigmoid max rel "
      "err %.2e, silu %.2e\n",
      name, worst_exp, sum_err, worst_erf, worst_gelu, worst_sig, worst_silu);
  CHECK(worst_exp < 1e-6 && sum_err < 1e-6 && worst_erf < 5e-7 && worst_gelu < 1e-6);
  CHECK(worst_sig < 2e-6 && worst_silu < 1e-6);
}

/* softmax's add-and-max against a plain loop: every length to 19 (the 4-wide loop's tails), with
 * and without the added row, in place, and a NaN (skipped) at the front, middle and end. */
static void check_addmax(const char *name, wisp_f32_vaddmax_fn addmax) {
  float x[19], b[19], y[19];
  int bad = 0;
  for (size_t n = 1; n <= 19; n++)
    for (int nan_at = -1; nan_at < 3; nan_at++) {
      for (size_t i = 0; i < n; i++)
        x[i] = (float)((i * 7 + n) % 11) - 5.5f, b[i] = (float)i * 0.25f;
      size_t at = nan_at == 0 ? 0 : nan_at == 1 ? n / 2 : n - 1;
      if (nan_at >= 0 && n > 1) x[at] = NAN;
      float want_x = -INFINITY, want_xb = -INFINITY;
      for (size_t i = 0; i < n; i++) {
        want_x = x[i] > want_x ? x[i] : want_x;
        want_xb = x[i] + b[i] > want_xb ? x[i] + b[i] : want_xb;
      }
      bad += addmax(n, x, NULL, NULL) != want_x;
      bad += addmax(n, x, b, y) != want_xb;
      for (size_t i = 0; i < n; i++) bad += y[i] != x[i] + b[i] && !(isnan(y[i]) && isnan(x[i]));
      memcpy(y, x, sizeof x);
      bad += addmax(n, y, b, y) != want_xb;
    }
  printf("%s: %d wrong\n", name, bad);
  CHECK(bad == 0);
}

/* The int8 conv's im2col of 8 pixels at stride 1 and 2: every pair row against the definition,
 * K odd and even, offsets anywhere in the image. */
static void check_pack_cols8(const char *name, wisp_qd16_pack_cols8_fn pack) {
  int16_t x[620], b[16 * 40];
  ptrdiff_t off[80];
  for (int i = 0; i < 620; i++) x[i] = (int16_t)((i * 7919) % 511 - 255);
  for (int stride = 1; stride <= 2; stride++)
    for (size_t K = 1; K <= 80; K += 13) {
      size_t kp = (K + 1) / 2;
      for (size_t k = 0; k < K; k++) off[k] = (ptrdiff_t)((k * 37) % 590);
      pack(kp, K, x + 2, off, stride, b);
      int bad = 0;
      for (size_t q = 0; q < kp; q++)
        for (int j = 0; j < 8; j++) {
          bad += b[16 * q + 2 * j] != x[2 + off[2 * q] + j * stride];
          bad += b[16 * q + 2 * j + 1] != (2 * q + 1 < K ? x[2 + off[2 * q + 1] + j * stride] : 0);
        }
      if (bad) fprintf(stderr, "%s: stride %d, K %zu, %d wrong\n", name, stride, K, bad);
      CHECK(bad == 0);
    }
}

static void check_qs8(const char *name, wisp_qs8_gemm_ukernel uk, wisp_f32_minmax_fn minmax,
                      wisp_qd16_quantize_fn quantize) {
  static const int Ks[] = {0, 1, 2, 3, 7, 8, 16, 33, 385};
  unsigned seed = 3;
  int cases = 0, bad = 0;
  for (int M = 1; M <= 9; M++)
    for (int N = 1; N <= 19; N++)
      for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++)
        for (int sgn = 0; sgn <= 1; sgn++) {
          int K = Ks[ki], lda = (K + 1) / 2 * 2 + 4, ldc = N + 3;
          int16_t *A = calloc((size_t)(M * lda + 8), sizeof(int16_t));
          uint8_t *W = malloc((size_t)(K * N + 1));
          int32_t *zp = malloc(sizeof(int32_t) * (size_t)N);
          float *scale = malloc(sizeof(float) * (size_t)N),
                *bias = malloc(sizeof(float) * (size_t)N);
          float *C = malloc(sizeof(float) * (size_t)(M * ldc));
          void *packed = wisp_aligned_alloc(wisp_qs8_gemm_packed_size(K, N));
          for (int m = 0; m < M; m++)
            for (int k = 0; k < K; k++) A[m * lda + k] = (int16_t)(frand(&seed) * 255.0f);
          for (int i = 0; i < K * N; i++)
            W[i] = (uint8_t)(seed = seed * 1103515245u + 12345u, seed >> 16);
          for (int n = 0; n < N; n++) {
            zp[n] = sgn ? (n % 3) - 1 : 100 + n;
            scale[n] = 0.01f + 0.005f * (frand(&seed) + 1), bias[n] = frand(&seed);
          }
          for (int i = 0; i < M * ldc; i++) C[i] = 12345.0f;
          wisp_qs8_gemm_pack(K, N, W, sgn, zp, scale, bias, packed);
          wisp_qs8_gemm_with(uk, M, N, K, A, lda, packed, 0.02f, C, ldc);
          for (int m = 0; m < M; m++)
            for (int n = 0; n < ldc; n++) {
              float want = 12345.0f;
              if (n < N) {
                int32_t acc = 0;
                for (int k = 0; k < K; k++)
                  acc += A[m * lda + k] * ((sgn ? (int8_t)W[k * N + n] : W[k * N + n]) - zp[n]);
                want = (float)acc * (0.02f * scale[n]) + bias[n];
              }
              if (fabsf(C[m * ldc + n] - want) > 1e-6f * (1 + fabsf(want))) bad++;
            }
          cases++;
          free(A), free(W), free(zp), free(scale), free(bias), free(C);
          wisp_aligned_free(packed);
        }
  float x[67];
  int16_t y[67];
  for (int n = 1; n <= 67; n += 3) {
    float scale = 0.05f;
    for (int i = 0; i < n; i++) /* halves of the step (ties), and values past both clamps */
      x[i] = i % 4 == 0 ? scale * ((float)(i % 40) - 20.5f) : 10.0f * frand(&seed);
    float lo, hi;
    int lo_seen = 0, hi_seen = 0;
    minmax((size_t)n, x, &lo, &hi);
    for (int i = 0; i < n; i++) {
      if (x[i] < lo || x[i] > hi) bad++;
      lo_seen |= x[i] == lo, hi_seen |= x[i] == hi;
    }
    bad += !lo_seen + !hi_seen;              /* the bounds are attained */
    for (int zp = 0; zp <= 255; zp += 120) { /* zero points 0, 120, 240 */
      quantize((size_t)n, x, scale, zp, y);
      for (int i = 0; i < n; i++) {
        float v = x[i] / scale;
        v = v < (float)-zp ? (float)-zp : v > (float)(255 - zp) ? (float)(255 - zp) : v;
        if (y[i] != (int16_t)rintf(v)) bad++;
      }
    }
    cases++;
  }
  printf("%s: %d cases, %d wrong elements\n", name, cases, bad);
  CHECK(bad == 0);
}

/* The 4-bit GEMM (an unpacker with f32 tiles) against W dequantized whole here (by its own
 * indexing of the layout), over odd M, N, K (partial last blocks, K past one panel of
 * WISP_Q4_KC), every block size, with and without zero points and bias. */
static void check_q4(const char *name, wisp_q4_unpack_fn unpack, wisp_f32_gemm_tiles t) {
  static float scratch[WISP_Q4_SCRATCH_FLOATS];
  static const int Ks[] = {1, 15, 16, 17, 45, 100, 257, 600, 1100};
  unsigned seed = 7;
  int cases = 0, bad = 0;
  for (int block = 16; block <= WISP_Q4_MAX_BLOCK; block *= 2)
    for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++)
      for (int M = 1; M <= 9; M += 2)
        for (int N = 1; N <= 17; N += 4)
          for (int opt = 0; opt < 4; opt++) { /* bit 0: zero points, bit 1: bias */
            int K = Ks[ki], blocks = (K + block - 1) / block, zb = (blocks + 1) / 2;
            int lda = K + 3, ldy = N + 2;
            float *A = malloc(sizeof(float) * (size_t)(M * lda));
            uint8_t *B = malloc((size_t)(N * blocks * block / 2));
            float *scales = malloc(sizeof(float) * (size_t)(N * blocks));
            uint8_t *zp = malloc((size_t)(N * zb));
            float *bias = malloc(sizeof(float) * (size_t)N),
                  *Y = malloc(sizeof(float) * (size_t)(M * ldy));
            for (int i = 0; i < M * lda; i++) A[i] = frand(&seed);
            for (int i = 0; i < N * blocks * block / 2; i++)
              B[i] = (uint8_t)(128 + 127 * frand(&seed));
            for (int i = 0; i < N * blocks; i++) scales[i] = 0.1f * frand(&seed);
            for (int i = 0; i < N * zb; i++) zp[i] = (uint8_t)(i * 37 + 11);
            for (int i = 0; i < N; i++) bias[i] = frand(&seed);
            for (int i = 0; i < M * ldy; i++) Y[i] = 12345.0f;
            const uint8_t *z = opt & 1 ? zp : NULL;
            const float *bi = opt & 2 ? bias : NULL;
            wisp_q4_gemm_with(unpack, &t, (size_t)M, (size_t)N, (size_t)K, (size_t)block, A,
                              (size_t)lda, B, scales, z, bi, Y, (size_t)ldy, scratch);
            for (int m = 0; m < M; m++)
              for (int n = 0; n < ldy; n++) {
                double want = 12345.0;
                if (n < N) {
                  want = bi ? bi[n] : 0;
                  for (int k = 0; k < K; k++) {
                    int b = k / block, at = (n * blocks + b) * block + k % block; /* nibble index */
                    int q = B[at / 2] >> 4 * (at % 2) & 15;
                    int zz = z ? z[(n * zb * 2 + b) / 2] >> 4 * (b % 2) & 15 : 8;
                    want += (double)A[m * lda + k] * (q - zz) * scales[n * blocks + b];
                  }
                }
                if (fabs(Y[m * ldy + n] - want) > 1e-4 * (1 + fabs(want))) bad++;
              }
            cases++;
            free(A), free(B), free(scales), free(zp), free(bias), free(Y);
          }
  printf("%s: %d cases, %d wrong elements\n", name, cases, bad);
  CHECK(bad == 0);
}

/* The bitsandbytes 4-bit GEMM (the decoder with f32 tiles) against W [N, K] dequantized whole
 * here as onnxruntime's CPU provider does (flat index f: the high nibble of byte f/2 when f is
 * even, block f / block), over odd M, N, K: blocks spanning two columns, columns starting
 * mid-byte, K past one panel of WISP_BNB4_KC. */
static void check_bnb4(const char *name, wisp_f32_gemm_tiles t) {
  static float scratch[WISP_BNB4_SCRATCH_FLOATS];
  static const int Ks[] = {1, 15, 16, 17, 45, 100, 257, 600, 1100};
  float code[16];
  for (int i = 0; i < 16; i++) code[i] = (float)(i - 7) / 8.0f + (i == 3 ? 0.01f : 0.0f);
  unsigned seed = 9;
  int cases = 0, bad = 0;
  for (int block = 16; block <= WISP_BNB4_MAX_BLOCK; block *= 2)
    for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++)
      for (int M = 1; M <= 9; M += 2)
        for (int N = 1; N <= 17; N += 4) {
          int K = Ks[ki], numel = N * K, blocks = (numel + block - 1) / block;
          int lda = K + 3, ldy = N + 2;
          float *A = malloc(sizeof(float) * (size_t)(M * lda));
          uint8_t *B = malloc((size_t)(numel + 1) / 2);
          float *absmax = malloc(sizeof(float) * (size_t)blocks);
          float *Y = malloc(sizeof(float) * (size_t)(M * ldy));
          for (int i = 0; i < M * lda; i++) A[i] = frand(&seed);
          for (int i = 0; i < (numel + 1) / 2; i++) B[i] = (uint8_t)(128 + 127 * frand(&seed));
          for (int i = 0; i < blocks; i++) absmax[i] = 1.0f + frand(&seed);
          for (int i = 0; i < M * ldy; i++) Y[i] = 12345.0f;
          wisp_bnb4_gemm_with(&t, (size_t)M, (size_t)N, (size_t)K, (size_t)block, code, A,
                              (size_t)lda, B, absmax, Y, (size_t)ldy, scratch);
          for (int m = 0; m < M; m++)
            for (int n = 0; n < ldy; n++) {
              double want = 12345.0;
              if (n < N) {
                want = 0;
                for (int k = 0; k < K; k++) {
                  int f = n * K + k, q = f % 2 ? B[f / 2] & 15 : B[f / 2] >> 4;
                  want += (double)A[m * lda + k] * (double)(code[q] * absmax[f / block]);
                }
              }
              if (fabs(Y[m * ldy + n] - want) > 1e-4 * (1 + fabs(want))) bad++;
            }
          cases++;
          free(A), free(B), free(absmax), free(Y);
        }
  printf("%s: %d cases, %d wrong elements\n", name, cases, bad);
  CHECK(bad == 0);
}

/* The int8-quad layout (relaxed SIMD's, qs8_gemm.h) through its scalar twin, against the exact
 * integer product of DynamicQuantizeLinear's uint8 activations and the weights: the shift of each
 * column into int8 and the row and column sums must lose nothing, over the full int8 range
 * (-128 included) and uint8 weights with zero points. */
static void check_qs8c4(void) {
  static const int Ks[] = {0, 1, 3, 4, 5, 17, 64, 385};
  unsigned seed = 5;
  int cases = 0, bad = 0;
  for (int M = 1; M <= 13; M++) /* past two 6-row tiles */
    for (int N = 1; N <= 17; N += 3)
      for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++)
        for (int sgn = 0; sgn <= 1; sgn++) {
          int K = Ks[ki], ldc = N + 2;
          float *x = malloc(sizeof(float) * (size_t)(M * K + 1));
          uint8_t *W = malloc((size_t)(K * N + 1));
          int32_t zp[17];
          float scale[17], bias[17];
          float *C = malloc(sizeof(float) * (size_t)(M * ldc));
          uint8_t *A = malloc(wisp_qs8c4_row_bytes(K) * (size_t)M);
          void *packed = wisp_aligned_alloc(wisp_qs8c4_gemm_packed_size(K, N));
          for (int i = 0; i < M * K; i++) x[i] = 3.0f * frand(&seed) + (i % 9 == 0 ? 1.5f : 0.0f);
          for (int i = 0; i < K * N; i++) { /* the extremes of each range, and values between */
            seed = seed * 1103515245u + 12345u;
            int r = (int)(seed >> 16) % 256;
            W[i] = (uint8_t)(sgn ? (i % 7 == 0   ? -128
                                    : i % 7 == 1 ? 127
                                                 : r - 128)
                                 : (i % 5 == 0   ? 0
                                    : i % 5 == 1 ? 255
                                                 : r));
          }
          for (int n = 0; n < N; n++) { /* zero points at both ends too */
            zp[n] = sgn ? (n % 3 == 1 ? -128 : n % 3 == 2 ? 127 : 0) : n % 3 == 1 ? 255 : 100 + n;
            scale[n] = 0.01f + 0.005f * (frand(&seed) + 1), bias[n] = frand(&seed);
          }
          float lo, hi, a_scale;
          int32_t a_zp;
          if (M > 0 && K > 0) f32_minmax__scalar((size_t)(M * K), x, &lo, &hi);
          else lo = hi = 0.0f;
          wisp_dynamic_quant_params(lo, hi, &a_scale, &a_zp);
          qd8c4_quantize_rows__scalar(M, K, x, a_scale, a_zp, A);
          for (int i = 0; i < M * ldc; i++) C[i] = 12345.0f;
          CHECK(wisp_qs8c4_gemm_pack(K, N, W, sgn, zp, scale, bias, packed) == 0);
          wisp_qs8c4_gemm_with(qs8_gemm_6x8c4__scalar, M, N, K, A, packed, a_scale, C, ldc);
          for (int m = 0; m < M; m++)
            for (int n = 0; n < ldc; n++) {
              float want = 12345.0f;
              if (n < N) {
                int32_t acc = 0;
                for (int k = 0; k < K; k++) {
                  int16_t q;
                  qd16_quantize__scalar(1, x + m * K + k, a_scale, a_zp, &q);
                  acc += q * ((sgn ? (int8_t)W[k * N + n] : W[k * N + n]) - zp[n]);
                }
                want = (float)acc * (a_scale * scale[n]) + bias[n];
              }
              if (C[m * ldc + n] != want) bad++;
            }
          cases++;
          free(x), free(W), free(C), free(A);
          wisp_aligned_free(packed);
        }
  printf("qs8_gemm_6x8c4__scalar (int8 quads): %d cases, %d wrong elements\n", cases, bad);
  CHECK(bad == 0);
}

#ifdef __wasm_simd128__
/* The SIMD row quantizer of the int8-quad layout against its scalar twin, byte for byte (values,
 * row sums, padding): K around the 16-float step, zero points at both ends, scales that put
 * values past both clamps, exact halves (half to even), NaN and infinities. */
static void check_qd8c4_twins(void) {
  static const int Ks[] = {0, 1, 3, 15, 16, 17, 33, 64, 385};
  static const int32_t zps[] = {0, 1, 77, 128, 255};
  static const float scales[] = {0.5f, 1.0f / 64, 0.013f};
  unsigned seed = 11;
  int cases = 0, bad = 0;
  for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++)
    for (size_t zi = 0; zi < sizeof zps / sizeof *zps; zi++)
      for (size_t si = 0; si < sizeof scales / sizeof *scales; si++) {
        int M = 3, K = Ks[ki];
        size_t bytes = wisp_qs8c4_row_bytes(K) * (size_t)M;
        float *x = malloc(sizeof(float) * (size_t)(M * K + 1));
        uint8_t *a1 = malloc(bytes), *a2 = malloc(bytes);
        for (int i = 0; i < M * K; i++) {
          float special[] = {NAN, INFINITY, -INFINITY, 2.5f * scales[si], -1.5f * scales[si]};
          x[i] = i % 11 == 0 ? special[(i / 11) % 5] : 4.0f * frand(&seed);
        }
        memset(a1, 0xAB, bytes), memset(a2, 0xCD, bytes);
        qd8c4_quantize_rows__wasmsimd(M, K, x, scales[si], zps[zi], a1);
        qd8c4_quantize_rows__scalar(M, K, x, scales[si], zps[zi], a2);
        bad += memcmp(a1, a2, bytes) != 0;
        cases++;
        free(x), free(a1), free(a2);
      }
  printf("qd8c4_quantize_rows__wasmsimd vs __scalar: %d cases, %d differ\n", cases, bad);
  CHECK(bad == 0);
}
#endif

int main(void) {
  check_vmath("f32_vmath__scalar", f32_vexp__scalar, f32_verf__scalar, f32_vgelu__scalar,
              f32_vsigmoid__scalar, f32_vsilu__scalar);
#ifdef __wasm_simd128__
  check_vmath("f32_vmath__wasmsimd", f32_vexp__wasmsimd, f32_verf__wasmsimd, f32_vgelu__wasmsimd,
              f32_vsigmoid__wasmsimd, f32_vsilu__wasmsimd);
#endif
  check_vaffine("f32_vaffine__scalar", f32_vaffine__scalar);
#ifdef __wasm_simd128__
  check_vaffine("f32_vaffine__wasmsimd", f32_vaffine__wasmsimd);
#endif
  check_hswish("f32_vhswish__scalar", f32_vhswish__scalar);
#ifdef __wasm_simd128__
  check_hswish("f32_vhswish__wasmsimd", f32_vhswish__wasmsimd);
#endif
  check_addmax("f32_vaddmax__scalar", f32_vaddmax__scalar);
#ifdef __wasm_simd128__
  check_addmax("f32_vaddmax__wasmsimd", f32_vaddmax__wasmsimd);
#endif
  check_dwconv("f32_dwconv_rows__scalar", f32_dwconv_rows__scalar);
#ifdef __wasm_simd128__
  check_dwconv("f32_dwconv_rows__wasmsimd", f32_dwconv_rows__wasmsimd);
#endif
  check_copy_rows("f32_copy_rows__scalar", f32_copy_rows__scalar);
#ifdef __wasm_simd128__
  check_copy_rows("f32_copy_rows__wasmsimd", f32_copy_rows__wasmsimd);
#endif
  check_f32_pack_cols8("f32_pack_cols8__scalar", f32_pack_cols8__scalar);
#ifdef __wasm_simd128__
  check_f32_pack_cols8("f32_pack_cols8__wasmsimd", f32_pack_cols8__wasmsimd);
#endif
  check_pool("f32_pool__scalar", f32_vmax_rows__scalar, f32_hmax__scalar, f32_vsum__scalar);
#ifdef __wasm_simd128__
  check_pool("f32_pool__wasmsimd", f32_vmax_rows__wasmsimd, f32_hmax__wasmsimd, f32_vsum__wasmsimd);
#endif
  check_winograd(2);
  check_winograd(4);
  check_rowbias();
#ifdef __wasm_simd128__
  check_winograd_twins("f32_wino_*4__wasmsimd", 2, f32_wino_input4__wasmsimd,
                       f32_wino_output4__wasmsimd, f32_wino_input4__scalar,
                       f32_wino_output4__scalar);
  check_winograd_twins("f32_wino43_*4__wasmsimd", 4, f32_wino43_input4__wasmsimd,
                       f32_wino43_output4__wasmsimd, f32_wino43_input4__scalar,
                       f32_wino43_output4__scalar);
#endif
  check_kernel("f32_gemm_4x8__scalar + 1x8__scalar", TILES4(scalar, scalar));
  check_kernel("f32_gemm_6x8__scalar + 1x8__scalar", TILES6(NULL));
  check_kernel("f32_gemm_6x8__scalar + 4x8__scalar + 1x8__scalar", TILES6(f32_gemm_4x8__scalar));
#ifdef __wasm_simd128__
  check_kernel("f32_gemm_4x8__wasmsimd + 1x8__wasmsimd", TILES4(wasmsimd, wasmsimd));
  check_kernel("f32_gemm_4x8__wasmsimd + 1x8__scalar", TILES4(wasmsimd, scalar));
#endif
  check_qs8("qs8_gemm_4x8c2__scalar + qd16__scalar", qs8_gemm_4x8c2__scalar, f32_minmax__scalar,
            qd16_quantize__scalar);
#ifdef __wasm_simd128__
  check_qs8("qs8_gemm_4x8c2__wasmsimd + qd16__wasmsimd", qs8_gemm_4x8c2__wasmsimd,
            f32_minmax__wasmsimd, qd16_quantize__wasmsimd);
#endif
  check_pack_cols8("qd16_pack_cols8__scalar", qd16_pack_cols8__scalar);
#ifdef __wasm_simd128__
  check_pack_cols8("qd16_pack_cols8__wasmsimd", qd16_pack_cols8__wasmsimd);
#endif
  check_q4("q4_unpack_8__scalar + f32_gemm__scalar", q4_unpack_8__scalar, TILES4(scalar, scalar));
  check_q4("q4_unpack_8__scalar + f32_gemm_6x8__scalar", q4_unpack_8__scalar,
           TILES6(f32_gemm_4x8__scalar));
#ifdef __wasm_simd128__
  check_q4("q4_unpack_8__wasmsimd + f32_gemm__wasmsimd", q4_unpack_8__wasmsimd,
           TILES4(wasmsimd, wasmsimd));
#endif
  check_bnb4("bnb4 + f32_gemm__scalar", TILES4(scalar, scalar));
  check_bnb4("bnb4 + f32_gemm_6x8__scalar", TILES6(f32_gemm_4x8__scalar));
#ifdef __wasm_simd128__
  check_bnb4("bnb4 + f32_gemm__wasmsimd", TILES4(wasmsimd, wasmsimd));
#endif
  check_qs8c4();
#ifdef __wasm_simd128__
  check_qd8c4_twins();
#endif
  printf("kernel config: %s\n", wisp_kernel_config());
  return check_report("test_kernels");
}
