  ;; ---- The memory Jacobian's block backward (backward.ts): spliced into kernels.wat's module by
  ;; scripts/build-wasm.mjs, so that both builds have it beside the gemm it calls from JS.
  ;;
  ;; S rows at once, each a row of d h_{T-1} / d(state) kept scaled by its own power of two:
  ;; stored = exact * 2^exp[s], inv[s] = 2^-exp[s] (float64). The elementwise part is float64
  ;; (f64x2, two units at a time); only da (the gemm's input) and dh (its output) are float32.
  ;; After each row the row is rescaled so that its largest value lies in [1, 2), with the exponent
  ;; kept within +-$lim: exact, a power of two.

  ;; 2^e for an integer e in [-1022, 1023].
  (func $pow2 (param $e i32) (result f64)
    (f64.reinterpret_i64 (i64.shl (i64.extend_i32_s (i32.add (local.get $e) (i32.const 1023))) (i64.const 52))))

  ;; The shift that brings a row whose largest magnitude is `big` into [1, 2), its exponent e
  ;; kept within +-lim, and never more than 1000 at once (so that 2^shift stays a normal double).
  ;; 0 for a zero, infinite or NaN `big`.
  (func $row_shift (param $big f64) (param $e i32) (param $lim i32) (result i32)
    (local $x i32) (local $next i32)
    (if (i32.eqz (f64.gt (local.get $big) (f64.const 0))) (then (return (i32.const 0))))
    (if (f64.eq (local.get $big) (f64.const inf)) (then (return (i32.const 0))))
    ;; the biased exponent of big (denormals count as -1023: the next step rescales further)
    (local.set $x (i32.sub (i32.wrap_i64 (i64.and (i64.shr_u (i64.reinterpret_f64 (local.get $big)) (i64.const 52)) (i64.const 2047))) (i32.const 1023)))
    (local.set $next (i32.sub (local.get $e) (local.get $x)))
    (if (i32.gt_s (local.get $next) (local.get $lim)) (then (local.set $next (local.get $lim))))
    (if (i32.lt_s (local.get $next) (i32.sub (i32.const 0) (local.get $lim))) (then (local.set $next (i32.sub (i32.const 0) (local.get $lim)))))
    (local.set $x (i32.sub (local.get $next) (local.get $e)))
    (if (i32.gt_s (local.get $x) (i32.const 1000)) (then (local.set $x (i32.const 1000))))
    (if (i32.lt_s (local.get $x) (i32.const -1000)) (then (local.set $x (i32.const -1000))))
    (local.get $x))

  ;; LSTM, the elementwise backward of one step for S rows (see ../grad/local.ts lstmLocal):
  ;;   dh (S, Hp) f32: W_hh^T da of the step after (scaled); dOut: 0, or row 0 of the gradient
  ;;   from the layer above (f64, unscaled), rows dOutStride bytes apart; dh_t = dh + dOut 2^exp.
  ;;   coef (9 blocks of Hp f64): ao b ai af ag f pi pf po (see backward.ts fillLstmCoef; the
  ;;   peepholes 0 when there are none, which adds exact zeros).
  ;;   dcc (S, Hp) f64: dc from the step after, replaced by dc_prev (scaled).
  ;;   tmp (4Hp f64) scratch. da (S, 4Hp) f32 out. inv (S f64), exp (S i32): the rows' scales.
  ;;   sq (2S f64) out: per row, sum dh_t^2 and sum dc_t^2, unscaled.
  ;;   coefStride: bytes from one row's coef to the next (0: every row shares one, as in the memory
  ;;   Jacobian; 9 Hp * 8 when each row is its own run, as integrated gradients' path points).
  ;;   gru_back_rows and rnn_back_rows take it the same way (5 Hp * 8, Hp * 8).
  (func (export "lstm_back_rows")
    (param $S i32) (param $Hp i32) (param $dh i32) (param $dOut i32) (param $dOutStride i32)
    (param $coef i32) (param $dcc i32) (param $tmp i32) (param $da i32) (param $inv i32) (param $exp i32)
    (param $sq i32) (param $lim i32) (param $coefStride i32)
    (local $s i32) (local $pcf i32) (local $j i32) (local $hb i32) (local $hb4 i32) (local $db i32) (local $e i32) (local $sh i32)
    (local $pdh i32) (local $pout i32) (local $pc i32) (local $pda i32)
    (local $sc v128) (local $m v128) (local $v v128) (local $dc v128) (local $dao v128) (local $dai v128) (local $daf v128) (local $dag v128) (local $dcp v128)
    (local $h2 v128) (local $c2 v128) (local $mx v128) (local $iv f64) (local $big f64)
    (local.set $hb (i32.shl (local.get $Hp) (i32.const 2))) ;; Hp f32 bytes
    (local.set $db (i32.shl (local.get $Hp) (i32.const 3))) ;; Hp f64 bytes
    (local.set $hb4 (i32.shl (local.get $hb) (i32.const 2)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $s) (local.get $S)))
        (local.set $pcf (i32.add (local.get $coef) (i32.mul (local.get $s) (local.get $coefStride))))
        (local.set $e (i32.load (i32.add (local.get $exp) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $sc (f64x2.splat (call $pow2 (local.get $e))))
        (local.set $pdh (i32.add (local.get $dh) (i32.mul (local.get $s) (local.get $hb))))
        (local.set $pout (i32.add (local.get $dOut) (i32.mul (local.get $s) (local.get $dOutStride))))
        (local.set $pc (i32.add (local.get $dcc) (i32.mul (local.get $s) (local.get $db))))
        (local.set $h2 (v128.const f64x2 0 0))
        (local.set $c2 (v128.const f64x2 0 0))
        (local.set $mx (v128.const f64x2 0 0))
        (local.set $j (i32.const 0))
        (loop $units
          ;; $j: byte offset of a pair of units in an f64 block
          (local.set $v (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pdh) (i32.shr_u (local.get $j) (i32.const 1))))))
          (if (local.get $dOut)
            (then (local.set $v (f64x2.add (local.get $v) (f64x2.mul (v128.load (i32.add (local.get $pout) (local.get $j))) (local.get $sc))))))
          (local.set $h2 (f64x2.add (local.get $h2) (f64x2.mul (local.get $v) (local.get $v))))
          (local.set $dao (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $pcf) (local.get $j)))))
          (local.set $dc
            (f64x2.add
              (f64x2.add (v128.load (i32.add (local.get $pc) (local.get $j)))
                (f64x2.mul (local.get $v) (v128.load (i32.add (i32.add (local.get $pcf) (local.get $db)) (local.get $j)))))
              (f64x2.mul (local.get $dao) (v128.load (i32.add (i32.add (local.get $pcf) (i32.mul (local.get $db) (i32.const 8))) (local.get $j))))))
          (local.set $c2 (f64x2.add (local.get $c2) (f64x2.mul (local.get $dc) (local.get $dc))))
          (local.set $dai (f64x2.mul (local.get $dc) (v128.load (i32.add (i32.add (local.get $pcf) (i32.mul (local.get $db) (i32.const 2))) (local.get $j)))))
          (local.set $daf (f64x2.mul (local.get $dc) (v128.load (i32.add (i32.add (local.get $pcf) (i32.mul (local.get $db) (i32.const 3))) (local.get $j)))))
          (local.set $dag (f64x2.mul (local.get $dc) (v128.load (i32.add (i32.add (local.get $pcf) (i32.mul (local.get $db) (i32.const 4))) (local.get $j)))))
          (local.set $dcp
            (f64x2.add
              (f64x2.add
                (f64x2.mul (local.get $dc) (v128.load (i32.add (i32.add (local.get $pcf) (i32.mul (local.get $db) (i32.const 5))) (local.get $j))))
                (f64x2.mul (local.get $dai) (v128.load (i32.add (i32.add (local.get $pcf) (i32.mul (local.get $db) (i32.const 6))) (local.get $j)))))
              (f64x2.mul (local.get $daf) (v128.load (i32.add (i32.add (local.get $pcf) (i32.mul (local.get $db) (i32.const 7))) (local.get $j))))))
          (v128.store (i32.add (local.get $pc) (local.get $j)) (local.get $dcp))
          (v128.store (i32.add (local.get $tmp) (local.get $j)) (local.get $dai))
          (v128.store (i32.add (i32.add (local.get $tmp) (local.get $db)) (local.get $j)) (local.get $daf))
          (v128.store (i32.add (i32.add (local.get $tmp) (i32.mul (local.get $db) (i32.const 2))) (local.get $j)) (local.get $dag))
          (v128.store (i32.add (i32.add (local.get $tmp) (i32.mul (local.get $db) (i32.const 3))) (local.get $j)) (local.get $dao))
          (local.set $mx
            (f64x2.max (local.get $mx)
              (f64x2.max
                (f64x2.max (f64x2.abs (local.get $dai)) (f64x2.abs (local.get $daf)))
                (f64x2.max (f64x2.max (f64x2.abs (local.get $dag)) (f64x2.abs (local.get $dao))) (f64x2.abs (local.get $dcp))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $units (i32.lt_u (local.get $j) (local.get $db))))
        ;; the row's figures, unscaled
        (local.set $iv (f64.load (i32.add (local.get $inv) (i32.shl (local.get $s) (i32.const 3)))))
        (local.set $iv (f64.mul (local.get $iv) (local.get $iv)))
        (f64.store (i32.add (local.get $sq) (i32.shl (local.get $s) (i32.const 4)))
          (f64.mul (f64.add (f64x2.extract_lane 0 (local.get $h2)) (f64x2.extract_lane 1 (local.get $h2))) (local.get $iv)))
        (f64.store offset=8 (i32.add (local.get $sq) (i32.shl (local.get $s) (i32.const 4)))
          (f64.mul (f64.add (f64x2.extract_lane 0 (local.get $c2)) (f64x2.extract_lane 1 (local.get $c2))) (local.get $iv)))
        ;; rescale: da to float32 and dc_prev, both times 2^shift
        (local.set $big (f64.max (f64x2.extract_lane 0 (local.get $mx)) (f64x2.extract_lane 1 (local.get $mx))))
        (local.set $sh (call $row_shift (local.get $big) (local.get $e) (local.get $lim)))
        (local.set $m (f64x2.splat (call $pow2 (local.get $sh))))
        (local.set $e (i32.add (local.get $e) (local.get $sh)))
        (i32.store (i32.add (local.get $exp) (i32.shl (local.get $s) (i32.const 2))) (local.get $e))
        (f64.store (i32.add (local.get $inv) (i32.shl (local.get $s) (i32.const 3))) (call $pow2 (i32.sub (i32.const 0) (local.get $e))))
        (local.set $pda (i32.add (local.get $da) (i32.mul (local.get $s) (local.get $hb4))))
        ;; da: 4 blocks of Hp, f64 tmp -> f32 da, four units at a time
        (local.set $j (i32.const 0))
        (loop $out
          (v128.store (i32.add (local.get $pda) (i32.shr_u (local.get $j) (i32.const 1)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.mul (v128.load (i32.add (local.get $tmp) (local.get $j))) (local.get $m)))
              (f32x4.demote_f64x2_zero (f64x2.mul (v128.load offset=16 (i32.add (local.get $tmp) (local.get $j))) (local.get $m)))))
          (local.set $j (i32.add (local.get $j) (i32.const 32)))
          (br_if $out (i32.lt_u (local.get $j) (i32.shl (local.get $db) (i32.const 2)))))
        (if (local.get $sh)
          (then
            (local.set $j (i32.const 0))
            (loop $carry
              (v128.store (i32.add (local.get $pc) (local.get $j)) (f64x2.mul (v128.load (i32.add (local.get $pc) (local.get $j))) (local.get $m)))
              (local.set $j (i32.add (local.get $j) (i32.const 16)))
              (br_if $carry (i32.lt_u (local.get $j) (local.get $db))))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $rows))))

  ;; Elman RNN: da = dh_t * slope for S rows (slope (Hp f64): act'(a) times the clip's slope),
  ;; with the arguments of lstm_back_rows (sq: sum dh_t^2 per row, and 0).
  (func (export "rnn_back_rows")
    (param $S i32) (param $Hp i32) (param $dh i32) (param $dOut i32) (param $dOutStride i32)
    (param $slope i32) (param $da i32) (param $inv i32) (param $exp i32) (param $sq i32) (param $lim i32) (param $tmp i32) (param $coefStride i32)
    (local $s i32) (local $pcf i32) (local $j i32) (local $hb i32) (local $db i32) (local $e i32) (local $sh i32)
    (local $pdh i32) (local $pout i32) (local $pda i32)
    (local $sc v128) (local $m v128) (local $v v128) (local $a v128) (local $h2 v128) (local $mx v128) (local $iv f64) (local $big f64)
    (local.set $hb (i32.shl (local.get $Hp) (i32.const 2)))
    (local.set $db (i32.shl (local.get $Hp) (i32.const 3)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $s) (local.get $S)))
        (local.set $pcf (i32.add (local.get $slope) (i32.mul (local.get $s) (local.get $coefStride))))
        (local.set $e (i32.load (i32.add (local.get $exp) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $sc (f64x2.splat (call $pow2 (local.get $e))))
        (local.set $pdh (i32.add (local.get $dh) (i32.mul (local.get $s) (local.get $hb))))
        (local.set $pout (i32.add (local.get $dOut) (i32.mul (local.get $s) (local.get $dOutStride))))
        (local.set $h2 (v128.const f64x2 0 0))
        (local.set $mx (v128.const f64x2 0 0))
        (local.set $j (i32.const 0))
        (loop $units
          (local.set $v (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pdh) (i32.shr_u (local.get $j) (i32.const 1))))))
          (if (local.get $dOut)
            (then (local.set $v (f64x2.add (local.get $v) (f64x2.mul (v128.load (i32.add (local.get $pout) (local.get $j))) (local.get $sc))))))
          (local.set $h2 (f64x2.add (local.get $h2) (f64x2.mul (local.get $v) (local.get $v))))
          (local.set $a (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $pcf) (local.get $j)))))
          (v128.store (i32.add (local.get $tmp) (local.get $j)) (local.get $a))
          (local.set $mx (f64x2.max (local.get $mx) (f64x2.abs (local.get $a))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $units (i32.lt_u (local.get $j) (local.get $db))))
        (local.set $iv (f64.load (i32.add (local.get $inv) (i32.shl (local.get $s) (i32.const 3)))))
        (f64.store (i32.add (local.get $sq) (i32.shl (local.get $s) (i32.const 4)))
          (f64.mul (f64.add (f64x2.extract_lane 0 (local.get $h2)) (f64x2.extract_lane 1 (local.get $h2))) (f64.mul (local.get $iv) (local.get $iv))))
        (f64.store offset=8 (i32.add (local.get $sq) (i32.shl (local.get $s) (i32.const 4))) (f64.const 0))
        (local.set $big (f64.max (f64x2.extract_lane 0 (local.get $mx)) (f64x2.extract_lane 1 (local.get $mx))))
        (local.set $sh (call $row_shift (local.get $big) (local.get $e) (local.get $lim)))
        (local.set $m (f64x2.splat (call $pow2 (local.get $sh))))
        (local.set $e (i32.add (local.get $e) (local.get $sh)))
        (i32.store (i32.add (local.get $exp) (i32.shl (local.get $s) (i32.const 2))) (local.get $e))
        (f64.store (i32.add (local.get $inv) (i32.shl (local.get $s) (i32.const 3))) (call $pow2 (i32.sub (i32.const 0) (local.get $e))))
        (local.set $pda (i32.add (local.get $da) (i32.mul (local.get $s) (local.get $hb))))
        (local.set $j (i32.const 0))
        (loop $out
          (v128.store (i32.add (local.get $pda) (i32.shr_u (local.get $j) (i32.const 1)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.mul (v128.load (i32.add (local.get $tmp) (local.get $j))) (local.get $m)))
              (f32x4.demote_f64x2_zero (f64x2.mul (v128.load offset=16 (i32.add (local.get $tmp) (local.get $j))) (local.get $m)))))
          (local.set $j (i32.add (local.get $j) (i32.const 32)))
          (br_if $out (i32.lt_u (local.get $j) (local.get $db))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $rows))))

  ;; dst[s, j] += src[s, j] * inv[s] for s < S, j < width (a multiple of 4): the rows' input
  ;; gradients (float32, scaled) added unscaled into the float64 sums.
  ;;   dst: f64 rows dstStride bytes apart; src: f32 rows of `width`.
  (func (export "add_unscaled")
    (param $dst i32) (param $dstStride i32) (param $src i32) (param $width i32) (param $S i32) (param $inv i32)
    (local $s i32) (local $j i32) (local $pd i32) (local $ps i32) (local $iv v128) (local $db i32)
    (local.set $db (i32.shl (local.get $width) (i32.const 3)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $s) (local.get $S)))
        (local.set $iv (f64x2.splat (f64.load (i32.add (local.get $inv) (i32.shl (local.get $s) (i32.const 3))))))
        (local.set $pd (i32.add (local.get $dst) (i32.mul (local.get $s) (local.get $dstStride))))
        (local.set $ps (i32.add (local.get $src) (i32.mul (local.get $s) (i32.shl (local.get $width) (i32.const 2)))))
        (local.set $j (i32.const 0))
        (block $w_done
          (loop $w
            (br_if $w_done (i32.ge_u (local.get $j) (local.get $db)))
            (v128.store (i32.add (local.get $pd) (local.get $j))
              (f64x2.add (v128.load (i32.add (local.get $pd) (local.get $j)))
                (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $ps) (i32.shr_u (local.get $j) (i32.const 1))))) (local.get $iv))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $w)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $rows))))

  ;; out[s, r] = sum_j W[r, j] x[s, j]   for s in [0, S), r in [0, 8 np8 + 4 np4): the block
  ;; backward's products (S rows of da by W^T), where kernels.wat's $gemm (one row at a time
  ;; against 28-row panels) streams every panel from L2 once per row.
  ;;   W: panels of 8 rows (then 4) over n inputs, (n, width) row-major each; x[s] at x + s xStride;
  ;;   out[s] at out + s outStride.
  ;; Four rows of x against one 8-row panel at a time: each weight vector loaded once serves four
  ;; rows (eight accumulators, two weight vectors and a splat: 11 of V8's xmm registers), and a
  ;; panel (n * 32 bytes, 16 KiB at n = 512) stays in L1 across all S rows. The relaxed build
  ;; turns each add-of-a-product below into a fused multiply-add (scripts/build-wasm.mjs).
  (func (export "gemm_rows")
    (param $out i32) (param $outStride i32) (param $w i32) (param $x i32) (param $xStride i32)
    (param $n i32) (param $S i32) (param $np8 i32) (param $np4 i32)
    (local $p i32) (local $s i32) (local $col i32) (local $wp i32) (local $xp i32) (local $xe i32) (local $o i32)
    (local $x2 i32) (local $x3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $w0 v128) (local $w1 v128) (local $xv v128)
    (if (i32.or (i32.eqz (local.get $S)) (i32.eqz (local.get $n))) (then (return)))
    (local.set $x2 (i32.shl (local.get $xStride) (i32.const 1)))
    (local.set $x3 (i32.add (local.get $x2) (local.get $xStride)))
    ;; 8-row panels
    (block $done8
      (loop $panel8
        (br_if $done8 (i32.ge_u (local.get $p) (local.get $np8)))
        (local.set $s (i32.const 0))
        (block $rows4_done
          (loop $rows4
            (br_if $rows4_done (i32.gt_u (i32.add (local.get $s) (i32.const 4)) (local.get $S)))
            (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $a4 (v128.const i32x4 0 0 0 0)) (local.set $a5 (v128.const i32x4 0 0 0 0))
            (local.set $a6 (v128.const i32x4 0 0 0 0)) (local.set $a7 (v128.const i32x4 0 0 0 0))
            (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $s) (local.get $xStride))))
            (local.set $xe (i32.add (local.get $xp) (i32.shl (local.get $n) (i32.const 2))))
            (local.set $wp (local.get $w))
            (loop $j
              (local.set $w0 (v128.load offset=0 (local.get $wp)))
              (local.set $w1 (v128.load offset=16 (local.get $wp)))
              (local.set $xv (v128.load32_splat (local.get $xp)))
              (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $xv))))
              (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w1) (local.get $xv))))
              (local.set $xv (v128.load32_splat (i32.add (local.get $xp) (local.get $xStride))))
              (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w0) (local.get $xv))))
              (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w1) (local.get $xv))))
              (local.set $xv (v128.load32_splat (i32.add (local.get $xp) (local.get $x2))))
              (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $w0) (local.get $xv))))
              (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $w1) (local.get $xv))))
              (local.set $xv (v128.load32_splat (i32.add (local.get $xp) (local.get $x3))))
              (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $w0) (local.get $xv))))
              (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $w1) (local.get $xv))))
              (local.set $wp (i32.add (local.get $wp) (i32.const 32)))
              (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
              (br_if $j (i32.lt_u (local.get $xp) (local.get $xe))))
            (local.set $o (i32.add (i32.add (local.get $out) (i32.mul (local.get $s) (local.get $outStride))) (local.get $col)))
            (v128.store offset=0 (local.get $o) (local.get $a0))
            (v128.store offset=16 (local.get $o) (local.get $a1))
            (local.set $o (i32.add (local.get $o) (local.get $outStride)))
            (v128.store offset=0 (local.get $o) (local.get $a2))
            (v128.store offset=16 (local.get $o) (local.get $a3))
            (local.set $o (i32.add (local.get $o) (local.get $outStride)))
            (v128.store offset=0 (local.get $o) (local.get $a4))
            (v128.store offset=16 (local.get $o) (local.get $a5))
            (local.set $o (i32.add (local.get $o) (local.get $outStride)))
            (v128.store offset=0 (local.get $o) (local.get $a6))
            (v128.store offset=16 (local.get $o) (local.get $a7))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (br $rows4)))
        ;; the last S mod 4 rows, one at a time
        (block $rows1_done
          (loop $rows1
            (br_if $rows1_done (i32.ge_u (local.get $s) (local.get $S)))
            (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $s) (local.get $xStride))))
            (local.set $xe (i32.add (local.get $xp) (i32.shl (local.get $n) (i32.const 2))))
            (local.set $wp (local.get $w))
            (loop $j1
              (local.set $xv (v128.load32_splat (local.get $xp)))
              (local.set $w0 (v128.load offset=0 (local.get $wp)))
              (local.set $w1 (v128.load offset=16 (local.get $wp)))
              (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $xv))))
              (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w1) (local.get $xv))))
              (local.set $wp (i32.add (local.get $wp) (i32.const 32)))
              (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
              (br_if $j1 (i32.lt_u (local.get $xp) (local.get $xe))))
            (local.set $o (i32.add (i32.add (local.get $out) (i32.mul (local.get $s) (local.get $outStride))) (local.get $col)))
            (v128.store offset=0 (local.get $o) (local.get $a0))
            (v128.store offset=16 (local.get $o) (local.get $a1))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $rows1)))
        (local.set $w (i32.add (local.get $w) (i32.shl (local.get $n) (i32.const 5))))
        (local.set $col (i32.add (local.get $col) (i32.const 32)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $panel8)))
    ;; 4-row panels (at most one when the rows are a multiple of 4): four rows of x at a time
    (local.set $p (i32.const 0))
    (block $done4
      (loop $panel4
        (br_if $done4 (i32.ge_u (local.get $p) (local.get $np4)))
        (local.set $s (i32.const 0))
        (block $r4_done
          (loop $r4
            (br_if $r4_done (i32.gt_u (i32.add (local.get $s) (i32.const 4)) (local.get $S)))
            (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a4 (v128.const i32x4 0 0 0 0)) (local.set $a6 (v128.const i32x4 0 0 0 0))
            (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $s) (local.get $xStride))))
            (local.set $xe (i32.add (local.get $xp) (i32.shl (local.get $n) (i32.const 2))))
            (local.set $wp (local.get $w))
            (loop $j4
              (local.set $w0 (v128.load (local.get $wp)))
              (local.set $xv (v128.load32_splat (local.get $xp)))
              (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $xv))))
              (local.set $xv (v128.load32_splat (i32.add (local.get $xp) (local.get $xStride))))
              (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w0) (local.get $xv))))
              (local.set $xv (v128.load32_splat (i32.add (local.get $xp) (local.get $x2))))
              (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $w0) (local.get $xv))))
              (local.set $xv (v128.load32_splat (i32.add (local.get $xp) (local.get $x3))))
              (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $w0) (local.get $xv))))
              (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
              (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
              (br_if $j4 (i32.lt_u (local.get $xp) (local.get $xe))))
            (local.set $o (i32.add (i32.add (local.get $out) (i32.mul (local.get $s) (local.get $outStride))) (local.get $col)))
            (v128.store (local.get $o) (local.get $a0))
            (local.set $o (i32.add (local.get $o) (local.get $outStride)))
            (v128.store (local.get $o) (local.get $a2))
            (local.set $o (i32.add (local.get $o) (local.get $outStride)))
            (v128.store (local.get $o) (local.get $a4))
            (local.set $o (i32.add (local.get $o) (local.get $outStride)))
            (v128.store (local.get $o) (local.get $a6))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (br $r4)))
        (block $r1_done
          (loop $r1
            (br_if $r1_done (i32.ge_u (local.get $s) (local.get $S)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $s) (local.get $xStride))))
            (local.set $xe (i32.add (local.get $xp) (i32.shl (local.get $n) (i32.const 2))))
            (local.set $wp (local.get $w))
            (loop $j41
              (local.set $w0 (v128.load (local.get $wp)))
              (local.set $xv (v128.load32_splat (local.get $xp)))
              (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $xv))))
              (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
              (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
              (br_if $j41 (i32.lt_u (local.get $xp) (local.get $xe))))
            (v128.store (i32.add (i32.add (local.get $out) (i32.mul (local.get $s) (local.get $outStride))) (local.get $col)) (local.get $a0))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $r1)))
        (local.set $w (i32.add (local.get $w) (i32.shl (local.get $n) (i32.const 4))))
        (local.set $col (i32.add (local.get $col) (i32.const 16)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $panel4))))

  ;; GRU in PyTorch's form (linear_before_reset), the elementwise backward of one step for S rows
  ;; (see ../grad/local.ts gruLocalZN and gruLocalRLinear), with the arguments of lstm_back_rows:
  ;;   coef (5 blocks of Hp f64): cn cz z cr r, where da_n = dh cn, da_z = dh cz, da_r = da_n cr
  ;;   (cr holds u = W_hn h_prev + b_hn times r'), dah_n = da_n r (see backward.ts fillGruCoef).
  ;;   dcc (S, Hp) f64: dh z of the step after (h_prev's path through z), replaced by this step's.
  ;;   da (S, 3Hp) f32 out: [da_r | da_z | da_n] for W_ih; dah (S, 3Hp) f32 out: [da_r | da_z |
  ;;   da_n r] for W_hh. tmp: 6Hp f64. sq: per row, sum dh_t^2 and 0.
  (func (export "gru_back_rows")
    (param $S i32) (param $Hp i32) (param $dh i32) (param $dOut i32) (param $dOutStride i32)
    (param $coef i32) (param $dcc i32) (param $tmp i32) (param $da i32) (param $dah i32) (param $inv i32) (param $exp i32)
    (param $sq i32) (param $lim i32) (param $coefStride i32)
    (local $s i32) (local $pcf i32) (local $j i32) (local $hb i32) (local $db i32) (local $e i32) (local $sh i32)
    (local $pdh i32) (local $pout i32) (local $pc i32) (local $pda i32) (local $pdah i32)
    (local $sc v128) (local $m v128) (local $v v128) (local $dan v128) (local $daz v128) (local $dar v128) (local $dz v128) (local $dhn v128)
    (local $h2 v128) (local $mx v128) (local $iv f64) (local $big f64)
    (local.set $hb (i32.shl (local.get $Hp) (i32.const 2)))
    (local.set $db (i32.shl (local.get $Hp) (i32.const 3)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $s) (local.get $S)))
        (local.set $pcf (i32.add (local.get $coef) (i32.mul (local.get $s) (local.get $coefStride))))
        (local.set $e (i32.load (i32.add (local.get $exp) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $sc (f64x2.splat (call $pow2 (local.get $e))))
        (local.set $pdh (i32.add (local.get $dh) (i32.mul (local.get $s) (local.get $hb))))
        (local.set $pout (i32.add (local.get $dOut) (i32.mul (local.get $s) (local.get $dOutStride))))
        (local.set $pc (i32.add (local.get $dcc) (i32.mul (local.get $s) (local.get $db))))
        (local.set $h2 (v128.const f64x2 0 0))
        (local.set $mx (v128.const f64x2 0 0))
        (local.set $j (i32.const 0))
        (loop $units
          (local.set $v
            (f64x2.add
              (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pdh) (i32.shr_u (local.get $j) (i32.const 1)))))
              (v128.load (i32.add (local.get $pc) (local.get $j)))))
          (if (local.get $dOut)
            (then (local.set $v (f64x2.add (local.get $v) (f64x2.mul (v128.load (i32.add (local.get $pout) (local.get $j))) (local.get $sc))))))
          (local.set $h2 (f64x2.add (local.get $h2) (f64x2.mul (local.get $v) (local.get $v))))
          (local.set $dan (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $pcf) (local.get $j)))))
          (local.set $daz (f64x2.mul (local.get $v) (v128.load (i32.add (i32.add (local.get $pcf) (local.get $db)) (local.get $j)))))
          (local.set $dz (f64x2.mul (local.get $v) (v128.load (i32.add (i32.add (local.get $pcf) (i32.mul (local.get $db) (i32.const 2))) (local.get $j)))))
          (local.set $dar (f64x2.mul (local.get $dan) (v128.load (i32.add (i32.add (local.get $pcf) (i32.mul (local.get $db) (i32.const 3))) (local.get $j)))))
          (local.set $dhn (f64x2.mul (local.get $dan) (v128.load (i32.add (i32.add (local.get $pcf) (i32.mul (local.get $db) (i32.const 4))) (local.get $j)))))
          (v128.store (i32.add (local.get $pc) (local.get $j)) (local.get $dz))
          (v128.store (i32.add (local.get $tmp) (local.get $j)) (local.get $dar))
          (v128.store (i32.add (i32.add (local.get $tmp) (local.get $db)) (local.get $j)) (local.get $daz))
          (v128.store (i32.add (i32.add (local.get $tmp) (i32.mul (local.get $db) (i32.const 2))) (local.get $j)) (local.get $dan))
          (v128.store (i32.add (i32.add (local.get $tmp) (i32.mul (local.get $db) (i32.const 3))) (local.get $j)) (local.get $dar))
          (v128.store (i32.add (i32.add (local.get $tmp) (i32.mul (local.get $db) (i32.const 4))) (local.get $j)) (local.get $daz))
          (v128.store (i32.add (i32.add (local.get $tmp) (i32.mul (local.get $db) (i32.const 5))) (local.get $j)) (local.get $dhn))
          (local.set $mx
            (f64x2.max (local.get $mx)
              (f64x2.max
                (f64x2.max (f64x2.abs (local.get $dan)) (f64x2.abs (local.get $daz)))
                (f64x2.max (f64x2.max (f64x2.abs (local.get $dar)) (f64x2.abs (local.get $dhn))) (f64x2.abs (local.get $dz))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $units (i32.lt_u (local.get $j) (local.get $db))))
        (local.set $iv (f64.load (i32.add (local.get $inv) (i32.shl (local.get $s) (i32.const 3)))))
        (f64.store (i32.add (local.get $sq) (i32.shl (local.get $s) (i32.const 4)))
          (f64.mul (f64.add (f64x2.extract_lane 0 (local.get $h2)) (f64x2.extract_lane 1 (local.get $h2))) (f64.mul (local.get $iv) (local.get $iv))))
        (f64.store offset=8 (i32.add (local.get $sq) (i32.shl (local.get $s) (i32.const 4))) (f64.const 0))
        (local.set $big (f64.max (f64x2.extract_lane 0 (local.get $mx)) (f64x2.extract_lane 1 (local.get $mx))))
        (local.set $sh (call $row_shift (local.get $big) (local.get $e) (local.get $lim)))
        (local.set $m (f64x2.splat (call $pow2 (local.get $sh))))
        (local.set $e (i32.add (local.get $e) (local.get $sh)))
        (i32.store (i32.add (local.get $exp) (i32.shl (local.get $s) (i32.const 2))) (local.get $e))
        (f64.store (i32.add (local.get $inv) (i32.shl (local.get $s) (i32.const 3))) (call $pow2 (i32.sub (i32.const 0) (local.get $e))))
        ;; tmp's first three blocks -> da, the next three -> dah (both (S, 3Hp) f32)
        (local.set $pda (i32.add (local.get $da) (i32.mul (local.get $s) (i32.mul (local.get $hb) (i32.const 3)))))
        (local.set $pdah (i32.add (local.get $dah) (i32.mul (local.get $s) (i32.mul (local.get $hb) (i32.const 3)))))
        (local.set $j (i32.const 0))
        (loop $out
          (v128.store (i32.add (local.get $pda) (i32.shr_u (local.get $j) (i32.const 1)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.mul (v128.load (i32.add (local.get $tmp) (local.get $j))) (local.get $m)))
              (f32x4.demote_f64x2_zero (f64x2.mul (v128.load offset=16 (i32.add (local.get $tmp) (local.get $j))) (local.get $m)))))
          (v128.store (i32.add (local.get $pdah) (i32.shr_u (local.get $j) (i32.const 1)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.mul (v128.load (i32.add (i32.add (local.get $tmp) (i32.mul (local.get $db) (i32.const 3))) (local.get $j))) (local.get $m)))
              (f32x4.demote_f64x2_zero (f64x2.mul (v128.load offset=16 (i32.add (i32.add (local.get $tmp) (i32.mul (local.get $db) (i32.const 3))) (local.get $j))) (local.get $m)))))
          (local.set $j (i32.add (local.get $j) (i32.const 32)))
          (br_if $out (i32.lt_u (local.get $j) (i32.mul (local.get $db) (i32.const 3)))))
        (if (local.get $sh)
          (then
            (local.set $j (i32.const 0))
            (loop $carry
              (v128.store (i32.add (local.get $pc) (local.get $j)) (f64x2.mul (v128.load (i32.add (local.get $pc) (local.get $j))) (local.get $m)))
              (local.set $j (i32.add (local.get $j) (i32.const 16)))
              (br_if $carry (i32.lt_u (local.get $j) (local.get $db))))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $rows))))
