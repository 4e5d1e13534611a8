/* A chunk of training steps of one group, in one call: the engine's CPU step without per-op overhead.

   The parameters' layout is the Ensemble's (ensemble.py), the data the stream cache's (data.py), all
   read in place through pointers:

     params, grads, state0, state1, lr   flat buffers; layer l is (G, rows_l, cols_l), row-major,
                                         rows_0 = R0 (inputs, zero rows, the bias row last),
                                         rows_l = W + 1 (units, then the bias row), cols = W (1 at the top)
     x[g] (T, n, B)     slot g's chunk of inputs, feature-major;  y[g] (T, B) its targets

   Per step and per live slot g of true width w ≤ W, the same chain rule as Ensemble.forward/backward,
   on the slot's w units only (its padding is never read or written):

     forward    H_l = σ(P_lᵀ H_{l-1} + b_l)               (one sgemm per layer, H_{-1} = the n inputs)
                ŷ   = P_Lᵀ H_{L-1} + b_L
     loss       d   = sign(ŷ − y)/B  (L1)   or   2(ŷ − y)/B  (L2)
     backward   ∂P_l = H_{l-1} dZ_lᵀ,  ∂b_l = Σ_batch dZ_l  (one sgemm per layer; dZ_l transposed
                                                        first when w ≥ TRANSPOSED_GRAD_WIDTH, see there)
                dZ_{l-1} = (P_l dZ_l) ⊙ σ'(H_{l-1})       (one sgemm per layer, σ' from the output)

   where P_l is the block's first w rows (n at layer 0) and columns, and b_l its last row. Then the
   optimizer over the whole flat buffer (elementwise), exactly as optim.py orders its arithmetic.

   Slots never mix: slot g reads and writes only slot g's rows, so a model's numbers do not depend on
   its batch-mates, nor (its products being w-sized) on the width its group is padded to. Dead slots
   (dummies, diverged models: width 0) are skipped — their parameters, gradients and rates are all
   zero, and so are a live slot's padded entries, so the elementwise update leaves them at zero.

   Matrix products go through the sgemm of numpy's OpenBLAS, passed in as a function pointer (its
   symbol name and integer width vary between builds; fused.py finds them). The elementwise loops are
   plain C that the compiler vectorises, or written out for AVX registers to the same bits (tanh, a
   rational function rather than a libm call; a layer's dZ pass): so no -ffast-math is needed, which
   would also let the compiler assume away the NaNs that divergence detection relies on. NaNs
   propagate through every formula here, as they do in torch. Only tanh and ReLU are implemented;
   any other σ trains with the torch step. */

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __AVX__
#include <immintrin.h>
#endif

#define MAX_LAYERS 256             /* hidden layers: sizes the per-layer tables on the stack */
/* The weight gradient H dZᵀ as OpenBLAS's NN product with dZᵀ made explicit (a transpose of
   w × B floats) rather than its NT product: measured single-threaded on AVX-512 (AMD EPYC), the NT
   form of a (W + 1) × W × B product runs at 57 GFLOP/s for W = 40 and 77 for W = 80 (batch 128), 74
   for W = 64 (batch 256), the NN form at 106, 113 and 91; below W = 32 the NT form is as fast or
   faster (W = 16: 103 vs 85) and the transpose would not pay. A function of the model's own width,
   so its numbers still depend on its spec alone. Whole steps, measured both ways on
   any machine: benchmarks/bench_fused_layout.py. */
#ifndef TRANSPOSED_GRAD_WIDTH      /* -D overrides: benchmarks/bench_fused_layout.py measures both ways */
#define TRANSPOSED_GRAD_WIDTH 32
#endif
/* Points per hidden product: at W = 64 and batch 256, a whole-batch product runs at 91 (forward),
   94 (dH) and 91 (weight gradient, NN) GFLOP/s, two 128-point halves at 108, 113 and 113; at 128
   points and below, or narrower, blocking changes nothing measurable. */
