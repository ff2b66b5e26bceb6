/* The parallel-for covers every element once, and the tiled GEMM drivers give the 1-thread
 * result bit for bit for every thread count (natively the tiles run in order on one thread:
 * the same partition as the threaded wasm build's). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels/config.h"
#include "kernels/gemm.h"
#include "threads.h"

static float frand(unsigned *seed) {
  *seed = *seed * 1103515245u + 12345u;
  return (float)((*seed >> 8) & 0xffff) / 32768.0f - 1.0f;
}

typedef struct {
  size_t range_j;
  int *hits;
} cover;

static void count_tile(void *ctx, int thread, size_t i, size_t j, size_t ni, size_t nj) {
  cover *c = ctx;
  for (size_t a = i; a < i + ni; a++)
    for (size_t b = j; b < j + nj; b++) c->hits[a * c->range_j + b]++;
}

static void check_cover(size_t ri, size_t rj, size_t ti, size_t tj) {
  cover c = {rj, calloc(ri * rj + 1, sizeof(int))};
  wisp_parallel_2d(ri, rj, ti, tj, count_tile, &c);
  int ok = 1;
  for (size_t k = 0; k < ri * rj; k++) ok &= c.hits[k] == 1;
  CHECK(ok);
  free(c.hits);
}

/* C from threads = 1 against threads = n, for the packed GEMM and the 1×1-conv (rowbias) one. */
static void check_gemms(int M, int N, int K, unsigned *seed) {
  float *A = malloc(sizeof(float) * (M * K + 1)), *B = malloc(sizeof(float) * (K * N + 1));
  float *bias = malloc(sizeof(float) * (N + M + 1));
  float *packed = malloc(sizeof(float) * wisp_f32_gemm_packed_size(K, N));
  float *tail = malloc(sizeof(float) * (K * WISP_GEMM_NR + 1));
  float *c1 = malloc(sizeof(float) * (M * N + 1)), *cn = malloc(sizeof(float) * (M * N + 1));
  float *r1 = malloc(sizeof(float) * (M * N + 1)), *rn = malloc(sizeof(float) * (M * N + 1));
  for (int i = 0; i < M * K; i++) A[i] = frand(seed);
  for (int i = 0; i < K * N; i++) B[i] = frand(seed);
  for (int i = 0; i < N + M; i++) bias[i] = frand(seed);
  wisp_f32_gemm_pack(K, N, B, N, 1, bias, packed);
  wisp_f32_vunary_fn silu = wisp_kernels()->vmath.silu; /* a fused epilogue, per tile */
  wisp_threads_set(1);
  wisp_f32_gemm(M, N, K, A, K, packed, c1, N, -INFINITY, 0.5f);
  wisp_f32_gemm_rowbias(M, N, K, A, K, B, N, bias + N, r1, N, -0.5f, INFINITY, silu, tail);
  for (int t = 2; t <= WISP_MAX_THREADS; t *= 2) {
    wisp_threads_set(t);
    memset(cn, 0xff, sizeof(float) * M * N), memset(rn, 0xff, sizeof(float) * M * N);
    wisp_f32_gemm(M, N, K, A, K, packed, cn, N, -INFINITY, 0.5f);
    wisp_f32_gemm_rowbias(M, N, K, A, K, B, N, bias + N, rn, N, -0.5f, INFINITY, silu, tail);
    CHECK(!memcmp(c1, cn, sizeof(float) * M * N));
    CHECK(!memcmp(r1, rn, sizeof(float) * M * N));
  }
  wisp_threads_set(1);
  free(A), free(B), free(bias), free(packed), free(tail), free(c1), free(cn), free(r1), free(rn);
}

/* GELU over the threads in chunks: the same values as one call. */
static void check_map(size_t n, unsigned *seed) {
  float *x = malloc(sizeof(float) * (n + 1)), *y1 = malloc(sizeof(float) * (n + 1));
  float *yn = malloc(sizeof(float) * (n + 1));
  for (size_t i = 0; i < n; i++) x[i] = 4 * frand(seed);
  wisp_threads_set(1);
  wisp_parallel_map(wisp_kernels()->vmath.gelu, n, x, y1);
  wisp_threads_set(4);
  wisp_parallel_map(wisp_kernels()->vmath.gelu, n, x, yn);
  wisp_threads_set(1);
  CHECK(!memcmp(y1, yn, sizeof(float) * n));
  CHECK(n < 2 || y1[n - 1] != y1[n / 2]);
  free(x), free(y1), free(yn);
}

int main(void) {
  check_cover(1, 1, 1, 1);
  check_cover(17, 33, 4, 8);
  check_cover(64, 7, 5, 3);
  check_cover(0, 9, 4, 8);
  wisp_threads_set(0);
  CHECK(wisp_threads() == 1);
  wisp_threads_set(1000);
  CHECK(wisp_threads() == WISP_MAX_THREADS);
  unsigned seed = 7;
  static const int sizes[][3] = {{1, 1, 1},     {3, 5, 2},      {9, 19, 33},      {64, 64, 64},
                                 {37, 130, 17}, {128, 384, 96}, {130, 1001, 520}, {5, 800, 600}};
  for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
    check_gemms(sizes[s][0], sizes[s][1], sizes[s][2], &seed);
  check_map(0, &seed);
  check_map(5, &seed);
  check_map(100003, &seed);
  return check_report("test_threads");
}
