/* peak.c — what this x86-64 CPU itself retires of the instructions V8 lowers wisp's tile loops
 * to, natively, with 128-bit registers as wasm has: the ceiling bench/gemm_relaxed.js's tile loops
 * and GEMMs are held against (issue 19). Ten independent accumulators per loop, so each row is
 * bound by its instructions' throughput, not their latency.
 *   gcc -O2 -o build/peak bench/peak.c && build/peak
 * Rows, in G ops/s (2 per multiply-add, as gemm_micro.js counts them):
 *   vfmadd231ps        f32x4.relaxed_madd where the CPU has FMA3
 *   vmulps + vaddps    SIMD128's f32x4.mul + f32x4.add
 *   vpdpbusd           i32x4.relaxed_dot_i8x16_i7x16_add_s where it has AVX-VNNI (Chromium)
 *   vpmaddwd + vpaddd  SIMD128's i32x4.dot_i16x8_s + i32x4.add */
#include <stdio.h>
#include <time.h>

#if !defined(__x86_64__)
int main(void) {
  puts("peak: x86-64 only");
  return 0;
}
#else

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

#define TEN(op, a, b) \
  op " " a "," b ",%%xmm2\n" op " " a "," b ",%%xmm3\n" op " " a "," b ",%%xmm4\n" op " " a "," b \
     ",%%xmm5\n" op " " a "," b ",%%xmm6\n" op " " a "," b ",%%xmm7\n" op " " a "," b \
     ",%%xmm8\n" op " " a "," b ",%%xmm9\n" op " " a "," b ",%%xmm10\n" op " " a "," b \
     ",%%xmm11\n"
#define CLOBBERS \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", \
      "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
#define MULADD(acc) "vmulps %%xmm14,%%xmm15,%%xmm0\n vaddps %%xmm0," acc "," acc "\n"
#define DOTADD(acc) "vpmaddwd %%xmm14,%%xmm15,%%xmm0\n vpaddd %%xmm0," acc "," acc "\n"

/* Runs `iters` loop trips of one kind: 10 instructions (or pairs) a trip. */
static void trips(int kind, long iters) {
  switch (kind) {
    case 0:
      __asm__ volatile("1:\n" TEN("vfmadd231ps", "%%xmm14", "%%xmm15") "dec %0\n jnz 1b\n"
                       : "+r"(iters)::CLOBBERS);
      break;
    case 1:
      __asm__ volatile("1:\n" MULADD("%%xmm2") MULADD("%%xmm3") MULADD("%%xmm4") MULADD("%%xmm5")
                           MULADD("%%xmm6") MULADD("%%xmm7") MULADD("%%xmm8") MULADD("%%xmm9")
                               MULADD("%%xmm10") MULADD("%%xmm11") "dec %0\n jnz 1b\n"
                       : "+r"(iters)::CLOBBERS);
      break;
    case 2: /* %{vex%}: the AVX-VNNI encoding, not AVX512-VNNI's */
      __asm__ volatile("1:\n" TEN("%{vex%} vpdpbusd", "%%xmm14", "%%xmm15") "dec %0\n jnz 1b\n"
                       : "+r"(iters)::CLOBBERS);
      break;
    default:
      __asm__ volatile("1:\n" DOTADD("%%xmm2") DOTADD("%%xmm3") DOTADD("%%xmm4") DOTADD("%%xmm5")
                           DOTADD("%%xmm6") DOTADD("%%xmm7") DOTADD("%%xmm8") DOTADD("%%xmm9")
                               DOTADD("%%xmm10") DOTADD("%%xmm11") "dec %0\n jnz 1b\n"
                       : "+r"(iters)::CLOBBERS);
  }
}

/* __builtin_cpu_supports takes only string literals */
static int supported(int kind) {
  return kind == 0   ? __builtin_cpu_supports("fma")
         : kind == 2 ? __builtin_cpu_supports("avxvnni")
                     : 1;
}

int main(void) {
  static const struct {
    const char *name;
    int ops; /* per instruction (or pair): 2 × its multiply-adds */
  } rows[] = {{"f32 vfmadd231ps (relaxed_madd)", 8},
              {"f32 vmulps + vaddps (mul + add)", 8},
              {"int8 vpdpbusd (relaxed dot, AVX-VNNI)", 32},
              {"int16 vpmaddwd + vpaddd (dot_i16x8 + add)", 16}};
  const long iters = 20000000;
  __builtin_cpu_init();
  printf("best of 20 runs of %ld × 10 per row, G ops/s (2 per multiply-add)\n", iters);
  for (int k = 0; k < 4; k++) {
    if (!supported(k)) {
      printf("%-44s not on this CPU\n", rows[k].name);
      continue;
    }
    double best = 0;
    for (int r = 0; r < 20; r++) {
      double t = now();
      trips(k, iters);
      double g = (double)iters * 10 * rows[k].ops / (now() - t) / 1e9;
      best = g > best ? g : best;
    }
    printf("%-44s %6.1f\n", rows[k].name, best);
  }
  return 0;
}
#endif
