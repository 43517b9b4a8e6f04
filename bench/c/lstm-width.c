/*
 * C prototype for `npm run bench` (bench/c-width.ts compiles it with gcc -O3 -march=native; not
 * part of the product): the fast engine's whole-sequence LSTM (kernels.wat lstm_seq, with the
 * input projection of all steps done first as one matrix product) written with GCC vector types
 * of VW floats, VW = 4 (128-bit, what WebAssembly SIMD has), 8 (AVX2) or 16 (AVX-512), so that
 * the same algorithm measures what the instruction width alone is worth on this CPU.
 *
 *   lstm-width H D T   prints: VW us_per_step checksum
 *
 * Layout as kernels.wat: gate blocks i|f|g|o of H rows, W_hh in panels of K*VW rows over the H
 * inputs (row-major within a panel), K = 8 accumulators; activations are the same rational tanh
 * (sigmoid(x) = 1/2 + tanh(x/2)/2), vectorised.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef VW
#define VW 4
#endif
#define K 8
#define PR (K * VW)

typedef float vf __attribute__((vector_size(VW * 4), aligned(VW * 4)));

static inline vf splat(float x) {
  vf v;
  for (int i = 0; i < VW; i++) v[i] = x;
  return v;
}

typedef int vi __attribute__((vector_size(VW * 4)));
static inline vf pick(vi m, vf a, vf b) { return (vf)(((vi)a & m) | ((vi)b & ~m)); }
static inline vf vmin(vf a, vf b) { return pick(a < b, a, b); }
static inline vf vmax(vf a, vf b) { return pick(a > b, a, b); }

static inline vf tanh_v(vf x) {
  x = vmax(vmin(x, splat(7.90531110763549805f)), splat(-7.90531110763549805f));
  vf z = x * x;
  vf p = z * splat(-2.76076847742355e-16f) + splat(2.00018790482477e-13f);
  p = p * z + splat(-8.60467152213735e-11f);
  p = p * z + splat(5.12229709037114e-08f);
  p = p * z + splat(1.48572235717979e-05f);
  p = p * z + splat(6.37261928875436e-04f);
  p = p * z + splat(4.89352455891786e-03f);
  vf q = z * splat(1.19825839466702e-06f) + splat(1.18534705686654e-04f);
  q = q * z + splat(2.26843463243900e-03f);
  q = q * z + splat(4.89352518554385e-03f);
  return x * p / q;
}

static inline vf sigmoid_v(vf x) { return splat(0.5f) + splat(0.5f) * tanh_v(x * splat(0.5f)); }

/* out[t, r] = b[r] + sum_j W[r, j] x[t, j], W in panels of PR rows over n inputs. */
static void gemm(float *out, const float *b, const float *w, const float *x, int n, int T, int rows) {
  for (int p = 0; p < rows / PR; p++) {
    const float *wp0 = w + (size_t)p * n * PR;
    for (int t = 0; t < T; t++) {
      vf acc[K];
      for (int k = 0; k < K; k++) acc[k] = *(const vf *)(b + p * PR + k * VW);
      const float *wp = wp0;
      const float *xt = x + (size_t)t * n;
      for (int j = 0; j < n; j++, wp += PR) {
        vf xv = splat(xt[j]);
        for (int k = 0; k < K; k++) acc[k] += *(const vf *)(wp + k * VW) * xv;
      }
      for (int k = 0; k < K; k++) *(vf *)(out + (size_t)t * rows + p * PR + k * VW) = acc[k];
    }
  }
}

static void pack(float *dst, const float *w, int rows, int n) {
  for (int p = 0; p < rows / PR; p++)
    for (int j = 0; j < n; j++)
      for (int q = 0; q < PR; q++) *dst++ = w[(size_t)(p * PR + q) * n + j];
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  int H = argc > 1 ? atoi(argv[1]) : 128, D = argc > 2 ? atoi(argv[2]) : 16, T = argc > 3 ? atoi(argv[3]) : 5000;
  int reps = argc > 4 ? atoi(argv[4]) : 5;
  int G = 4 * H;
  if (G % PR != 0 || H % VW != 0) {
    fprintf(stderr, "H must be a multiple of %d\n", PR / 4);
    return 2;
  }
  float *wih = aligned_alloc(64, sizeof(float) * G * D), *whh = aligned_alloc(64, sizeof(float) * G * H);
  float *pih = aligned_alloc(64, sizeof(float) * G * D), *phh = aligned_alloc(64, sizeof(float) * G * H);
  float *bias = aligned_alloc(64, sizeof(float) * G), *zero = aligned_alloc(64, sizeof(float) * G);
  float *xs = aligned_alloc(64, sizeof(float) * T * D), *pre = aligned_alloc(64, sizeof(float) * (size_t)T * G);
  float *hs = aligned_alloc(64, sizeof(float) * (size_t)(T + 1) * H), *c = aligned_alloc(64, sizeof(float) * H);
  unsigned s = 1;
  float scale = 1.0f / (float)H;
  for (int i = 0; i < G * D; i++) wih[i] = ((s = s * 1103515245u + 12345u) >> 9) * (2.0f / 8388608.0f) - 1.0f;
  for (int i = 0; i < G * H; i++) whh[i] = (((s = s * 1103515245u + 12345u) >> 9) * (2.0f / 8388608.0f) - 1.0f) * scale * 8;
  for (int i = 0; i < G; i++) bias[i] = 0.1f, zero[i] = 0;
  for (int i = 0; i < T * D; i++) xs[i] = (float)__builtin_sin(0.01 * i);
  pack(pih, wih, G, D);
  pack(phh, whh, G, H);
  double best = 1e300;
  double check = 0;
  for (int r = 0; r < reps; r++) {
    double t0 = now_us();
    gemm(pre, bias, pih, xs, D, T, G); /* the input projection of every step: one product */
    memset(hs, 0, sizeof(float) * H);
    memset(c, 0, sizeof(float) * H);
    for (int t = 0; t < T; t++) {
      float *a = pre + (size_t)t * G;
      const float *h = hs + (size_t)t * H;
      gemm(a, a, phh, h, H, 1, G); /* a += W_hh h_prev */
      float *hn = hs + (size_t)(t + 1) * H;
      for (int u = 0; u < H; u += VW) {
        vf i = sigmoid_v(*(vf *)(a + u)), f = sigmoid_v(*(vf *)(a + H + u));
        vf g = tanh_v(*(vf *)(a + 2 * H + u)), o = sigmoid_v(*(vf *)(a + 3 * H + u));
        vf cn = f * *(vf *)(c + u) + i * g;
        *(vf *)(c + u) = cn;
        *(vf *)(hn + u) = o * tanh_v(cn);
      }
    }
    double us = (now_us() - t0) / T;
    if (us < best) best = us;
    check = 0;
    for (int u = 0; u < H; u++) check += hs[(size_t)T * H + u];
  }
  printf("%d %.4f %.6f\n", VW * 32, best, check);
  return 0;
}
