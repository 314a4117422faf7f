// The fused pass of one IRLS iteration for logistic regression, for x86-64 processors with
// AVX-512 (checked at run time; elsewhere Tandem uses its BLAS path, `dgemv` + `dsyrk`).
//
// Why a hand-written kernel rather than BLAS: the BLAS path reads X twice per block (dgemv for
// η, dgemv for the gradient) and forms XᵀWX with dsyrk in double precision, 462 Mflop for
// 1M × 21, which alone takes 4 ms at this machine's double-precision peak, while streaming X
// from memory takes 3-5 ms. This kernel reads each block of X from memory once, computes η,
// μ, the deviance and the gradient in double precision (exp and log1p vectorised, errors below
// 1e-15), and forms XᵀWX from a single-precision copy of √w·x (twice the arithmetic rate),
// accumulated in float over at most 64 products per lane and then in double. The Hessian only
// steers the Newton step: the fixed point is set by the double-precision gradient, so the
// coefficients are those of the exact method; the caller computes the final Hessian (for the
// standard errors) in double precision with BLAS.
#include "tandem_kernels.h"
#include <stdlib.h>
#include <string.h>
#include <math.h>

// Rows per panel block: a block of 256 rows × 21 doubles (43 KB) is read from L2 while its
// single-precision copy (21 KB) and the per-row vectors stay in L1.
#define BLOCK 256
#define MAXP 256
// Blocks whose float partial sums are added before they go into the double Gram: at most
// 4 × 256 / 16 = 64 products per float lane, so each lane's rounding error stays near 1e-6.
#define FLUSH 4

int tandem_panel_rows(void) { return BLOCK; }

static double sum_scalar(const double *x, size_t count) {
    double a = 0, b = 0, c = 0, d = 0;
    size_t i = 0;
    for (; i + 4 <= count; i += 4) { a += x[i]; b += x[i + 1]; c += x[i + 2]; d += x[i + 3]; }
    for (; i < count; i++) a += x[i];
    return a + b + c + d;
}

#if defined(__x86_64__)
#include <immintrin.h>
#define V4 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))

typedef __m512d D;   // 8 doubles
typedef __m512 F;    // 16 floats

static inline V4 D k_(double v) { return _mm512_set1_pd(v); }
static inline V4 D fma_(D a, D b, D c) { return _mm512_fmadd_pd(a, b, c); }

// e^a for a <= 0, to about 1 ulp; below -708 it gives e^-708.
static inline V4 D exp_nonpositive(D a) {
    a = _mm512_max_pd(a, k_(-708.0));
    // k = round(a/ln2): adding 1.5·2^52 + 1023 leaves k + 1023 in the low bits of kb.
    const D shifter = k_(6755399441055744.0 + 1023.0);
    D kb = fma_(a, k_(1.4426950408889634), shifter);
    D k = _mm512_sub_pd(kb, shifter);
    D r = _mm512_fnmadd_pd(k, k_(6.93147180369123816490e-01), a);
    r = _mm512_fnmadd_pd(k, k_(1.90821492927058770002e-10), r);
    // Taylor polynomial of degree 12 (|r| <= ln2/2: truncation < 2e-16 relative), Estrin's scheme.
    D r2 = _mm512_mul_pd(r, r), r4 = _mm512_mul_pd(r2, r2), r8 = _mm512_mul_pd(r4, r4);
    D a0 = fma_(r, k_(1.0), k_(1.0));
    D a1 = fma_(r, k_(1.0 / 6), k_(1.0 / 2));
    D a2 = fma_(r, k_(1.0 / 120), k_(1.0 / 24));
    D a3 = fma_(r, k_(1.0 / 5040), k_(1.0 / 720));
    D a4 = fma_(r, k_(1.0 / 362880), k_(1.0 / 40320));
    D a5 = fma_(r, k_(1.0 / 39916800), k_(1.0 / 3628800));
    D b0 = fma_(a1, r2, a0), b1 = fma_(a3, r2, a2), b2 = fma_(a5, r2, a4);
    D c0 = fma_(b1, r4, b0), c1 = fma_(k_(1.0 / 479001600), r4, b2);
    D s = fma_(c1, r8, c0);
    return _mm512_mul_pd(s, _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_castpd_si512(kb), 52)));
}

