/* smt_check.c — do this machine's two CPUs have SIMD units of their own? Two threads each run
 * a loop that keeps the FMA units busy (8 independent chains), then a loop bound by one chain's
 * latency, and each is timed against one thread doing half the work. Separate cores give about
 * 2× throughput on both; two hyperthreads of one core give about 1× on the first (they share the
 * units) and 2× on the second. GEMM-bound models (bench/threads.js) can scale no better than the
 * first figure. Native x86-64 (AVX2 + FMA), not part of the build:
 *
 *   gcc -O2 -mavx2 -mfma -pthread bench/smt_check.c -o /tmp/smt_check && /tmp/smt_check */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

typedef struct {
  long steps;
  float out;
} job;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static float lane0(__m256 v) { return _mm_cvtss_f32(_mm256_castps256_ps128(v)); }

/* Eight independent multiply-add chains in registers: the FMA units stay busy. */
static void *spin8(void *arg) {
  job *j = arg;
  __m256 b = _mm256_set1_ps(0.9999f), c = _mm256_set1_ps(1e-4f);
  /* distinct starts, or the compiler merges chains that compute the same values */
  __m256 a0 = _mm256_set1_ps(0.1f), a1 = _mm256_set1_ps(0.2f), a2 = _mm256_set1_ps(0.3f),
         a3 = _mm256_set1_ps(0.4f), a4 = _mm256_set1_ps(0.5f), a5 = _mm256_set1_ps(0.6f),
         a6 = _mm256_set1_ps(0.7f), a7 = _mm256_set1_ps(0.8f);
  for (long n = 0; n < j->steps; n++) {
    a0 = _mm256_fmadd_ps(a0, b, c), a1 = _mm256_fmadd_ps(a1, b, c);
    a2 = _mm256_fmadd_ps(a2, b, c), a3 = _mm256_fmadd_ps(a3, b, c);
    a4 = _mm256_fmadd_ps(a4, b, c), a5 = _mm256_fmadd_ps(a5, b, c);
    a6 = _mm256_fmadd_ps(a6, b, c), a7 = _mm256_fmadd_ps(a7, b, c);
  }
  /* kept, so the loop is not optimised away */
  j->out =
      lane0(a0) + lane0(a1) + lane0(a2) + lane0(a3) + lane0(a4) + lane0(a5) + lane0(a6) + lane0(a7);
  return NULL;
}

/* One chain: each multiply-add waits for the last (bound by latency, the units mostly idle). */
static void *spin1(void *arg) {
  job *j = arg;
  __m256 a = _mm256_set1_ps(0.5f), b = _mm256_set1_ps(0.9999f), c = _mm256_set1_ps(1e-4f);
  for (long n = 0; n < j->steps; n++) a = _mm256_fmadd_ps(a, b, c);
  j->out = lane0(a);
  return NULL;
}

/* Throughput of two threads over one: 2 × (time of one job) / (time of two jobs at once). */
static double speedup(void *(*spin)(void *), long steps) {
  job a = {steps, 0}, b = {steps, 0};
  double t0 = now();
  spin(&a);
  double t1 = now();
  pthread_t other;
  pthread_create(&other, NULL, spin, &b);
  spin(&a);
  pthread_join(other, NULL);
  double t2 = now();
  return 2 * (t1 - t0) / (t2 - t1);
}

int main(void) {
  for (int round = 0; round < 3; round++) {
    double units = speedup(spin8, 100000000L), latency = speedup(spin1, 400000000L);
    printf("2 threads / 1: FMA-bound %.2f×, latency-bound %.2f×\n", units, latency);
  }
  return 0;
}
