;; The gemm of the relaxed-SIMD build of kernels.wat (same contract, spliced in by
;; scripts/build-wasm.mjs between @gemm-begin and @gemm-end): fused multiply-add
;; (f32x4.relaxed_madd, vfmadd on x64) with seven accumulators, so 28-row panels. With FMA the
;; accumulator chains, not the issue width, bound the loop: each chain waits an FMA latency per
;; input, so more chains go faster, up to seven (measured: 4 -> 15, 6 -> 22, 7 -> 24 GMAC/s at
;; H=128); with eight, V8 runs out of xmm registers and spills. Relaxed SIMD is on by
;; default from Node 22; Node 20 needs V8's --experimental-wasm-relaxed-simd (see kernels.ts).
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
                (local.set $a0 (f32x4.relaxed_madd (v128.load offset=0 (local.get $wp)) (local.get $xv) (local.get $a0)))
                (local.set $a1 (f32x4.relaxed_madd (v128.load offset=16 (local.get $wp)) (local.get $xv) (local.get $a1)))
                (local.set $a2 (f32x4.relaxed_madd (v128.load offset=32 (local.get $wp)) (local.get $xv) (local.get $a2)))
                (local.set $a3 (f32x4.relaxed_madd (v128.load offset=48 (local.get $wp)) (local.get $xv) (local.get $a3)))
                (local.set $a4 (f32x4.relaxed_madd (v128.load offset=64 (local.get $wp)) (local.get $xv) (local.get $a4)))
                (local.set $a5 (f32x4.relaxed_madd (v128.load offset=80 (local.get $wp)) (local.get $xv) (local.get $a5)))
                (local.set $a6 (f32x4.relaxed_madd (v128.load offset=96 (local.get $wp)) (local.get $xv) (local.get $a6)))
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
                    (local.set $a0 (f32x4.relaxed_madd (v128.load offset=0 (local.get $wp)) (v128.load32_splat offset=0 (local.get $xp)) (local.get $a0)))
                    (local.set $b1 (f32x4.relaxed_madd (v128.load offset=16 (local.get $wp)) (v128.load32_splat offset=4 (local.get $xp)) (local.get $b1)))
                    (local.set $b2 (f32x4.relaxed_madd (v128.load offset=32 (local.get $wp)) (v128.load32_splat offset=8 (local.get $xp)) (local.get $b2)))
                    (local.set $b3 (f32x4.relaxed_madd (v128.load offset=48 (local.get $wp)) (v128.load32_splat offset=12 (local.get $xp)) (local.get $b3)))
                    (local.set $wp (i32.add (local.get $wp) (i32.const 64)))
                    (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
                    (br_if $j4 (i32.lt_u (local.get $xp) (local.get $xe4))))))
              (if (i32.lt_u (local.get $xp) (local.get $xe))
                (then
                  (loop $j1
                    (local.set $a0 (f32x4.relaxed_madd (v128.load offset=0 (local.get $wp)) (v128.load32_splat offset=0 (local.get $xp)) (local.get $a0)))
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