// 2·atanh(t) = log((1+t)/(1−t)) for 0 <= t <= 1/3: 2t·Σ t^2k/(2k+1), k = 0…16 (error < 1e-17).
static inline V4 D two_atanh(D t) {
    D z = _mm512_mul_pd(t, t), z2 = _mm512_mul_pd(z, z), z4 = _mm512_mul_pd(z2, z2), z8 = _mm512_mul_pd(z4, z4);
    D z16 = _mm512_mul_pd(z8, z8);
#define C(k) k_(1.0 / (2 * (k) + 1))
    D a0 = fma_(z, C(1), C(0)), a1 = fma_(z, C(3), C(2)), a2 = fma_(z, C(5), C(4)), a3 = fma_(z, C(7), C(6));
    D a4 = fma_(z, C(9), C(8)), a5 = fma_(z, C(11), C(10)), a6 = fma_(z, C(13), C(12)), a7 = fma_(z, C(15), C(14));
    D b0 = fma_(a1, z2, a0), b1 = fma_(a3, z2, a2), b2 = fma_(a5, z2, a4), b3 = fma_(a7, z2, a6);
    D c0 = fma_(b1, z4, b0), c1 = fma_(b3, z4, b2);
    D s = fma_(C(16), z16, fma_(c1, z8, c0));
#undef C
    return _mm512_mul_pd(_mm512_add_pd(t, t), s);
}

// Eight rows: from η, y and the prior weight, the deviance term (added to *dev), the residual
// wt·(y − μ) and √(wt·μ(1−μ)) in single precision.
static inline V4 void rows8(D e, D yv, D wv, D *dev, double *res, float *root) {
    const D one = k_(1.0), two = k_(2.0), zero = _mm512_setzero_pd();
    D a = _mm512_abs_pd(e);
    // q = e^−|η|; one division gives both s = 1/(1+q) and t = q/(2+q).
    D q = exp_nonpositive(_mm512_sub_pd(zero, a));
    D q1 = _mm512_add_pd(one, q), q2 = _mm512_add_pd(two, q);
    D inv = _mm512_div_pd(one, _mm512_mul_pd(q1, q2));
    D s = _mm512_mul_pd(q2, inv);
    D t = _mm512_mul_pd(_mm512_mul_pd(q, q1), inv);
    D qs = _mm512_mul_pd(q, s);
    D mu = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(e, zero, _CMP_GE_OQ), qs, s);
    // log(1 + e^η) − yη = max(η, 0) + log1p(q) − yη, and log1p(q) = 2·atanh(t).
    D term = _mm512_sub_pd(_mm512_add_pd(_mm512_max_pd(e, zero), two_atanh(t)), _mm512_mul_pd(yv, e));
    *dev = fma_(wv, term, *dev);
    _mm512_store_pd(res, _mm512_mul_pd(wv, _mm512_sub_pd(yv, mu)));
    _mm256_store_ps(root, _mm256_sqrt_ps(_mm512_cvtpd_ps(_mm512_mul_pd(wv, _mm512_mul_pd(qs, s)))));
}

typedef struct {
    int p, p3;
    float *fb;      // BLOCK × p3 floats, column-major: √w·x of the block's rows
    float *lanes;   // per pair j <= k of the p3 columns, 16 float lanes of partial sums
    double *eta, *res;
    float *root;
    D *grad;
    D dev, dev2, maxeta;
    const char *pfNext;   // the next block, prefetched into L2 a line at a time during this one
    size_t pfPos, pfEnd;
} Work;

