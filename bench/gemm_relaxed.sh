#!/usr/bin/env bash
# Builds the two kernel builds bench/gemm_relaxed.js compares (SIMD128 and relaxed SIMD; f32 and int8) with
# clang-19 + wasm-ld-19 into build-wasm/gemm_tile_{simd128,relaxed}.wasm.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build-wasm
for v in simd128 relaxed; do
  flags=(--target=wasm32 --sysroot=/usr/share/emscripten/cache/sysroot -msimd128 -mbulk-memory
         -O3 -DNDEBUG)
  [ $v = relaxed ] && flags+=(-mrelaxed-simd)
  objs=()
  q=(src/kernels/qs8_gemm_4x8c2__wasmsimd.c src/kernels/qs8_gemm_pack.c src/kernels/qd16_quantize__scalar.c)
  [ $v = relaxed ] && q=(src/kernels/qs8_gemm_6x8c4__wasmrelaxed.c src/kernels/qs8c4_gemm_pack.c
                         src/kernels/qd16_quantize__scalar.c)
  f32=(src/kernels/f32_gemm_4x8__wasmsimd.c)
  [ $v = relaxed ] && f32+=(src/kernels/f32_gemm_6x8__wasmrelaxed.c)
  for f in bench/gemm_tile.c "${f32[@]}" src/kernels/f32_gemm_1x8__wasmsimd.c \
           src/kernels/f32_gemm_pack.c src/threads.c "${q[@]}"; do
    o=build-wasm/gemm_tile_$v.$(basename "$f" .c).o
    clang-19 "${flags[@]}" -c "$f" -o "$o"
    objs+=("$o")
  done
  # the *_pack.c files also hold the drivers over the core's kernel table, never called here
  wasm-ld-19 --no-entry --allow-undefined -O3 "${objs[@]}" -o build-wasm/gemm_tile_$v.wasm
done
# the CPU's own rate of the instructions V8 lowers those to (x86-64; gemm_relaxed.js prints it)
gcc -O2 -o build-wasm/peak bench/peak.c
