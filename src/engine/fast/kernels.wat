;; gatescope's WebAssembly SIMD kernels: the engine's hot path in float32.
;;
;; Assembled by scripts/build-wasm.mjs (wabt) into kernels.wasm.ts; the TypeScript engine in
;; ../network.ts stays the reference. Every pointer, offset and stride is in bytes.
;;
;; Layout shared with layout.ts:
;;   Hp   H rounded up to a multiple of 4, so that every unit loop is whole f32x4 vectors; padded
;;        units have zero weights, biases and initial state and so stay exactly 0.
;;   GHp  G*Hp gate rows, grouped per gate (i | f | g | o for LSTM), each group Hp rows.
;;   panel  W (rows, n) is stored as column panels: first np28 panels of 28 rows, then np4
;;        panels of 4 rows. A panel is (n, width) row-major and contiguous, so the matvec walks
;;        memory in order and keeps its accumulators in registers: for each input j it loads
;;        x[j] once (splat) and one weight vector per accumulator (mul + add here; fused
;;        multiply-add in the relaxed build).
;;
;; Activations are vectorised float32 approximations: tanh a rational function (see $tanh4),
;; sigmoid(x) = 1/2 + tanh(x/2)/2 (no exp: cheaper than 1 / (1 + exp(-x)), measured). Absolute
;; errors stay below 4e-7, far inside the engine's 1e-5 fidelity tolerance.