// Prefetches the next line of the next block into L2. Called once an inner iteration of the
// gradient sweep and of the products (336 + 336 iterations for p = 21, as many as the block has
// lines), so memory streams at an even rate under the arithmetic; prefetching the block in bursts
// or into L1 (where the single-precision copy lives) was 10-15% slower.
static inline void prefetch_line(Work *w) {
    if (w->pfPos < w->pfEnd) { _mm_prefetch(w->pfNext + w->pfPos, _MM_HINT_T1); w->pfPos += 64; }
}

static inline int tri(int j, int k) { return k * (k + 1) / 2 + j; }

// One block: η = Xβ; then μ, the weights, the deviance and the residuals; then the gradient
// and the single-precision copy of √w·x. Three sweeps, so that each loop's chains overlap.
static V4 void block_first(Work *w, const double *x, const double *y, const double *wt, const double *beta) {
    const int p = w->p;
    double *eta = w->eta, *res = w->res;
    float *root = w->root;
    for (int i = 0; i < BLOCK; i += 32) {
        D e0 = _mm512_setzero_pd(), e1 = e0, e2 = e0, e3 = e0;
        for (int j = 0; j < p; j++) {
            const double *c = x + j * BLOCK + i;
            D b = _mm512_set1_pd(beta[j]);
            e0 = fma_(_mm512_load_pd(c), b, e0);
            e1 = fma_(_mm512_load_pd(c + 8), b, e1);
            e2 = fma_(_mm512_load_pd(c + 16), b, e2);
            e3 = fma_(_mm512_load_pd(c + 24), b, e3);
        }
        _mm512_store_pd(eta + i, e0); _mm512_store_pd(eta + i + 8, e1);
        _mm512_store_pd(eta + i + 16, e2); _mm512_store_pd(eta + i + 24, e3);
    }
    D dev = w->dev, dev2 = w->dev2, maxeta = w->maxeta;
    for (int i = 0; i < BLOCK; i += 16) {
        D e0 = _mm512_load_pd(eta + i), e1 = _mm512_load_pd(eta + i + 8);
        maxeta = _mm512_max_pd(maxeta, _mm512_max_pd(_mm512_abs_pd(e0), _mm512_abs_pd(e1)));
        D w0 = wt ? _mm512_loadu_pd(wt + i) : k_(1.0), w1 = wt ? _mm512_loadu_pd(wt + i + 8) : k_(1.0);
        rows8(e0, _mm512_loadu_pd(y + i), w0, &dev, res + i, root + i);
        rows8(e1, _mm512_loadu_pd(y + i + 8), w1, &dev2, res + i + 8, root + i + 8);
    }
    w->dev = dev; w->dev2 = dev2; w->maxeta = maxeta;
    // Columns in reverse: the last ones read by the first sweep are still in L1.
    for (int j = p - 1; j >= 0; j--) {
        const double *c = x + j * BLOCK;
        float *f = w->fb + j * BLOCK;
        D g0 = _mm512_setzero_pd(), g1 = g0;
        for (int i = 0; i < BLOCK; i += 16) {
            D x0 = _mm512_load_pd(c + i), x1 = _mm512_load_pd(c + i + 8);
            g0 = fma_(x0, _mm512_load_pd(res + i), g0);
            g1 = fma_(x1, _mm512_load_pd(res + i + 8), g1);
            F xf = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(x0)), _mm512_cvtpd_ps(x1), 1);
            _mm512_store_ps(f + i, _mm512_mul_ps(xf, _mm512_load_ps(root + i)));
            prefetch_line(w);
        }
        w->grad[j] = _mm512_add_pd(w->grad[j], _mm512_add_pd(g0, g1));
    }
}

