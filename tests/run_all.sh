#!/usr/bin/env bash
# Runs every wisp test. Expects .ci/setup to have run (it builds build/ and web/wisp.wasm).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== formatting, lint, API reference (tests/lint.sh) =="
bash tests/lint.sh

echo "== C unit tests and ONNX conformance (native) =="
cmake --build build -j"$jobs" >/dev/null
(cd build && ctest --output-on-failure)
./build/wisp_conformance /usr/share/libonnx-testdata/data/node tests/conformance/expected_pass.txt \
  2>/dev/null | tail -n 1

echo "== the same under AddressSanitizer + UndefinedBehaviorSanitizer =="
cmake -S . -B build-asan -DWISP_SANITIZE=ON -DWISP_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure)

echo "== SIMD kernels against their scalar twins (wasm, under node) =="
NODE_PATH=/usr/share/nodejs cmake --build build-wasm -j"$jobs" >/dev/null
(cd build-wasm && ctest --output-on-failure)

echo "== fuzzing (libFuzzer, ${WISP_FUZZ_SECONDS:=60} s per target) =="
# loader: any bytes as a model; run: fuzzed inputs to valid models; image: preprocessing;
# external: external data and extra outputs. Each starts from its corpus in tests/fuzz/corpus/
# (tests/fuzz/long.sh grows and minimises it); the loader also from the fixtures.
CC=clang cmake -S . -B build-fuzz -DWISP_FUZZ=ON -DWISP_WERROR=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_loader fuzz_run fuzz_image fuzz_external >/dev/null
for t in loader run image external; do
  corpus=$(mktemp -d)
  cp tests/fuzz/corpus/fuzz_$t/* "$corpus"/
  if [ $t = loader ]; then
    cp tests/fixtures/*.onnx tests/fixtures/tabular/ops/*.onnx tests/fixtures/contrib/*.onnx "$corpus"/
    for m in gemm_all_attributes softmax_axis_1 reshape_negative_dim matmul_3d add_bcast flatten_axis1; do
      cp "/usr/share/libonnx-testdata/data/node/test_$m/model.onnx" "$corpus/$m.onnx"
    done
  fi
  # 2.2 GB malloc cap: wisp refuses tensors over 2 GB, so anything larger is a bug.
  echo "fuzz_$t:"
  log=$(mktemp)
  if UBSAN_OPTIONS=halt_on_error=1 ./build-fuzz/fuzz_$t -max_total_time="$WISP_FUZZ_SECONDS" \
    -malloc_limit_mb=2200 -rss_limit_mb=6000 -artifact_prefix="$corpus/" "$corpus" >"$log" 2>&1; then
    grep -E "^Done" "$log"
  else
    # a finding only CI met must be reproducible: print its stack and the input itself
    grep -E "ERROR|SUMMARY|^ +#[0-9]+ " "$log" | head -n 40
    for a in "$corpus"/crash-* "$corpus"/oom-* "$corpus"/leak-* "$corpus"/timeout-*; do
      [ -f "$a" ] && echo "input $(basename "$a") (base64):" && head -c 65536 "$a" | base64 -w 0 && echo
    done
    exit 1
  fi
  rm -rf "$corpus" "$log"
done

echo "== JavaScript API, parity with onnxruntime-node, browser (node --test) =="
# torchvision models for the parity tests (too large to commit; seeded, so always the same)
[ -f bench/models/resnet18.onnx ] && [ -f bench/models/mobilenet_v2.onnx ] || \
  /usr/bin/python3 bench/make_models.py 2>&1 | grep -v -i warn
# BERT-tiny and MiniLM-L6 with random weights for the text parity tests (~110 MB; seeded)
[ -f bench/models/bert-tiny/onnx/model.onnx ] && [ -f bench/models/minilm-l6/onnx/model.onnx ] || \
  /usr/bin/python3 bench/make_text_models.py 2>&1 | grep -v -i warn
# the model zoo (CI-sized members, ~100 MB; seeded) for tests/js/zoo.test.js
[ -f bench/models/zoo/manifest.json ] || /usr/bin/python3 bench/make_zoo.py --small 2>&1 | grep -v -i warn
# their q8 forms (models/quantize.py, Hugging Face dynamic quantization) for tests/js/quant.test.js
for m in bert-tiny minilm-l6; do
  [ -f bench/models/$m/onnx/model_quantized.onnx ] || /usr/bin/python3 models/quantize.py bench/models/$m
done
# every other precision a Transformers.js folder ships (models/convert_precision.py) of them and of
# the zoo's ViT, for tests/js/precision.test.js (issue 13's parity on each precision)
for m in bert-tiny minilm-l6; do
  [ -f bench/models/$m/onnx/model_uint8.onnx ] || /usr/bin/python3 models/convert_precision.py \
    bench/models/$m fp16 q4 q4f16 bnb4 int8 uint8 >/dev/null
done
[ -f bench/models/zoo/vit_small_cfg_uint8.onnx ] || /usr/bin/python3 models/convert_precision.py \
  bench/models/zoo/vit_small_cfg.onnx int8 uint8 >/dev/null
# ResNet-18 in quantize_dynamic's CNN form (dynamic uint8 convs, tests/js/quant.test.js)
[ -f bench/models/resnet18_quantized.onnx ] || /usr/bin/python3 models/quantize.py \
  bench/models/resnet18.onnx bench/models/resnet18_quantized.onnx --uint8 >/dev/null
# ResNet-18 and MobileNetV2 with static QDQ convs (int8 GEMM convs against onnxruntime)
for m in resnet18 mobilenet_v2; do
  [ -f bench/models/${m}_uint8.onnx ] || /usr/bin/python3 models/convert_precision.py \
    bench/models/$m.onnx int8 uint8 --conv --out bench/models >/dev/null
done
node --test tests/js/

echo "== the relaxed-SIMD build under Node 22 and 24 (.node22/, .node24/, from npm by .ci/setup) =="
# (vision.test.js and zoo.test.js: the relaxed kernels inside whole models, which run in the
# relaxed module's stackless memory, unlike the twin test's module; the zoo's architectures too)
.node22/node_modules/.bin/node --test tests/js/relaxed_kernels.test.js tests/js/parity.test.js \
  tests/js/quant.test.js tests/js/vision.test.js tests/js/zoo.test.js
# Node 24 picks the 6-row f32 tile and, as Chromium, the relaxed int8 GEMM (its relaxed dot is
# exact on uint8): their twins, parity, q8, and N threads equal to 1 bit for bit
.node24/node_modules/.bin/node --test tests/js/relaxed_kernels.test.js tests/js/parity.test.js \
  tests/js/quant.test.js tests/js/threads.test.js tests/js/vision.test.js tests/js/zoo.test.js

echo "== the demo page in headless Chromium (node --test tests/e2e/) =="
node --test tests/e2e/