#ifndef BATCH_BLOCK
#define BATCH_BLOCK 128
#endif
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
enum { TANH = 0, RELU = 1 };
enum { L1 = 0, L2 = 1 };
enum { ADADELTA = 0, ADAM = 1, SGD = 2 };

typedef void (*sgemm32_fn)(int, int, int, int32_t, int32_t, int32_t, float, const float *, int32_t,
                           const float *, int32_t, float, float *, int32_t);
typedef void (*sgemm64_fn)(int, int, int, int64_t, int64_t, int64_t, float, const float *, int64_t,
                           const float *, int64_t, float, float *, int64_t);

typedef struct {
    void *sgemm; int ilp64;
    int G, L, W, R0, B, n;             /* n inputs; R0 rows in layer 0's block: the n, zero rows, bias */
    int activation, loss, optimizer;
    float rho, eps, beta1, beta2;      /* AdaDelta: rho, eps; Adam: beta1, beta2, eps */
} Setup;

/* C = op(A) op(B) + beta · C, row-major */
static void gemm_beta(const Setup *s, int ta, int tb, int m, int n, int k, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc) {
    if (s->ilp64)
        ((sgemm64_fn)s->sgemm)(ROW_MAJOR, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
    else
        ((sgemm32_fn)s->sgemm)(ROW_MAJOR, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}

/* C = op(A) op(B), row-major */
static void gemm(const Setup *s, int ta, int tb, int m, int n, int k, const float *a, int lda,
                 const float *b, int ldb, float *c, int ldc) {
    gemm_beta(s, ta, tb, m, n, k, a, lda, b, ldb, 0.0f, c, ldc);
}

/* The products over the batch, BATCH_BLOCK points at a time (see there). Slot g's products use its
   own width w (m, k below), never the group's padded W, which only sets the row stride of the
   parameter blocks (ldp); so padding costs no arithmetic, and a model's sums do not depend on the
   bucket it was padded to. Forward and dH split their columns (each output element is the same
   dot product either way); the weight gradient splits its sum over the batch, the blocks
   accumulated in order. */

/* out (m × n) = Pᵀ in: P's first m columns over k rows (row stride ldp), in (k × n, row stride ldi).
   A hidden layer's bias is added by activate_rows, the output's by the loss or the scoring. */
static void forward_product(const Setup *s, int m, int n, int k, const float *p, int ldp, const float *in,
                            int ldi, float *out, int ldo) {
    for (int c0 = 0; c0 < n; c0 += BATCH_BLOCK) {
        const int nb = n - c0 < BATCH_BLOCK ? n - c0 : BATCH_BLOCK;
        gemm(s, TRANS, NO_TRANS, m, nb, k, p, ldp, in + c0, ldi, out + c0, ldo);
    }
}

/* dh (w × B) = P[:w, :w] dz: P of row stride ldp, dz and dh of row stride B */
static void input_grad_product(const Setup *s, int w, int B, const float *p, int ldp, const float *dz, float *dh) {
    for (int c0 = 0; c0 < B; c0 += BATCH_BLOCK) {
        const int nb = B - c0 < BATCH_BLOCK ? B - c0 : BATCH_BLOCK;
        gemm(s, NO_TRANS, NO_TRANS, w, nb, w, p, ldp, dz + c0, B, dh + c0, B);
    }
}

/* grad[:k, :w] (row stride ldg) = in (k × B, row stride B) dzᵀ, from dzt = dzᵀ (B × w) */
static void weight_grad_product(const Setup *s, int k, int w, int B, const float *in, const float *dzt,
                                float *grad, int ldg) {
    for (int c0 = 0; c0 < B; c0 += BATCH_BLOCK) {
        const int nb = B - c0 < BATCH_BLOCK ? B - c0 : BATCH_BLOCK;
        gemm_beta(s, NO_TRANS, NO_TRANS, k, w, nb, in + c0, B, dzt + (size_t)c0 * w, w,
                  c0 == 0 ? 0.0f : 1.0f, grad, ldg);
    }
}

/* A bias's gradient is a sum over the batch, Σ_b dZ[u, b], taken in a fixed order that vectorises
   without -ffast-math (see the top): eight running sums, b ≡ 0…7 mod 8, added pairwise, then the
   last B mod 8 terms. batch_sum takes it for one row; dz_pass for eight rows at once, to the same
   bits. */
typedef float float8 __attribute__((vector_size(32)));      /* GCC's and Clang's vector extension */

/* The end of a row's sum: its eight running sums folded pairwise, then d[b..B) */
static float row_sum(const float8 *acc, const float *d, int b, int B) {
    const float8 a = *acc;
    float sum = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    for (; b < B; b++) sum += d[b];
    return sum;
}

static float batch_sum(const float *d, int B) {
    float8 acc = {0.0f};
    int b = 0;
    for (; b + 8 <= B; b += 8) {
        float8 x;
        memcpy(&x, d + b, sizeof x);               /* an unaligned load */
        acc += x;
    }
    return row_sum(&acc, d, b, B);
}

/* tanh to ≤ 6 ulp (≤ 3.5e-7 absolute; torch's CPU path, 2·sigmoid(2z) − 1, is within 1.8e-7): the
   odd rational approximation x·p(x²)/q(x²) that Eigen uses for float tanh, clamped where tanh rounds
   to ±1, its polynomials by Horner's rule in fused multiply-adds. Only fmaf, multiplies, a divide and
   two selects: each rounds once, exactly as IEEE 754 says, so tanh_lanes (below) and this scalar
   form give the same bits, element for element. A NaN passes the clamps (comparisons with NaN are
   false) and stays NaN. */
#define TANH_CLAMP 7.90531110763549805f
static const float TANH_P[7] = {-2.76076847742355e-16f, 2.00018790482477e-13f, -8.60467152213735e-11f,
                                5.12229709037114e-08f, 1.48572235717979e-05f, 6.37261928875436e-04f,
                                4.89352455891786e-03f};
static const float TANH_Q[4] = {1.19825839466702e-06f, 1.18534705686654e-04f, 2.26843463243900e-03f,
                                4.89352518554385e-03f};

static inline float tanh_approx(float x) {
    x = x > TANH_CLAMP ? TANH_CLAMP : x;
    x = x < -TANH_CLAMP ? -TANH_CLAMP : x;
    const float x2 = x * x;
    float p = TANH_P[0], q = TANH_Q[0];
    for (int k = 1; k < 7; k++) p = fmaf(p, x2, TANH_P[k]);
    for (int k = 1; k < 4; k++) q = fmaf(q, x2, TANH_Q[k]);
    return x * p / q;
}

/* tanh_approx on a vector register's lanes, written out: left to the compiler, the scalar loop's
   clamps are if-converted into masked arithmetic that divides twice (measured 0.65 against
   0.46 ns per element on AVX-512 AMD EPYC). min(c, x) and max(−c, x) return their second operand
   when one is NaN (the x86 rule), so they are the scalar clamps exactly. */
#if defined(__AVX512F__)
#define TANH_LANES 16
typedef __m512 lanes;
#define LANE_OP(op) _mm512_##op
#elif defined(__AVX2__) && defined(__FMA__)
#define TANH_LANES 8
typedef __m256 lanes;
#define LANE_OP(op) _mm256_##op
#endif

#ifdef TANH_LANES
static inline lanes tanh_lanes(lanes x) {
    x = LANE_OP(min_ps)(LANE_OP(set1_ps)(TANH_CLAMP), LANE_OP(max_ps)(LANE_OP(set1_ps)(-TANH_CLAMP), x));
    const lanes x2 = LANE_OP(mul_ps)(x, x);
    lanes p = LANE_OP(set1_ps)(TANH_P[0]), q = LANE_OP(set1_ps)(TANH_Q[0]);
    for (int k = 1; k < 7; k++) p = LANE_OP(fmadd_ps)(p, x2, LANE_OP(set1_ps)(TANH_P[k]));
    for (int k = 1; k < 4; k++) q = LANE_OP(fmadd_ps)(q, x2, LANE_OP(set1_ps)(TANH_Q[k]));
    return LANE_OP(div_ps)(LANE_OP(mul_ps)(x, p), q);
}
#endif

/* h = σ(h + bias) in place over `count` elements: in one pass with the activation, the bias costs
   an add, not a pass over the layer of its own */
static void activate(int activation, float *restrict h, size_t count, float bias) {
    switch (activation) {
    case TANH:
    {
        size_t i = 0;
#ifdef TANH_LANES
        const lanes b = LANE_OP(set1_ps)(bias);
        for (; i + TANH_LANES <= count; i += TANH_LANES)
            LANE_OP(storeu_ps)(h + i, tanh_lanes(LANE_OP(add_ps)(LANE_OP(loadu_ps)(h + i), b)));
#endif
        for (; i < count; i++) h[i] = tanh_approx(h[i] + bias);
        break;
    }
    case RELU:      /* z < 0 is false for a NaN, which passes */
        for (size_t i = 0; i < count; i++) {
            const float z = h[i] + bias;
            h[i] = z < 0.0f ? 0.0f : z;
        }
        break;
    }
}

/* The rows of a layer: h[u, :n] = σ(h[u, :n] + bias[u]) for u < w (row stride ld) */
static void activate_rows(int activation, float *h, int w, int n, int ld, const float *bias) {
    for (int u = 0; u < w; u++) activate(activation, h + (size_t)u * ld, (size_t)n, bias[u]);
}

/* d = d ⊙ σ'(z), with σ' read off the output h = σ(z) */
static void derivative(int activation, float *restrict d, const float *restrict h, size_t count) {
    switch (activation) {
    case TANH:
        for (size_t i = 0; i < count; i++) d[i] *= 1.0f - h[i] * h[i];
        break;
    case RELU:      /* h > 0 exactly where z > 0 */
        for (size_t i = 0; i < count; i++) d[i] = h[i] > 0.0f ? d[i] : 0.0f;
        break;
    }
}

#ifdef __AVX__
/* Eight rows of eight floats r[0..8), transposed into eight rows of out (row stride ld): the
   unpack/shuffle/permute network of the AVX transpose, 3–6× a scalar loop's speed (0.98 against
   3.04 µs for 80 × 128 on AVX-512 AMD EPYC). Only moves floats: exact. */
static inline void transpose8x8(__m256 r[8], float *out, size_t ld) {
    __m256 t[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        _mm256_storeu_ps(out + (size_t)i * ld, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
        _mm256_storeu_ps(out + (size_t)(i + 4) * ld, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
    }
}

/* derivative on eight lanes: the same operations, lane by lane */
static inline float8 derivative8(int activation, float8 d, float8 h) {
    typedef int32_t int8v __attribute__((vector_size(32)));
    const float8 zero = {0.0f}, one = zero + 1.0f;
    if (activation == TANH) return d * (one - h * h);
    return (float8)((int8v)(h > zero) & (int8v)d);      /* ReLU: d where h > 0 (false for NaN), else +0 */
}
#endif

/* A layer's dZ from its dH, in one pass where three would read it again and again: dz = dz ⊙ σ'(h)
   in place (derivative), grad[u] = Σ_b dz[u, b] (batch_sum's order) and, where dzt is not
   NULL, dzt (B × w) = dzᵀ for the weight gradient's NN product. dz and h: w × B. With AVX, eight
   rows at a time through registers; the edges and other CPUs row by row, to the same bits. */
static void dz_pass(int activation, float *restrict dz, const float *restrict h, int w, int B,
                    float *restrict grad, float *restrict dzt) {
    int u = 0;
#ifdef __AVX__
    for (; u + 8 <= w; u += 8) {
        float8 acc[8] = {{0.0f}};
        int b = 0;
        for (; b + 8 <= B; b += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++) {
                float8 d, x;
                memcpy(&d, dz + (size_t)(u + i) * B + b, sizeof d);      /* unaligned loads and stores */
                memcpy(&x, h + (size_t)(u + i) * B + b, sizeof x);
                d = derivative8(activation, d, x);
                memcpy(dz + (size_t)(u + i) * B + b, &d, sizeof d);
                acc[i] += d;
                r[i] = (__m256)d;
            }
            if (dzt) transpose8x8(r, dzt + (size_t)b * w + u, (size_t)w);
        }
        for (int i = 0; i < 8; i++) {                /* the last B mod 8 columns */
            float *d = dz + (size_t)(u + i) * B;
            derivative(activation, d + b, h + (size_t)(u + i) * B + b, (size_t)(B - b));
            grad[u + i] = row_sum(&acc[i], d, b, B);
            if (dzt)
                for (int c = b; c < B; c++) dzt[(size_t)c * w + u + i] = d[c];
        }
    }
#endif
    for (; u < w; u++) {                             /* the rows below the blocks */
        float *d = dz + (size_t)u * B;
        derivative(activation, d, h + (size_t)u * B, (size_t)B);
        grad[u] = batch_sum(d, B);
        if (dzt)
            for (int c = 0; c < B; c++) dzt[(size_t)c * w + u] = d[c];
    }
}

/* Offsets of each layer's block in the flat buffers, and its rows and columns */
static void layout(const Setup *s, size_t *off, int *rows, int *cols) {
    size_t total = 0;
    for (int l = 0; l <= s->L; l++) {
        rows[l] = l == 0 ? s->R0 : s->W + 1;
        cols[l] = l == s->L ? 1 : s->W;
        off[l] = total;
        total += (size_t)s->G * rows[l] * cols[l];
    }
    off[s->L + 1] = total;
}

/* Forward, loss gradient and backward of slot g (true width w ≤ W) on one batch: fills slot g's
   gradients. Its padded units (rows and columns w..W−1) are never read or written: their
   parameters and gradients stay exactly zero. */
static void slot_step(const Setup *s, const size_t *off, const int *rows, const int *cols, int g, int w,
                      const float *params, float *grads, const float *xg, const float *yg, float *work) {
    const int L = s->L, W = s->W, B = s->B;
    const size_t hsize = (size_t)(W + 1) * B;
    float *H = work;                               /* L buffers, (w, B) used of (W + 1, B) */
    float *D0 = H + L * hsize, *D1 = D0 + (size_t)W * B;      /* dZ and dH, then dZᵀ (B, w) */
    float *pred = D1 + 2 * (size_t)W * B, *dpred = pred + B;
#define PARAM(l) (params + off[l] + (size_t)g * rows[l] * cols[l])
#define GRAD(l) (grads + off[l] + (size_t)g * rows[l] * cols[l])
#define INPUT(l) ((l) == 0 ? xg : H + (size_t)((l) - 1) * hsize)
#define PARAM_BIAS(l) (PARAM(l) + (size_t)(rows[l] - 1) * cols[l])     /* a block's last row */
#define GRAD_BIAS(l) (GRAD(l) + (size_t)(rows[l] - 1) * cols[l])
#define K(l) ((l) == 0 ? s->n : w)     /* rows a layer reads: the n inputs, or the w units below */

    for (int l = 0; l < L; l++) {
        float *h = H + (size_t)l * hsize;
        forward_product(s, w, B, K(l), PARAM(l), W, INPUT(l), B, h, B);
        activate_rows(s->activation, h, w, B, B, PARAM_BIAS(l));
    }
    const float *top = INPUT(L), *PL = PARAM(L);
    forward_product(s, 1, B, K(L), PL, 1, top, B, pred, B);
    const float scale = (s->loss == L1 ? 1.0f : 2.0f) / (float)B, bias = *PARAM_BIAS(L);
    for (int b = 0; b < B; b++) {
        float d = (pred[b] + bias) - yg[b];
        if (s->loss == L1) d = d > 0.0f ? 1.0f : (d < 0.0f ? -1.0f : d);    /* sign, NaN kept */
        dpred[b] = d * scale;
    }
    gemm(s, NO_TRANS, TRANS, w, 1, B, top, B, dpred, B, GRAD(L), 1);
    *GRAD_BIAS(L) = batch_sum(dpred, B);
    float *dz = D0, *dh = D1, *dzt = w >= TRANSPOSED_GRAD_WIDTH ? D1 + (size_t)W * B : NULL;
    for (int r = 0; r < w; r++)                    /* P_L dZ is an outer product */
        for (int b = 0; b < B; b++) dz[(size_t)r * B + b] = PL[r] * dpred[b];
    dz_pass(s->activation, dz, top, w, B, GRAD_BIAS(L - 1), dzt);
    for (int l = L - 1; l >= 0; l--) {             /* dz: layer l's dZ, its bias gradient done */
        if (dzt)
            weight_grad_product(s, K(l), w, B, INPUT(l), dzt, GRAD(l), W);
        else
            gemm(s, NO_TRANS, TRANS, K(l), w, B, INPUT(l), B, dz, B, GRAD(l), W);
        if (l == 0) break;
        input_grad_product(s, w, B, PARAM(l), W, dz, dh);
        dz_pass(s->activation, dh, INPUT(l), w, B, GRAD_BIAS(l - 1), dzt);
        float *t = dz; dz = dh; dh = t;
    }
#undef PARAM
#undef GRAD
#undef INPUT
#undef PARAM_BIAS
#undef GRAD_BIAS
#undef K
}

/* The optimizers of optim.py, element by element, in their order of operations */
static void update(const Setup *s, size_t count, float *restrict p, const float *restrict g,
                   float *restrict m0, float *restrict m1, const float *restrict lr, double *t) {
    switch (s->optimizer) {
    case ADADELTA: {
        const float rho = s->rho, c = 1.0f - s->rho, eps = s->eps;
        for (size_t i = 0; i < count; i++) {
            float sq = m0[i] * rho + c * (g[i] * g[i]);                      /* E[g²] */
            float delta = sqrtf((m1[i] + eps) / (sq + eps)) * g[i];          /* Δ */
            m0[i] = sq;
            m1[i] = m1[i] * rho + c * (delta * delta);                       /* E[Δ²] */
            p[i] = p[i] - delta * lr[i];
        }
        break;
    }
    case ADAM: {
        *t += 1.0;
        const float c0 = (float)(1.0 - pow(s->beta1, *t));                  /* 1 − β₁^t */
        const float c1 = (float)sqrt(1.0 - pow(s->beta2, *t));              /* √(1 − β₂^t) */
        const float a = 1.0f - s->beta1, b2 = s->beta2, c2 = 1.0f - s->beta2, eps = s->eps;
        for (size_t i = 0; i < count; i++) {
            float m = m0[i] + a * (g[i] - m0[i]);
            float v = m1[i] * b2 + c2 * (g[i] * g[i]);
            m0[i] = m;
            m1[i] = v;
            p[i] = p[i] - (m * lr[i] / c0) / (sqrtf(v) / c1 + eps);
        }
        break;
    }
    case SGD:
        for (size_t i = 0; i < count; i++) p[i] = p[i] - g[i] * lr[i];
        break;
    }
}

int depthsep_max_layers(void) { return MAX_LAYERS; }

/* h = σ(h + bias) in place, the step's own activation pass: its vector and scalar paths are tested
   against each other and against tanh through this. */
void depthsep_activate(int activation, float *h, size_t count, float bias) { activate(activation, h, count, bias); }

enum { EVAL_COLUMNS = BATCH_BLOCK };   /* points per block of evaluation: the hidden products' best size */

/* Floats of scratch depthsep_predict needs. */
size_t depthsep_predict_floats(int W) { return 2 * (size_t)(W + 1) * EVAL_COLUMNS; }

/* Every live slot at the same m points: x (n, m) feature-major, out (G, m).
   widths[g]: slot g's true width, 0 for an empty slot (left untouched). The forward of slot_step, a
   block of points at a time. Returns 0, or 1 for a bad setup. */
int depthsep_predict(const Setup *s, const float *params, const int32_t *widths, const float *x, int m,
                     float *out, float *work) {
    size_t off[MAX_LAYERS + 2];
    int rows[MAX_LAYERS + 1], cols[MAX_LAYERS + 1];
    if (s->L < 1 || s->L > MAX_LAYERS) return 1;
    layout(s, off, rows, cols);
    const int W = s->W, L = s->L;
    float *buffers[2] = {work, work + (size_t)(W + 1) * EVAL_COLUMNS};
    for (int g = 0; g < s->G; g++) {
        const int w = widths[g];
        if (w <= 0 || w > W) continue;
        for (int c0 = 0; c0 < m; c0 += EVAL_COLUMNS) {
            const int n = m - c0 < EVAL_COLUMNS ? m - c0 : EVAL_COLUMNS;
            const float *in = x + c0;
            int ld = m;
            for (int l = 0; l <= L; l++) {
                const float *p = params + off[l] + (size_t)g * rows[l] * cols[l];
                const float *bias = p + (size_t)(rows[l] - 1) * cols[l];     /* the block's last row */
                if (l == L) {
                    float *o = out + (size_t)g * m + c0;
                    forward_product(s, 1, n, w, p, 1, in, ld, o, m);
                    for (int b = 0; b < n; b++) o[b] += *bias;
                    break;
                }
                float *h = buffers[l % 2];
                forward_product(s, w, n, l == 0 ? s->n : w, p, W, in, ld, h, EVAL_COLUMNS);
                activate_rows(s->activation, h, w, n, EVAL_COLUMNS, bias);
                in = h;
                ld = EVAL_COLUMNS;
            }
        }
    }
    return 0;
}

/* Floats of scratch depthsep_train_steps needs (one slot's, reused slot after slot). */
size_t depthsep_work_floats(int L, int W, int B) {
    return (size_t)L * (W + 1) * B + 3 * (size_t)W * B + 2 * (size_t)B;
}

/* Train `steps` steps, slot g on the first `steps` of x[g], y[g]. widths[g]: slot g's true width, 0
   to skip it (an empty or diverged slot: its x[g], y[g] are not read). Returns 0, or 1 for a bad
   setup (too many layers). */
int depthsep_train_steps(const Setup *s, int steps, float *params, float *grads, float *state0, float *state1,
                         const float *lr, const int32_t *widths, const float *const *x,
                         const float *const *y, double *adam_t, float *work) {
    size_t off[MAX_LAYERS + 2];
    int rows[MAX_LAYERS + 1], cols[MAX_LAYERS + 1];
    if (s->L < 1 || s->L > MAX_LAYERS) return 1;
    layout(s, off, rows, cols);
    const size_t total = off[s->L + 1];
    const size_t xstep = (size_t)s->n * s->B, ystep = (size_t)s->B;
    for (int t = 0; t < steps; t++) {
        for (int g = 0; g < s->G; g++)
            if (widths[g] > 0 && widths[g] <= s->W)
                slot_step(s, off, rows, cols, g, widths[g], params, grads, x[g] + t * xstep, y[g] + t * ystep, work);
        update(s, total, params, grads, state0, state1, lr, adam_t);
    }
    return 0;
}