// Adds the block's (√w·x)ᵀ(√w·x) into the float lanes, three columns by three, and meanwhile
// prefetches the rest of the next block.
static V4 void block_gram(Work *w) {
    const int g = w->p3 / 3;
    const float *fb = w->fb;
    float *lanes = w->lanes;
#define ACC(jj, kk, v) { float *l = lanes + 16 * tri(j0 + jj, k0 + kk); _mm512_store_ps(l, _mm512_add_ps(_mm512_load_ps(l), v)); }
#define FMA(a, b, c) c = _mm512_fmadd_ps(a, b, c)
    for (int ga = 0; ga < g; ga++) {
        const float *a0 = fb + 3 * ga * BLOCK, *a1 = a0 + BLOCK, *a2 = a1 + BLOCK;
        const int j0 = 3 * ga;
        {
            const int k0 = j0;
            F c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c11 = c00, c12 = c00, c22 = c00;
            for (int i = 0; i < BLOCK; i += 16) {
                F v0 = _mm512_load_ps(a0 + i), v1 = _mm512_load_ps(a1 + i), v2 = _mm512_load_ps(a2 + i);
                FMA(v0, v0, c00); FMA(v0, v1, c01); FMA(v0, v2, c02); FMA(v1, v1, c11); FMA(v1, v2, c12); FMA(v2, v2, c22);
            }
            ACC(0, 0, c00) ACC(0, 1, c01) ACC(0, 2, c02) ACC(1, 1, c11) ACC(1, 2, c12) ACC(2, 2, c22)
        }
        for (int gb = ga + 1; gb < g; gb++) {
            const float *b0 = fb + 3 * gb * BLOCK, *b1 = b0 + BLOCK, *b2 = b1 + BLOCK;
            const int k0 = 3 * gb;
            F c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00;
            for (int i = 0; i < BLOCK; i += 16) {
                F u0 = _mm512_load_ps(a0 + i), u1 = _mm512_load_ps(a1 + i), u2 = _mm512_load_ps(a2 + i);
                F v0 = _mm512_load_ps(b0 + i), v1 = _mm512_load_ps(b1 + i), v2 = _mm512_load_ps(b2 + i);
                prefetch_line(w);
                FMA(u0, v0, c00); FMA(u0, v1, c01); FMA(u0, v2, c02);
                FMA(u1, v0, c10); FMA(u1, v1, c11); FMA(u1, v2, c12);
                FMA(u2, v0, c20); FMA(u2, v1, c21); FMA(u2, v2, c22);
            }
            ACC(0, 0, c00) ACC(0, 1, c01) ACC(0, 2, c02) ACC(1, 0, c10) ACC(1, 1, c11) ACC(1, 2, c12)
            ACC(2, 0, c20) ACC(2, 1, c21) ACC(2, 2, c22)
        }
    }
    while (w->pfPos < w->pfEnd) prefetch_line(w);
#undef ACC
#undef FMA
}

// Moves the float lanes into the double Gram (upper triangle, column-major p × p).
static V4 void flush(Work *w, double *gram) {
    const int p = w->p;
    for (int k = 0; k < p; k++)
        for (int j = 0; j <= k; j++) {
            float *l = w->lanes + 16 * tri(j, k);
            F v = _mm512_load_ps(l);
            D s = _mm512_add_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(v)), _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)));
            gram[j + k * p] += _mm512_reduce_add_pd(s);
            _mm512_store_ps(l, _mm512_setzero_ps());
        }
}

int tandem_logistic_kernel_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma");
}

