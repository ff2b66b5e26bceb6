// relaxed_twins.js — the relaxed-SIMD kernels against their scalar twins, on tails and odd sizes,
// in whatever engine runs it (relaxed_kernels.test.js: Node 22 and headless Chromium). The
// module is build-wasm/wisp_relaxed_test.wasm: the relaxed kernels plus the scalar twins, over a
// memory of its own. relaxed_madd may fuse or not: results must agree within a few ulps of
// Σ|a·b| (vector math: of the result); the int8 GEMM (relaxed_dot_i8x16_i7x16_add_s on uint8 ×
// int8, exact only where wisp_relaxed_usdot_exact says so, the only engines that use it;
// tests/c/test_kernels.c proves the scalar twin equals the integer product) must equal its twin
// bit for bit there. Returns the number of cases checked and whether the int8 GEMM was; throws
// on the first mismatch.

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

export async function runRelaxedTwins(bytes) {
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const k = instance.exports;
  const mem = k.memory;
  const base = (k.__heap_base.value + 63) & ~63;
  let top = base;
  const alloc = (floats) => {
    const p = top;
    top += ((floats * 4 + 16 + 63) >> 6) << 6;
    if (top > mem.buffer.byteLength) mem.grow(Math.ceil((top - mem.buffer.byteLength) / 65536));
    return p;
  };
  const f32 = () => new Float32Array(mem.buffer);
  const fill = (p, n, r) => { const h = f32(); for (let i = 0; i < n; i++) h[(p >> 2) + i] = r(); };
  const copy = (src, dst, n) => f32().copyWithin(dst >> 2, src >> 2, (src >> 2) + n);
  const r = rng(19);
  let cases = 0;

  // C regions of rows × ldc, with a sentinel everywhere the kernel must not store
  const compare = (what, c1, c2, n, bound) => {
    const h = f32();
    for (let i = 0; i < n; i++) {
      const a = h[(c1 >> 2) + i], b = h[(c2 >> 2) + i], tol = 4e-7 * bound[i];
      if (!(Math.abs(a - b) <= tol) && !(Number.isNaN(a) && Number.isNaN(b)))
        throw new Error(`${what}: element ${i}: relaxed ${a} vs scalar ${b} (tolerance ${tol})`);
    }
    cases++;
  };

  for (const kc of [0, 1, 2, 3, 7, 16, 33, 130]) {
    const lda = kc + 3, ldc = 11;
    const A = alloc(6 * lda), W = alloc(8 + 8 * kc), C1 = alloc(6 * ldc), C2 = alloc(6 * ldc);
    const B = alloc(kc * 21 + 8), bias = alloc(4);
    fill(A, 6 * lda, r), fill(W, 8 + 8 * kc, r), fill(B, kc * 21 + 8, r), fill(bias, 4, r);
    const h = f32();
    // Σ|a·b| + |bias| + |C| bounds the rounding difference of each output
    const bound = (mr, nc, getB, start) => {
      const out = new Float64Array(6 * ldc).fill(1);
      for (let i = 0; i < mr; i++)
        for (let j = 0; j < nc; j++) {
          let s = Math.abs(start(i, j));
          for (let q = 0; q < kc; q++) s += Math.abs(h[(A >> 2) + i * lda + q] * getB(q, j));
          out[i * ldc + j] = s;
        }
      return out;
    };
    for (const [lo, hi] of [[-Infinity, Infinity], [-0.5, 0.75]])
      for (const fromBias of [true, false])
        for (let mr = 1; mr <= 6; mr++)
          for (let nc = 1; nc <= 8; nc++) {
            const wb = fromBias ? W : 0;
            for (const [name, ok] of [['f32_gemm_4x8', mr <= 4], ['f32_gemm_6x8', true], ['f32_gemm_1x8', mr === 1]]) {
              if (!ok) continue;
              fill(C1, 6 * ldc, r), copy(C1, C2, 6 * ldc);
              const start = (i, j) => (fromBias ? h[(W >> 2) + j] : h[(C1 >> 2) + i * ldc + j]);
              const bnd = bound(mr, nc, (q, j) => h[(W >> 2) + 8 + q * 8 + j], start);
              k[`${name}__wasmrelaxed`](mr, nc, kc, A, lda, W + 32, wb, C1, ldc, lo, hi);
              k[`${name}__scalar`](mr, nc, kc, A, lda, W + 32, wb, C2, ldc, lo, hi);
              compare(`${name} mr=${mr} nc=${nc} kc=${kc} bias=${fromBias} clamp=${lo}`, C1, C2,
                6 * ldc, bnd);
            }
            // the GEMM driver gives the 6-row tile's last 2-4 rows to the 4-row one (gemm.h):
            // the two must compute a row alike, bit for bit
            if (mr <= 4) {
              fill(C1, 6 * ldc, r), copy(C1, C2, 6 * ldc);
              k.f32_gemm_4x8__wasmrelaxed(mr, nc, kc, A, lda, W + 32, wb, C1, ldc, lo, hi);
              k.f32_gemm_6x8__wasmrelaxed(mr, nc, kc, A, lda, W + 32, wb, C2, ldc, lo, hi);
              compare(`f32_gemm_4x8 = 6x8 mr=${mr} nc=${nc} kc=${kc} bias=${fromBias} clamp=${lo}`,
                C1, C2, 6 * ldc, new Float64Array(6 * ldc));
            }
          }
    for (const n of [1, 5, 8, 13, 21])
      for (let mr = 1; mr <= 4; mr++)
        for (const rb of [bias, 0]) {
          const ldcr = 23, C3 = alloc(4 * ldcr), C4 = alloc(4 * ldcr);
          fill(C3, 4 * ldcr, r), copy(C3, C4, 4 * ldcr);
          const hh = f32(), bnd = new Float64Array(4 * ldcr).fill(1);
          for (let i = 0; i < mr; i++)
            for (let j = 0; j < n; j++) {
              let s = Math.abs(rb ? hh[(bias >> 2) + i] : hh[(C4 >> 2) + i * ldcr + j]) + 4;
              for (let q = 0; q < kc; q++)
                s += Math.abs(hh[(A >> 2) + i * lda + q] * hh[(B >> 2) + q * 21 + j]);
              bnd[i * ldcr + j] = s;
            }
          k.f32_gemm_rowbias_4x8__wasmrelaxed(mr, n, kc, A, lda, B, 21, rb, C3, ldcr, -1, 1);
          k.f32_gemm_rowbias_4x8__scalar(mr, n, kc, A, lda, B, 21, rb, C4, ldcr, -1, 1);
          compare(`f32_gemm_rowbias_4x8 mr=${mr} n=${n} kc=${kc} bias=${!!rb}`, C3, C4, 4 * ldcr, bnd);
        }
  }
  // depthwise rows (kernels/dwconv.h) over a plane of 20 rows of 80: the 3×3, 5×5 and 7×7 paths
  // and the general one (2 and 3×1), strides 1 to 3, dilations 1 and 2, widths over the tails
  {
    const PW = 80, plane = alloc(20 * PW + 4), w = alloc(49), tap = alloc(7), out = 2 * 19;
    const O1 = alloc(out), O2 = alloc(out);
    fill(plane, 20 * PW + 4, r), fill(w, 49, r);
    for (const [kh, kw] of [[3, 3], [5, 5], [7, 7], [2, 2], [3, 1]])
      for (let s = 1; s <= 3; s++)
        for (let d = 1; d <= 2; d++)
          for (const ow of [1, 4, 5, 8, 11, 19])
            for (const [lo, hi] of [[-Infinity, Infinity], [0, 0.5]]) {
              const i32 = new Int32Array(mem.buffer), h = f32();
              for (let t = 0; t < kh; t++) i32[(tap >> 2) + t] = t * d * PW;
              fill(O1, out, r), copy(O1, O2, out);
              const bnd = new Float64Array(out).fill(1);
              for (let oh = 0; oh < 2; oh++)
                for (let o = 0; o < ow; o++) {
                  let acc = 0.25;
                  for (let t = 0; t < kh; t++)
                    for (let j = 0; j < kw; j++)
                      acc += Math.abs(h[(w >> 2) + t * kw + j] * h[(plane >> 2) + (oh * s + t * d) * PW + o * s + j * d]);
                  bnd[oh * ow + o] = acc;
                }
              k.f32_dwconv_rows__wasmrelaxed(2, ow, kh, kw, s, d, plane, s * PW, tap, w, 0.25, lo, hi, O1);
              k.f32_dwconv_rows__scalar(2, ow, kh, kw, s, d, plane, s * PW, tap, w, 0.25, lo, hi, O2);
              compare(`f32_dwconv_rows ${kh}×${kw} s=${s} d=${d} ow=${ow} clamp=${lo}`, O1, O2, out, bnd);
            }
  }
  // Winograd F(4×4, 3×3) transforms (kernels/winograd.h), 4 tiles a call: the input's 6×6 patches
  // 4 columns apart, the output's 4×4 tiles with bias and clamps; bound: Σ|terms| of each value,
  // doubled (two passes of up to 4 roundings each)
  {
    const BT = [[1, -1.5, -2, 1.5, 1, 0], [0, 1, -2.5, 0.5, 1, 0], [0, -1, 0.5, 2.5, 1, 0],
      [0, -2, -1, 2, 1, 0], [0, 0.5, -1, -0.5, 1, 0], [0, 1, -1.5, -2, 1.5, 1]];
    const AT = [[1, 1, 1, 1, 1, 0], [0, -1, 1, 0.5, -2, 0], [0, 1, 1, 0.25, 4, 0], [0, -1, 1, 0.125, -8, 1]];
    const terms = (L, a, b, at) => { // Σ_ij |L[a][i] L[b][j] v(i, j)|
      let acc = 0;
      for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) acc += Math.abs(L[a][i] * L[b][j] * at(i, j));
      return 2 * acc;
    };
    const XS = 20, X = alloc(6 * XS), OS = 5, I1 = alloc(36 * OS), I2 = alloc(36 * OS);
    const YS = 18, Y1 = alloc(4 * YS), Y2 = alloc(4 * YS);
    for (let round = 0; round < 20; round++) {
      const scale = [1, 1e-3, 300][round % 3];
      fill(X, 6 * XS, () => scale * r()), fill(I1, 36 * OS, r), copy(I1, I2, 36 * OS);
      k.f32_wino43_input4__wasmrelaxed(X, XS, I1, OS);
      k.f32_wino43_input4__scalar(X, XS, I2, OS);
      const h = f32(), bin = new Float64Array(36 * OS);
      for (let xi = 0; xi < 36; xi++)
        for (let t = 0; t < 4; t++)
          bin[xi * OS + t] = terms(BT, Math.floor(xi / 6), xi % 6, (i, j) => h[(X >> 2) + i * XS + 4 * t + j]);
      compare(`f32_wino43_input4 round ${round}`, I1, I2, 36 * OS, bin);
      // the input transform's output (lanes 0-3 of each position) is the output transform's input
      const bias = 0.3 * scale, [lo, hi] = round % 2 ? [-Infinity, Infinity] : [-0.5 * scale, 2 * scale];
      fill(Y1, 4 * YS, r), copy(Y1, Y2, 4 * YS);
      k.f32_wino43_output4__wasmrelaxed(I2, OS, bias, lo, hi, Y1, YS);
      k.f32_wino43_output4__scalar(I2, OS, bias, lo, hi, Y2, YS);
      const bout = new Float64Array(4 * YS), h2 = f32();
      for (let rr = 0; rr < 4; rr++)
        for (let t = 0; t < 4; t++)
          for (let c = 0; c < 4; c++)
            bout[rr * YS + 4 * t + c] = terms(AT, rr, c, (i, j) => h2[(I2 >> 2) + (6 * i + j) * OS + t]) + 2 * Math.abs(bias);
      compare(`f32_wino43_output4 round ${round}`, Y1, Y2, 4 * YS, bout);
    }
  }
  // vector math (kernels/vmath.h): softmax's exp of x - max, erf, GELU, sigmoid and SiLU over
  // sweeps with the 4-wide loop's tails; a few ulps apart (relaxed_madd may fuse)
  for (const n of [1, 3, 4, 5, 8, 13, 67]) {
    const X = alloc(n), Y1 = alloc(n), Y2 = alloc(n);
    const sweep = (lo, hi) => { const h = f32(); for (let i = 0; i < n; i++) h[(X >> 2) + i] = lo + ((hi - lo) * (i + 0.37)) / n; };
    const scaled = (Y, rel, abs) => Float64Array.from(f32().subarray(Y >> 2, (Y >> 2) + n), (v) => (rel * Math.abs(v) + abs) / 4e-7);
    sweep(-30, 1.5);
    const s1 = k.f32_vexp__wasmrelaxed(n, X, 1.5, Y1), s2 = k.f32_vexp__scalar(n, X, 1.5, Y2);
    compare(`f32_vexp n=${n}`, Y1, Y2, n, scaled(Y2, 2e-6, 0));
    if (!(Math.abs(s1 - s2) <= 2e-6 * Math.abs(s2))) throw new Error(`f32_vexp n=${n}: sum ${s1} vs ${s2}`);
    for (const [name, lo, hi, rel, abs] of [['f32_verf', -5, 5, 0, 2e-6], ['f32_vgelu', -8, 8, 2e-6, 2e-6],
      ['f32_vsigmoid', -40, 40, 2e-6, 0], ['f32_vsilu', -40, 40, 2e-6, 1e-30]]) {
      sweep(lo, hi);
      k[`${name}__wasmrelaxed`](n, X, Y1);
      k[`${name}__scalar`](n, X, Y2);
      compare(`${name} n=${n}`, Y1, Y2, n, scaled(Y2, rel, abs));
    }
  }
  // int8 quads: int8 weights (-128 and 127 included) and uint8 with zero points
  const int8 = k.wisp_relaxed_usdot_exact(-128, 127, 255) === 1;
  const i32 = () => new Int32Array(mem.buffer), u8 = () => new Uint8Array(mem.buffer);
  for (const K of int8 ? [0, 1, 3, 4, 5, 17, 64, 130] : [])
    for (const signed of [1, 0])
      for (let nc = 1; nc <= 8; nc++) {
        const ldc = 9, rowBytes = k.wisp_qs8c4_row_bytes(K);
        const x = alloc(6 * K), W = alloc(K * nc), zp = alloc(nc), scale = alloc(nc);
        const bias = alloc(nc), A = alloc(2 * rowBytes), P = alloc(Number(k.wisp_qs8c4_gemm_packed_size(K, nc)) / 4); // uint64_t: a BigInt
        const C1 = alloc(6 * ldc), C2 = alloc(6 * ldc);
        fill(x, 6 * K, () => 3 * r()), fill(scale, nc, () => 0.01 + 0.01 * Math.abs(r())), fill(bias, nc, r);
        for (let i = 0; i < K * nc; i++) {
          const v = i % 7 === 0 ? -128 : i % 7 === 1 ? 127 : Math.round(127 * r());
          u8()[W + i] = signed ? v & 255 : (v + 128) & 255;
        }
        for (let j = 0; j < nc; j++) i32()[(zp >> 2) + j] = signed ? 0 : [90, 0, 255][j % 3];
        k.wisp_qs8c4_gemm_pack(K, nc, W, signed, zp, scale, bias, P);
        for (const [aScale, aZp] of [[0.02, 77], [0.013, 0], [0.05, 255]]) {
          k.qd8c4_quantize_rows__scalar(6, K, x, aScale, aZp, A);
          for (let mr = 1; mr <= 6; mr++) {
            fill(C1, 6 * ldc, r), copy(C1, C2, 6 * ldc);
            const kg = (K + 3) >> 2;
            k.qs8_gemm_6x8c4__wasmrelaxed(mr, nc, kg, A, rowBytes, P, aScale, C1, ldc);
            k.qs8_gemm_6x8c4__scalar(mr, nc, kg, A, rowBytes, P, aScale, C2, ldc);
            compare(`qs8_gemm_6x8c4 mr=${mr} nc=${nc} K=${K} signed=${signed} zp=${aZp}`, C1, C2,
              6 * ldc, new Float64Array(6 * ldc));
          }
        }
      }
  return { cases, int8 };
}