(module
  (import "env" "memory" (memory 1))

  ;; sigmoid(x) = 1/2 + tanh(x/2)/2: saturates to exactly 0 or 1 (beyond |x| = 15.8), absolute
  ;; error below 3e-7.
  (func $sigmoid4 (param $x v128) (result v128)
    (f32x4.add
      (v128.const f32x4 0.5 0.5 0.5 0.5)
      (f32x4.mul (v128.const f32x4 0.5 0.5 0.5 0.5) (call $tanh4 (f32x4.mul (local.get $x) (v128.const f32x4 0.5 0.5 0.5 0.5))))))

  ;; tanh(x) = x P(x^2) / Q(x^2), the rational minimax approximation Eigen uses for float
  ;; (degree 13 over 6), on x clamped to +-7.905311 where tanh rounds to +-1 in float32: absolute
  ;; error below 4e-7, relative error near 0 below 3e-7.
  (func $tanh4 (param $x v128) (result v128)
    (local $z v128) (local $p v128) (local $q v128)
    (local.set $x (f32x4.pmax (f32x4.pmin (local.get $x) (v128.const f32x4 7.90531110763549805 7.90531110763549805 7.90531110763549805 7.90531110763549805)) (v128.const f32x4 -7.90531110763549805 -7.90531110763549805 -7.90531110763549805 -7.90531110763549805)))
    (local.set $z (f32x4.mul (local.get $x) (local.get $x)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $z) (v128.const f32x4 -2.76076847742355e-16 -2.76076847742355e-16 -2.76076847742355e-16 -2.76076847742355e-16)) (v128.const f32x4 2.00018790482477e-13 2.00018790482477e-13 2.00018790482477e-13 2.00018790482477e-13)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 -8.60467152213735e-11 -8.60467152213735e-11 -8.60467152213735e-11 -8.60467152213735e-11)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 5.12229709037114e-08 5.12229709037114e-08 5.12229709037114e-08 5.12229709037114e-08)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 1.48572235717979e-05 1.48572235717979e-05 1.48572235717979e-05 1.48572235717979e-05)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 6.37261928875436e-04 6.37261928875436e-04 6.37261928875436e-04 6.37261928875436e-04)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 4.89352455891786e-03 4.89352455891786e-03 4.89352455891786e-03 4.89352455891786e-03)))
    (local.set $q (f32x4.add (f32x4.mul (local.get $z) (v128.const f32x4 1.19825839466702e-06 1.19825839466702e-06 1.19825839466702e-06 1.19825839466702e-06)) (v128.const f32x4 1.18534705686654e-04 1.18534705686654e-04 1.18534705686654e-04 1.18534705686654e-04)))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z)) (v128.const f32x4 2.26843463243900e-03 2.26843463243900e-03 2.26843463243900e-03 2.26843463243900e-03)))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z)) (v128.const f32x4 4.89352518554385e-03 4.89352518554385e-03 4.89352518554385e-03 4.89352518554385e-03)))
    (f32x4.div (f32x4.mul (local.get $x) (local.get $p)) (local.get $q)))

  ;; @gemm-begin (scripts/build-wasm.mjs puts gemm-relaxed.wat here for the relaxed-SIMD build)
  ;; out[t, r] = init[t, r] + sum_j W[r, j] x[t, j]   for t in [0, T), r in [0, 28 np28 + 4 np4)
  ;;   W: panels over n inputs (see the header); x[t] at x + t xStride; out[t] at out + t outStride;
  ;;   init[t] at init + t initStride (0: one bias row for every t). out may alias init.
  ;; Panel-outer, time-inner: a panel (n * 112 bytes) stays in cache across all T steps, which is
  ;; what makes the input projection of a whole chunk a matrix-matrix product. Seven accumulators
  ;; (28 rows): each add chain waits its latency per input, so more chains go faster, up to the
  ;; xmm registers V8 has (with eight it spills one). gemm-relaxed.wat is the same with FMA.
  (func $gemm (export "gemm")
    (param $out i32) (param $outStride i32) (param $init i32) (param $initStride i32)
    (param $w i32) (param $x i32) (param $xStride i32) (param $n i32) (param $T i32)
    (param $np28 i32) (param $np4 i32)
    (local $p i32) (local $t i32) (local $wp i32) (local $xp i32) (local $xe i32) (local $a i32) (local $col i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $xv v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $xe4 i32)
    (if (i32.eqz (local.get $T)) (then (return)))
    ;; 28-row panels
    (block $done28
      (loop $panel28
        (br_if $done28 (i32.ge_u (local.get $p) (local.get $np28)))
        (local.set $t (i32.const 0))
        (loop $steps
          (local.set $a (i32.add (i32.add (local.get $init) (i32.mul (local.get $t) (local.get $initStride))) (local.get $col)))
          (local.set $a0 (v128.load offset=0 (local.get $a)))
          (local.set $a1 (v128.load offset=16 (local.get $a)))
          (local.set $a2 (v128.load offset=32 (local.get $a)))
          (local.set $a3 (v128.load offset=48 (local.get $a)))
          (local.set $a4 (v128.load offset=64 (local.get $a)))
          (local.set $a5 (v128.load offset=80 (local.get $a)))
          (local.set $a6 (v128.load offset=96 (local.get $a)))
          (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $xStride))))
          (local.set $xe (i32.add (local.get $xp) (i32.shl (local.get $n) (i32.const 2))))
          (local.set $wp (local.get $w))
          (if (i32.lt_u (local.get $xp) (local.get $xe))
            (then
              (loop $j
                (local.set $xv (v128.load32_splat (local.get $xp)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (local.get $wp)) (local.get $xv))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $wp)) (local.get $xv))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (local.get $wp)) (local.get $xv))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (local.get $wp)) (local.get $xv))))
                (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (v128.load offset=64 (local.get $wp)) (local.get $xv))))
                (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (v128.load offset=80 (local.get $wp)) (local.get $xv))))
                (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (v128.load offset=96 (local.get $wp)) (local.get $xv))))
                (local.set $wp (i32.add (local.get $wp) (i32.const 112)))
                (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
                (br_if $j (i32.lt_u (local.get $xp) (local.get $xe))))))
          (local.set $a (i32.add (i32.add (local.get $out) (i32.mul (local.get $t) (local.get $outStride))) (local.get $col)))
          (v128.store offset=0 (local.get $a) (local.get $a0))
          (v128.store offset=16 (local.get $a) (local.get $a1))
          (v128.store offset=32 (local.get $a) (local.get $a2))
          (v128.store offset=48 (local.get $a) (local.get $a3))
          (v128.store offset=64 (local.get $a) (local.get $a4))
          (v128.store offset=80 (local.get $a) (local.get $a5))
          (v128.store offset=96 (local.get $a) (local.get $a6))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br_if $steps (i32.lt_u (local.get $t) (local.get $T))))
        (local.set $w (i32.add (local.get $w) (i32.mul (local.get $n) (i32.const 112))))
        (local.set $col (i32.add (local.get $col) (i32.const 112)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $panel28)))
    ;; 4-row panels
    (local.set $p (i32.const 0))
    (block $done4
      (loop $panel4
        (br_if $done4 (i32.ge_u (local.get $p) (local.get $np4)))
        (local.set $t (i32.const 0))
        (loop $steps4
          (local.set $a0 (v128.load (i32.add (i32.add (local.get $init) (i32.mul (local.get $t) (local.get $initStride))) (local.get $col))))
          (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $xStride))))
          (local.set $xe (i32.add (local.get $xp) (i32.shl (local.get $n) (i32.const 2))))
          (local.set $wp (local.get $w))
          (if (i32.lt_u (local.get $xp) (local.get $xe))
            (then
              ;; four inputs at a time into four partial sums: one chain alone would wait on its
              ;; own latency at every input
              (local.set $b1 (v128.const i32x4 0 0 0 0))
              (local.set $b2 (v128.const i32x4 0 0 0 0))
              (local.set $b3 (v128.const i32x4 0 0 0 0))
              (local.set $xe4 (i32.sub (local.get $xe) (i32.and (i32.shl (local.get $n) (i32.const 2)) (i32.const 12))))
              (if (i32.lt_u (local.get $xp) (local.get $xe4))
                (then
                  (loop $j4
                    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (local.get $wp)) (v128.load32_splat offset=0 (local.get $xp)))))
                    (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (v128.load offset=16 (local.get $wp)) (v128.load32_splat offset=4 (local.get $xp)))))
                    (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (v128.load offset=32 (local.get $wp)) (v128.load32_splat offset=8 (local.get $xp)))))
                    (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (v128.load offset=48 (local.get $wp)) (v128.load32_splat offset=12 (local.get $xp)))))
                    (local.set $wp (i32.add (local.get $wp) (i32.const 64)))
                    (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
                    (br_if $j4 (i32.lt_u (local.get $xp) (local.get $xe4))))))
              (if (i32.lt_u (local.get $xp) (local.get $xe))
                (then
                  (loop $j1
                    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (local.get $wp)) (v128.load32_splat offset=0 (local.get $xp)))))
                    (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
                    (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
                    (br_if $j1 (i32.lt_u (local.get $xp) (local.get $xe))))))
              (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $b1)) (f32x4.add (local.get $b2) (local.get $b3))))))
          (v128.store
            (i32.add (i32.add (local.get $out) (i32.mul (local.get $t) (local.get $outStride))) (local.get $col))
            (local.get $a0))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br_if $steps4 (i32.lt_u (local.get $t) (local.get $T))))
        (local.set $w (i32.add (local.get $w) (i32.shl (local.get $n) (i32.const 4))))
        (local.set $col (i32.add (local.get $col) (i32.const 16)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $panel4))))
  ;; @gemm-end

  ;; dst[0 .. bytes) = src[0 .. bytes), bytes a multiple of 16.
  (func $copy16 (param $dst i32) (param $src i32) (param $bytes i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (local.get $bytes)))
    (block $done
      (loop $k
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (v128.store (local.get $dst) (v128.load (local.get $src)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $k))))

  ;; The hot-path activations: whole ranges, with the math written out in the loop rather than called,
  ;; and every constant in a local set before the loop: V8 (Node 20) rebuilds a v128.const with
  ;; three instructions at each use, which inside the loop cost as much as the arithmetic.
  ;; The formulas are those of $sigmoid4 and $tanh4.

  ;; dst[k] = sigmoid(src[k]) over `bytes` (a multiple of 16); dst may be src. As $sigmoid4:
  ;; 1/2 + tanh(x/2)/2 with tanh the rational function of $tanh_range (inlined), which costs
  ;; about 60% of exp and a reciprocal; exactly 0 and 1 beyond |x| = 15.8 (as tanh is +-1 there).
  (func $sigmoid_range (param $dst i32) (param $src i32) (param $bytes i32)
    (local $end i32) (local $x v128) (local $z v128) (local $p v128) (local $q v128) (local $half v128)
    (local $tcl v128) (local $ntcl v128) (local $al13 v128) (local $al11 v128) (local $al9 v128) (local $al7 v128) (local $al5 v128) (local $al3 v128) (local $al1 v128) (local $be6 v128) (local $be4 v128) (local $be2 v128) (local $be0 v128)
    (if (i32.eqz (local.get $bytes)) (then (return)))
    (local.set $half (v128.const f32x4 0.5 0.5 0.5 0.5))
    (local.set $tcl (v128.const f32x4 7.90531110763549805 7.90531110763549805 7.90531110763549805 7.90531110763549805))
    (local.set $ntcl (v128.const f32x4 -7.90531110763549805 -7.90531110763549805 -7.90531110763549805 -7.90531110763549805))
    (local.set $al13 (v128.const f32x4 -2.76076847742355e-16 -2.76076847742355e-16 -2.76076847742355e-16 -2.76076847742355e-16))
    (local.set $al11 (v128.const f32x4 2.00018790482477e-13 2.00018790482477e-13 2.00018790482477e-13 2.00018790482477e-13))
    (local.set $al9 (v128.const f32x4 -8.60467152213735e-11 -8.60467152213735e-11 -8.60467152213735e-11 -8.60467152213735e-11))
    (local.set $al7 (v128.const f32x4 5.12229709037114e-08 5.12229709037114e-08 5.12229709037114e-08 5.12229709037114e-08))
    (local.set $al5 (v128.const f32x4 1.48572235717979e-05 1.48572235717979e-05 1.48572235717979e-05 1.48572235717979e-05))
    (local.set $al3 (v128.const f32x4 6.37261928875436e-04 6.37261928875436e-04 6.37261928875436e-04 6.37261928875436e-04))
    (local.set $al1 (v128.const f32x4 4.89352455891786e-03 4.89352455891786e-03 4.89352455891786e-03 4.89352455891786e-03))
    (local.set $be6 (v128.const f32x4 1.19825839466702e-06 1.19825839466702e-06 1.19825839466702e-06 1.19825839466702e-06))
    (local.set $be4 (v128.const f32x4 1.18534705686654e-04 1.18534705686654e-04 1.18534705686654e-04 1.18534705686654e-04))
    (local.set $be2 (v128.const f32x4 2.26843463243900e-03 2.26843463243900e-03 2.26843463243900e-03 2.26843463243900e-03))
    (local.set $be0 (v128.const f32x4 4.89352518554385e-03 4.89352518554385e-03 4.89352518554385e-03 4.89352518554385e-03))
    (local.set $end (i32.add (local.get $src) (local.get $bytes)))
    (loop $k
      (local.set $x (f32x4.pmax (f32x4.pmin (f32x4.mul (v128.load (local.get $src)) (local.get $half)) (local.get $tcl)) (local.get $ntcl)))
      (local.set $z (f32x4.mul (local.get $x) (local.get $x)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $z) (local.get $al13)) (local.get $al11)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $al9)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $al7)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $al5)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $al3)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $al1)))
      (local.set $q (f32x4.add (f32x4.mul (local.get $z) (local.get $be6)) (local.get $be4)))
      (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z)) (local.get $be2)))
      (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z)) (local.get $be0)))
      (v128.store (local.get $dst)
        (f32x4.add (local.get $half)
          (f32x4.mul (local.get $half) (f32x4.div (f32x4.mul (local.get $x) (local.get $p)) (local.get $q)))))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $k (i32.lt_u (local.get $src) (local.get $end)))))

  ;; dst[k] = tanh(src[k]) over `bytes` (a multiple of 16); dst may be src. The rational
  ;; approximation of $tanh4 (no exp, no division by a sum that cancels near 0).
  (func $tanh_range (param $dst i32) (param $src i32) (param $bytes i32)
    (local $end i32) (local $x v128) (local $z v128) (local $p v128) (local $q v128)
    (local $tcl v128) (local $ntcl v128) (local $al13 v128) (local $al11 v128) (local $al9 v128) (local $al7 v128) (local $al5 v128) (local $al3 v128) (local $al1 v128) (local $be6 v128) (local $be4 v128) (local $be2 v128) (local $be0 v128)
    (if (i32.eqz (local.get $bytes)) (then (return)))
    (local.set $tcl (v128.const f32x4 7.90531110763549805 7.90531110763549805 7.90531110763549805 7.90531110763549805))
    (local.set $ntcl (v128.const f32x4 -7.90531110763549805 -7.90531110763549805 -7.90531110763549805 -7.90531110763549805))
    (local.set $al13 (v128.const f32x4 -2.76076847742355e-16 -2.76076847742355e-16 -2.76076847742355e-16 -2.76076847742355e-16))
    (local.set $al11 (v128.const f32x4 2.00018790482477e-13 2.00018790482477e-13 2.00018790482477e-13 2.00018790482477e-13))
    (local.set $al9 (v128.const f32x4 -8.60467152213735e-11 -8.60467152213735e-11 -8.60467152213735e-11 -8.60467152213735e-11))
    (local.set $al7 (v128.const f32x4 5.12229709037114e-08 5.12229709037114e-08 5.12229709037114e-08 5.12229709037114e-08))
    (local.set $al5 (v128.const f32x4 1.48572235717979e-05 1.48572235717979e-05 1.48572235717979e-05 1.48572235717979e-05))
    (local.set $al3 (v128.const f32x4 6.37261928875436e-04 6.37261928875436e-04 6.37261928875436e-04 6.37261928875436e-04))
    (local.set $al1 (v128.const f32x4 4.89352455891786e-03 4.89352455891786e-03 4.89352455891786e-03 4.89352455891786e-03))
    (local.set $be6 (v128.const f32x4 1.19825839466702e-06 1.19825839466702e-06 1.19825839466702e-06 1.19825839466702e-06))
    (local.set $be4 (v128.const f32x4 1.18534705686654e-04 1.18534705686654e-04 1.18534705686654e-04 1.18534705686654e-04))
    (local.set $be2 (v128.const f32x4 2.26843463243900e-03 2.26843463243900e-03 2.26843463243900e-03 2.26843463243900e-03))
    (local.set $be0 (v128.const f32x4 4.89352518554385e-03 4.89352518554385e-03 4.89352518554385e-03 4.89352518554385e-03))
    (local.set $end (i32.add (local.get $src) (local.get $bytes)))
    (loop $k
      (local.set $x (f32x4.pmax (f32x4.pmin (v128.load (local.get $src)) (local.get $tcl)) (local.get $ntcl)))
      (local.set $z (f32x4.mul (local.get $x) (local.get $x)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $z) (local.get $al13)) (local.get $al11)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $al9)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $al7)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $al5)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $al3)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $al1)))
      (local.set $q (f32x4.add (f32x4.mul (local.get $z) (local.get $be6)) (local.get $be4)))
      (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z)) (local.get $be2)))
      (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z)) (local.get $be0)))
      (v128.store (local.get $dst) (f32x4.div (f32x4.mul (local.get $x) (local.get $p)) (local.get $q)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $k (i32.lt_u (local.get $src) (local.get $end)))))

  ;; p[k] = clamp(p[k], -clip, clip) over `bytes` (a multiple of 16).
  (func $clip_range (param $p i32) (param $bytes i32) (param $clip f32)
    (local $end i32) (local $cl v128) (local $ncl v128)
    (if (i32.eqz (local.get $bytes)) (then (return)))
    (local.set $cl (f32x4.splat (local.get $clip)))
    (local.set $ncl (f32x4.neg (local.get $cl)))
    (local.set $end (i32.add (local.get $p) (local.get $bytes)))
    (loop $k
      (v128.store (local.get $p) (f32x4.pmax (f32x4.pmin (v128.load (local.get $p)) (local.get $cl)) (local.get $ncl)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br_if $k (i32.lt_u (local.get $p) (local.get $end)))))

  ;; Vector activations over memory, for tests of the approximations: dst[k] = act(src[k]) for
  ;; k in [0, n), n a multiple of 4. act: 0 sigmoid, 1 tanh (the hot-path range loops),
  ;; 2 sigmoid, 3 tanh (the per-vector functions of the peephole path).
  (func (export "activate") (param $dst i32) (param $src i32) (param $n i32) (param $act i32)
    (local $end i32)
    (if (i32.eqz (local.get $act))
      (then (call $sigmoid_range (local.get $dst) (local.get $src) (i32.shl (local.get $n) (i32.const 2))) (return)))
    (if (i32.eq (local.get $act) (i32.const 1))
      (then (call $tanh_range (local.get $dst) (local.get $src) (i32.shl (local.get $n) (i32.const 2))) (return)))
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $k
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (v128.store (local.get $dst)
          (if (result v128) (i32.eq (local.get $act) (i32.const 2))
            (then (call $sigmoid4 (v128.load (local.get $src))))
            (else (call $tanh4 (v128.load (local.get $src))))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $k))))

  ;; One LSTM cell update over hb bytes of units (see cells/lstm.ts): P (4 blocks of hb bytes) holds
  ;; the pre-activations W_ih x + W_hh h_prev + b on entry and each activation's argument (after
  ;; peepholes and clip) on exit; G gets the gates, cT the new c from c_prev at cp, hT the new h.
  ;; peep: 0, or (3 blocks) p_i | p_f | p_o. clip: +inf for none.
  (func $lstm_cell
    (param $P i32) (param $G i32) (param $cp i32) (param $cT i32) (param $hT i32) (param $hb i32) (param $peep i32) (param $clip f32)
    (local $gb i32) (local $u i32) (local $clipping i32) (local $cl v128) (local $ncl v128)
    (local $ai v128) (local $af v128) (local $ag v128) (local $ao v128) (local $cprev v128) (local $c v128) (local $o v128)
    (local.set $gb (i32.shl (local.get $hb) (i32.const 2)))
    (local.set $clipping (f32.lt (local.get $clip) (f32.const inf)))
    (local.set $cl (f32x4.splat (local.get $clip)))
    (local.set $ncl (f32x4.neg (local.get $cl)))
    (if (i32.eqz (local.get $peep))
      (then
        ;; gate blocks as whole ranges, then c and h
        (if (local.get $clipping) (then (call $clip_range (local.get $P) (local.get $gb) (local.get $clip))))
        (call $sigmoid_range (local.get $G) (local.get $P) (i32.shl (local.get $hb) (i32.const 1)))
        (call $tanh_range
          (i32.add (local.get $G) (i32.shl (local.get $hb) (i32.const 1)))
          (i32.add (local.get $P) (i32.shl (local.get $hb) (i32.const 1)))
          (local.get $hb))
        (call $sigmoid_range
          (i32.add (local.get $G) (i32.mul (local.get $hb) (i32.const 3)))
          (i32.add (local.get $P) (i32.mul (local.get $hb) (i32.const 3)))
          (local.get $hb))
        (local.set $u (i32.const 0))
        (loop $cell
          ;; c = f c_prev + i g
          (v128.store (i32.add (local.get $cT) (local.get $u))
            (f32x4.add
              (f32x4.mul
                (v128.load (i32.add (i32.add (local.get $G) (local.get $hb)) (local.get $u)))
                (v128.load (i32.add (local.get $cp) (local.get $u))))
              (f32x4.mul
                (v128.load (i32.add (local.get $G) (local.get $u)))
                (v128.load (i32.add (i32.add (local.get $G) (i32.shl (local.get $hb) (i32.const 1))) (local.get $u))))))
          (local.set $u (i32.add (local.get $u) (i32.const 16)))
          (br_if $cell (i32.lt_u (local.get $u) (local.get $hb))))
        (call $tanh_range (local.get $hT) (local.get $cT) (local.get $hb))
        (local.set $u (i32.const 0))
        (loop $out
          ;; h = o tanh(c)
          (v128.store (i32.add (local.get $hT) (local.get $u))
            (f32x4.mul
              (v128.load (i32.add (local.get $hT) (local.get $u)))
              (v128.load (i32.add (i32.add (local.get $G) (i32.mul (local.get $hb) (i32.const 3))) (local.get $u)))))
          (local.set $u (i32.add (local.get $u) (i32.const 16)))
          (br_if $out (i32.lt_u (local.get $u) (local.get $hb)))))
      (else
        ;; peepholes: o depends on the new c, so one fused pass per unit (ONNX models only)
        (local.set $u (i32.const 0))
        (loop $unit
          (local.set $cprev (v128.load (i32.add (local.get $cp) (local.get $u))))
          (local.set $ai (f32x4.add (v128.load (i32.add (local.get $P) (local.get $u)))
            (f32x4.mul (v128.load (i32.add (local.get $peep) (local.get $u))) (local.get $cprev))))
          (local.set $af (f32x4.add (v128.load (i32.add (i32.add (local.get $P) (local.get $hb)) (local.get $u)))
            (f32x4.mul (v128.load (i32.add (i32.add (local.get $peep) (local.get $hb)) (local.get $u))) (local.get $cprev))))
          (local.set $ag (v128.load (i32.add (i32.add (local.get $P) (i32.shl (local.get $hb) (i32.const 1))) (local.get $u))))
          (local.set $ai (f32x4.pmax (f32x4.pmin (local.get $ai) (local.get $cl)) (local.get $ncl)))
          (local.set $af (f32x4.pmax (f32x4.pmin (local.get $af) (local.get $cl)) (local.get $ncl)))
          (local.set $ag (f32x4.pmax (f32x4.pmin (local.get $ag) (local.get $cl)) (local.get $ncl)))
          (v128.store (i32.add (local.get $P) (local.get $u)) (local.get $ai))
          (v128.store (i32.add (i32.add (local.get $P) (local.get $hb)) (local.get $u)) (local.get $af))
          (v128.store (i32.add (i32.add (local.get $P) (i32.shl (local.get $hb) (i32.const 1))) (local.get $u)) (local.get $ag))
          (local.set $ai (call $sigmoid4 (local.get $ai)))
          (local.set $af (call $sigmoid4 (local.get $af)))
          (local.set $ag (call $tanh4 (local.get $ag)))
          (local.set $c (f32x4.add (f32x4.mul (local.get $af) (local.get $cprev)) (f32x4.mul (local.get $ai) (local.get $ag))))
          (local.set $ao (f32x4.add (v128.load (i32.add (i32.add (local.get $P) (i32.mul (local.get $hb) (i32.const 3))) (local.get $u)))
            (f32x4.mul
              (v128.load (i32.add (i32.add (local.get $peep) (i32.shl (local.get $hb) (i32.const 1))) (local.get $u)))
              (local.get $c))))
          (local.set $ao (f32x4.pmax (f32x4.pmin (local.get $ao) (local.get $cl)) (local.get $ncl)))
          (v128.store (i32.add (i32.add (local.get $P) (i32.mul (local.get $hb) (i32.const 3))) (local.get $u)) (local.get $ao))
          (local.set $o (call $sigmoid4 (local.get $ao)))
          (v128.store (i32.add (local.get $G) (local.get $u)) (local.get $ai))
          (v128.store (i32.add (i32.add (local.get $G) (local.get $hb)) (local.get $u)) (local.get $af))
          (v128.store (i32.add (i32.add (local.get $G) (i32.shl (local.get $hb) (i32.const 1))) (local.get $u)) (local.get $ag))
          (v128.store (i32.add (i32.add (local.get $G) (i32.mul (local.get $hb) (i32.const 3))) (local.get $u)) (local.get $o))
          (v128.store (i32.add (local.get $cT) (local.get $u)) (local.get $c))
          (v128.store (i32.add (local.get $hT) (local.get $u)) (f32x4.mul (local.get $o) (call $tanh4 (local.get $c))))
          (local.set $u (i32.add (local.get $u) (i32.const 16)))
          (br_if $unit (i32.lt_u (local.get $u) (local.get $hb)))))))

  ;; n LSTM steps of one direction (see cells/lstm.ts for the equations).
  ;;   pre (n, 4Hp): on entry the input projection W_ih x_t + b_ih + b_hh; on exit each
  ;;     activation's argument (after peepholes and clip), as the reference engine's `pre`.
  ;;   gates (n, 4Hp), cOut (n, Hp); h_t at hOut + t hStride (Hp floats).
  ;;   w: W_hh in panels over H inputs. hState/cState (Hp): the state before the first step in
  ;;   time order, replaced by the state after the last. reverse: step t = n-1 first.
  ;;   peep: 0, or (3Hp) p_i | p_f | p_o. clip: +inf for none.
  (func (export "lstm_seq")
    (param $n i32) (param $reverse i32)
    (param $pre i32) (param $gates i32) (param $cOut i32) (param $hOut i32) (param $hStride i32)
    (param $w i32) (param $npWide i32) (param $np4 i32) (param $H i32) (param $Hp i32)
    (param $hState i32) (param $cState i32) (param $peep i32) (param $clip f32)
    (local $s i32) (local $t i32) (local $hb i32) (local $gb i32)
    (local $hp i32) (local $cp i32) (local $P i32) (local $G i32) (local $cT i32) (local $hT i32)
    (if (i32.eqz (local.get $n)) (then (return)))
    (local.set $hb (i32.shl (local.get $Hp) (i32.const 2)))
    (local.set $gb (i32.shl (local.get $hb) (i32.const 2)))
    (local.set $hp (local.get $hState))
    (local.set $cp (local.get $cState))
    (loop $step
      (local.set $t
        (if (result i32) (local.get $reverse)
          (then (i32.sub (i32.sub (local.get $n) (i32.const 1)) (local.get $s)))
          (else (local.get $s))))
      (local.set $P (i32.add (local.get $pre) (i32.mul (local.get $t) (local.get $gb))))
      (local.set $G (i32.add (local.get $gates) (i32.mul (local.get $t) (local.get $gb))))
      (local.set $cT (i32.add (local.get $cOut) (i32.mul (local.get $t) (local.get $hb))))
      (local.set $hT (i32.add (local.get $hOut) (i32.mul (local.get $t) (local.get $hStride))))
      ;; pre += W_hh h_prev
      (call $gemm (local.get $P) (i32.const 0) (local.get $P) (i32.const 0)
        (local.get $w) (local.get $hp) (i32.const 0) (local.get $H) (i32.const 1)
        (local.get $npWide) (local.get $np4))
      (call $lstm_cell (local.get $P) (local.get $G) (local.get $cp) (local.get $cT) (local.get $hT) (local.get $hb) (local.get $peep) (local.get $clip))
      (local.set $hp (local.get $hT))
      (local.set $cp (local.get $cT))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br_if $step (i32.lt_u (local.get $s) (local.get $n))))
    (call $copy16 (local.get $hState) (local.get $hp) (local.get $hb))
    (call $copy16 (local.get $cState) (local.get $cp) (local.get $hb)))

  ;; n GRU steps of one direction (see cells/gru.ts).
  ;;   pre (n, 3Hp): on entry W_ih x_t + b_ih, plus b_hh on the r and z rows (b_hn stays apart:
  ;;     with linear_before_reset it is multiplied by r); on exit each activation's argument.
  ;;   gates (n, 3Hp); h_t at hOut + t hStride. wrz: W_hr | W_hz in panels (2Hp rows); wn: W_hn
  ;;   (Hp rows); bhn (Hp). lbr: PyTorch's form n = tanh(.. + r (W_hn h + b_hn)), else ONNX's
  ;;   default n = tanh(.. + W_hn (r h) + b_hn). tmp: 2Hp floats of scratch.
  (func (export "gru_seq")
    (param $n i32) (param $reverse i32)
    (param $pre i32) (param $gates i32) (param $hOut i32) (param $hStride i32)
    (param $wrz i32) (param $npWideRz i32) (param $np4rz i32)
    (param $wn i32) (param $npWideN i32) (param $np4n i32)
    (param $H i32) (param $Hp i32) (param $hState i32) (param $bhn i32) (param $lbr i32) (param $clip f32) (param $tmp i32)
    (local $s i32) (local $t i32) (local $hb i32) (local $gb i32) (local $u i32) (local $clipping i32)
    (local $hp i32) (local $P i32) (local $G i32) (local $hT i32) (local $rh i32) (local $Pn i32) (local $Gn i32)
    (local $cl v128) (local $ncl v128) (local $m v128) (local $nn v128)
    (if (i32.eqz (local.get $n)) (then (return)))
    (local.set $hb (i32.shl (local.get $Hp) (i32.const 2)))
    (local.set $gb (i32.mul (local.get $hb) (i32.const 3)))
    (local.set $rh (i32.add (local.get $tmp) (local.get $hb)))
    (local.set $clipping (f32.lt (local.get $clip) (f32.const inf)))
    (local.set $cl (f32x4.splat (local.get $clip)))
    (local.set $ncl (f32x4.neg (local.get $cl)))
    (local.set $hp (local.get $hState))
    (loop $step
      (local.set $t
        (if (result i32) (local.get $reverse)
          (then (i32.sub (i32.sub (local.get $n) (i32.const 1)) (local.get $s)))
          (else (local.get $s))))
      (local.set $P (i32.add (local.get $pre) (i32.mul (local.get $t) (local.get $gb))))
      (local.set $G (i32.add (local.get $gates) (i32.mul (local.get $t) (local.get $gb))))
      (local.set $Pn (i32.add (local.get $P) (i32.shl (local.get $hb) (i32.const 1))))
      (local.set $Gn (i32.add (local.get $G) (i32.shl (local.get $hb) (i32.const 1))))
      (local.set $hT (i32.add (local.get $hOut) (i32.mul (local.get $t) (local.get $hStride))))
      ;; r and z rows: pre += W_h{r,z} h_prev, then r = sigmoid, z = sigmoid
      (call $gemm (local.get $P) (i32.const 0) (local.get $P) (i32.const 0)
        (local.get $wrz) (local.get $hp) (i32.const 0) (local.get $H) (i32.const 1)
        (local.get $npWideRz) (local.get $np4rz))
      (if (local.get $clipping) (then (call $clip_range (local.get $P) (i32.shl (local.get $hb) (i32.const 1)) (local.get $clip))))
      (call $sigmoid_range (local.get $G) (local.get $P) (i32.shl (local.get $hb) (i32.const 1)))
      (if (i32.eqz (local.get $lbr))
        (then
          (local.set $u (i32.const 0))
          (loop $rh
            (v128.store (i32.add (local.get $rh) (local.get $u))
              (f32x4.mul (v128.load (i32.add (local.get $G) (local.get $u))) (v128.load (i32.add (local.get $hp) (local.get $u)))))
            (local.set $u (i32.add (local.get $u) (i32.const 16)))
            (br_if $rh (i32.lt_u (local.get $u) (local.get $hb))))))
      ;; tmp = W_hn (h_prev or r h_prev) + b_hn
      (call $gemm (local.get $tmp) (i32.const 0) (local.get $bhn) (i32.const 0)
        (local.get $wn) (if (result i32) (local.get $lbr) (then (local.get $hp)) (else (local.get $rh)))
        (i32.const 0) (local.get $H) (i32.const 1) (local.get $npWideN) (local.get $np4n))
      (local.set $u (i32.const 0))
      (loop $pn
        (local.set $m (v128.load (i32.add (local.get $tmp) (local.get $u))))
        (if (local.get $lbr)
          (then (local.set $m (f32x4.mul (local.get $m) (v128.load (i32.add (local.get $G) (local.get $u)))))))
        (v128.store (i32.add (local.get $Pn) (local.get $u))
          (f32x4.pmax
            (f32x4.pmin (f32x4.add (v128.load (i32.add (local.get $Pn) (local.get $u))) (local.get $m)) (local.get $cl))
            (local.get $ncl)))
        (local.set $u (i32.add (local.get $u) (i32.const 16)))
        (br_if $pn (i32.lt_u (local.get $u) (local.get $hb))))
      (call $tanh_range (local.get $Gn) (local.get $Pn) (local.get $hb))
      (local.set $u (i32.const 0))
      (loop $out
        ;; h = (1 - z) n + z h_prev = n + z (h_prev - n)
        (local.set $nn (v128.load (i32.add (local.get $Gn) (local.get $u))))
        (v128.store (i32.add (local.get $hT) (local.get $u))
          (f32x4.add (local.get $nn)
            (f32x4.mul
              (v128.load (i32.add (i32.add (local.get $G) (local.get $hb)) (local.get $u)))
              (f32x4.sub (v128.load (i32.add (local.get $hp) (local.get $u))) (local.get $nn)))))
        (local.set $u (i32.add (local.get $u) (i32.const 16)))
        (br_if $out (i32.lt_u (local.get $u) (local.get $hb))))
      (local.set $hp (local.get $hT))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br_if $step (i32.lt_u (local.get $s) (local.get $n))))
    (call $copy16 (local.get $hState) (local.get $hp) (local.get $hb)))

  ;; n Elman RNN steps of one direction (see cells/rnn.ts): h = act(pre), pre as for LSTM.
  ;;   relu: 1 for ReLU, 0 for tanh.
  (func (export "rnn_seq")
    (param $n i32) (param $reverse i32)
    (param $pre i32) (param $hOut i32) (param $hStride i32)
    (param $w i32) (param $npWide i32) (param $np4 i32) (param $H i32) (param $Hp i32)
    (param $hState i32) (param $relu i32) (param $clip f32)
    (local $s i32) (local $t i32) (local $hb i32) (local $u i32)
    (local $hp i32) (local $P i32) (local $hT i32)
    (if (i32.eqz (local.get $n)) (then (return)))
    (local.set $hb (i32.shl (local.get $Hp) (i32.const 2)))
    (local.set $hp (local.get $hState))
    (loop $step
      (local.set $t
        (if (result i32) (local.get $reverse)
          (then (i32.sub (i32.sub (local.get $n) (i32.const 1)) (local.get $s)))
          (else (local.get $s))))
      (local.set $P (i32.add (local.get $pre) (i32.mul (local.get $t) (local.get $hb))))
      (local.set $hT (i32.add (local.get $hOut) (i32.mul (local.get $t) (local.get $hStride))))
      (call $gemm (local.get $P) (i32.const 0) (local.get $P) (i32.const 0)
        (local.get $w) (local.get $hp) (i32.const 0) (local.get $H) (i32.const 1)
        (local.get $npWide) (local.get $np4))
      (if (f32.lt (local.get $clip) (f32.const inf)) (then (call $clip_range (local.get $P) (local.get $hb) (local.get $clip))))
      (if (local.get $relu)
        (then
          (local.set $u (i32.const 0))
          (loop $unit
            (v128.store (i32.add (local.get $hT) (local.get $u))
              (f32x4.pmax (v128.const f32x4 0 0 0 0) (v128.load (i32.add (local.get $P) (local.get $u)))))
            (local.set $u (i32.add (local.get $u) (i32.const 16)))
            (br_if $unit (i32.lt_u (local.get $u) (local.get $hb)))))
        (else (call $tanh_range (local.get $hT) (local.get $P) (local.get $hb))))
      (local.set $hp (local.get $hT))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br_if $step (i32.lt_u (local.get $s) (local.get $n))))
    (call $copy16 (local.get $hState) (local.get $hp) (local.get $hb)))

  ;; Running statistics of `width` units over n steps: values of step t at src + t stride.
  ;;   acc (32 width bytes): shift K f32 | min f32 | max f32 | saturated count i32 |
  ;;   sum of (v - K) f64 | sum of (v - K)^2 f64. The shift K (a value of the unit, set by the
  ;;   caller) keeps the variance exact when the spread is tiny next to the mean.
  ;;   A step counts as saturated when v <= lo or v >= hi (thresholds already rounded to f32 by
  ;;   the caller so that the float32 compare equals the exact one). min and max skip NaN, as
  ;;   the reference's `v < min` does (pmin/pmax, also one instruction each where min/max are seven).
  (func (export "stats_acc")
    (param $src i32) (param $stride i32) (param $n i32) (param $width i32) (param $acc i32)
    (param $lo f32) (param $hi f32)
    (local $wb i32) (local $u i32) (local $p i32) (local $end i32) (local $a i32) (local $a8 i32)
    (local $kl v128) (local $kh v128) (local $mn v128) (local $mx v128) (local $sat v128)
    (local $s0 v128) (local $s1 v128) (local $q0 v128) (local $q1 v128)
    (local $v v128) (local $dl v128) (local $dh v128) (local $lov v128) (local $hiv v128)
    (if (i32.or (i32.eqz (local.get $n)) (i32.eqz (local.get $width))) (then (return)))
    (local.set $wb (i32.shl (local.get $width) (i32.const 2)))
    (local.set $lov (f32x4.splat (local.get $lo)))
    (local.set $hiv (f32x4.splat (local.get $hi)))
    (loop $unit
      (local.set $a (i32.add (local.get $acc) (local.get $u)))
      (local.set $a8 (i32.add (i32.add (local.get $acc) (i32.shl (local.get $wb) (i32.const 2))) (i32.shl (local.get $u) (i32.const 1))))
      (local.set $v (v128.load (local.get $a)))
      (local.set $kl (f64x2.promote_low_f32x4 (local.get $v)))
      (local.set $kh (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))
      (local.set $mn (v128.load (i32.add (local.get $a) (local.get $wb))))
      (local.set $mx (v128.load (i32.add (local.get $a) (i32.shl (local.get $wb) (i32.const 1)))))
      (local.set $sat (v128.load (i32.add (local.get $a) (i32.mul (local.get $wb) (i32.const 3)))))
      (local.set $s0 (v128.load offset=0 (local.get $a8)))
      (local.set $s1 (v128.load offset=16 (local.get $a8)))
      (local.set $q0 (v128.load offset=0 (i32.add (local.get $a8) (i32.shl (local.get $wb) (i32.const 1)))))
      (local.set $q1 (v128.load offset=16 (i32.add (local.get $a8) (i32.shl (local.get $wb) (i32.const 1)))))
      (local.set $p (i32.add (local.get $src) (local.get $u)))
      (local.set $end (i32.add (local.get $p) (i32.mul (local.get $n) (local.get $stride))))
      (loop $step
        (local.set $v (v128.load (local.get $p)))
        (local.set $mn (f32x4.pmin (local.get $mn) (local.get $v)))
        (local.set $mx (f32x4.pmax (local.get $mx) (local.get $v)))
        ;; a true compare is all ones (-1): subtracting it counts one
        (local.set $sat
          (i32x4.sub (local.get $sat)
            (v128.or (f32x4.le (local.get $v) (local.get $lov)) (f32x4.ge (local.get $v) (local.get $hiv)))))
        ;; v - K in float64, exact for float32 v and K
        (local.set $dl (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $kl)))
        (local.set $dh (f64x2.sub
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))
          (local.get $kh)))
        (local.set $s0 (f64x2.add (local.get $s0) (local.get $dl)))
        (local.set $s1 (f64x2.add (local.get $s1) (local.get $dh)))
        (local.set $q0 (f64x2.add (local.get $q0) (f64x2.mul (local.get $dl) (local.get $dl))))
        (local.set $q1 (f64x2.add (local.get $q1) (f64x2.mul (local.get $dh) (local.get $dh))))
        (local.set $p (i32.add (local.get $p) (local.get $stride)))
        (br_if $step (i32.lt_u (local.get $p) (local.get $end))))
      (v128.store (i32.add (local.get $a) (local.get $wb)) (local.get $mn))
      (v128.store (i32.add (local.get $a) (i32.shl (local.get $wb) (i32.const 1))) (local.get $mx))
      (v128.store (i32.add (local.get $a) (i32.mul (local.get $wb) (i32.const 3))) (local.get $sat))
      (v128.store offset=0 (local.get $a8) (local.get $s0))
      (v128.store offset=16 (local.get $a8) (local.get $s1))
      (v128.store offset=0 (i32.add (local.get $a8) (i32.shl (local.get $wb) (i32.const 1))) (local.get $q0))
      (v128.store offset=16 (i32.add (local.get $a8) (i32.shl (local.get $wb) (i32.const 1))) (local.get $q1))
      (local.set $u (i32.add (local.get $u) (i32.const 16)))
      (br_if $unit (i32.lt_u (local.get $u) (local.get $wb)))))
)