static V4 int pass_avx512(const double *panels, int p, ptrdiff_t n, ptrdiff_t firstBlock, ptrdiff_t endBlock,
                          const double *y, const double *weights, const double *beta,
                          double *gram, double *gradient, double *deviance, double *maxAbsEta) {
    Work w;
    w.p = p; w.p3 = (p + 2) / 3 * 3;
    const size_t pairs = (size_t)w.p3 * (w.p3 + 1) / 2;
    const size_t fbBytes = (size_t)BLOCK * w.p3 * sizeof(float), laneBytes = pairs * 16 * sizeof(float);
    const size_t gradBytes = (size_t)p * sizeof(D), vecBytes = (size_t)BLOCK * (4 * sizeof(double) + sizeof(float));
    char *mem = aligned_alloc(64, (fbBytes + laneBytes + gradBytes + vecBytes + 63) / 64 * 64);
    if (!mem) return -2;
    w.fb = (float *)mem; w.lanes = (float *)(mem + fbBytes); w.grad = (D *)(mem + fbBytes + laneBytes);
    w.eta = (double *)(mem + fbBytes + laneBytes + gradBytes); w.res = w.eta + BLOCK;
    double *ty = w.res + BLOCK, *tw = ty + BLOCK;
    w.root = (float *)(tw + BLOCK);
    memset(mem, 0, fbBytes + laneBytes + gradBytes);
    w.dev = _mm512_setzero_pd(); w.dev2 = w.dev; w.maxeta = w.dev;
    int pending = 0;
    for (ptrdiff_t b = firstBlock; b < endBlock; b++) {
        const ptrdiff_t r = b * BLOCK, m = n - r < BLOCK ? n - r : BLOCK;
        const double *x = panels + (size_t)b * BLOCK * p;
        w.pfNext = (const char *)(x + (size_t)BLOCK * p);
        w.pfPos = 0;
        w.pfEnd = b + 1 < endBlock ? (size_t)BLOCK * p * sizeof(double) : 0;
        if (m == BLOCK) {
            block_first(&w, x, y + r, weights ? weights + r : NULL, beta);
        } else {
            // The last block: its padding rows (zeros in the panel) get y = 0 and weight 0.
            memset(ty, 0, 2 * BLOCK * sizeof(double));
            memcpy(ty, y + r, m * sizeof(double));
            for (ptrdiff_t i = 0; i < m; i++) tw[i] = weights ? weights[r + i] : 1.0;
            block_first(&w, x, ty, tw, beta);
        }
        block_gram(&w);
        if (++pending == FLUSH) { flush(&w, gram); pending = 0; }
    }
    if (pending) flush(&w, gram);
    for (int j = 0; j < p; j++) gradient[j] += _mm512_reduce_add_pd(w.grad[j]);
    *deviance += 2 * _mm512_reduce_add_pd(_mm512_add_pd(w.dev, w.dev2));
    const double m = _mm512_reduce_max_pd(w.maxeta);
    if (m > *maxAbsEta) *maxAbsEta = m;
    free(mem);
    return 0;
}

static V4 double sum_avx512(const double *x, size_t count) {
    D a = _mm512_setzero_pd(), b = a, c = a, d = a;
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        a = _mm512_add_pd(a, _mm512_loadu_pd(x + i)); b = _mm512_add_pd(b, _mm512_loadu_pd(x + i + 8));
        c = _mm512_add_pd(c, _mm512_loadu_pd(x + i + 16)); d = _mm512_add_pd(d, _mm512_loadu_pd(x + i + 24));
    }
    double s = _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(a, b), _mm512_add_pd(c, d)));
    for (; i < count; i++) s += x[i];
    return s;
}

double tandem_stream_sum(const double *x, size_t count) {
    return tandem_logistic_kernel_available() ? sum_avx512(x, count) : sum_scalar(x, count);
}

int tandem_logistic_pass(const double *panels, int p, ptrdiff_t n, ptrdiff_t firstBlock, ptrdiff_t endBlock,
                         const double *y, const double *weights, const double *beta,
                         double *gram, double *gradient, double *deviance, double *maxAbsEta) {
    if (p < 1 || p > MAXP || !tandem_logistic_kernel_available()) return -1;
    return pass_avx512(panels, p, n, firstBlock, endBlock, y, weights, beta, gram, gradient, deviance, maxAbsEta);
}
#else
int tandem_logistic_kernel_available(void) { return 0; }
double tandem_stream_sum(const double *x, size_t count) { return sum_scalar(x, count); }
int tandem_logistic_pass(const double *panels, int p, ptrdiff_t n, ptrdiff_t firstBlock, ptrdiff_t endBlock,
                         const double *y, const double *weights, const double *beta,
                         double *gram, double *gradient, double *deviance, double *maxAbsEta) { return -1; }
#endif
