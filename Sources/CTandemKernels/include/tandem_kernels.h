#ifndef TANDEM_KERNELS_H
#define TANDEM_KERNELS_H

#include <stddef.h>

/// Rows per block of the panel layout that `tandem_logistic_pass` reads: block b holds rows
/// b·R ..< (b+1)·R, column after column (column j of block b at panels + (b·p + j)·R), and the
/// last block is padded with zeros.
int tandem_panel_rows(void);

/// 1 when this processor can run `tandem_logistic_pass` (x86-64 with AVX-512 F/VL/DQ/BW).
int tandem_logistic_kernel_available(void);

/// Accumulates, over the rows of blocks firstBlock ..< endBlock (rows at or past n are padding),
/// the logistic log-likelihood quantities at `beta`:
///   gram (p × p, column-major, upper triangle only) += Σ wᵢ μᵢ(1−μᵢ) xᵢxᵢᵀ   (single-precision products)
///   gradient (p)                                    += Σ wᵢ (yᵢ − μᵢ) xᵢ      (double precision)
///   *deviance                                       += 2 Σ wᵢ (log(1+e^ηᵢ) − yᵢηᵢ)
///   *maxAbsEta                                       = max(*maxAbsEta, |ηᵢ|)
/// with ηᵢ = xᵢᵀβ, μᵢ = 1/(1+e^−ηᵢ) and wᵢ the prior weight (1 when `weights` is NULL).
/// Returns 0, or −1 when p is outside 1…256 or the processor lacks the instructions, −2 when
/// memory for the workspace could not be had.
int tandem_logistic_pass(const double *panels, int p, ptrdiff_t n, ptrdiff_t firstBlock, ptrdiff_t endBlock,
                         const double *y, const double *weights, const double *beta,
                         double *gram, double *gradient, double *deviance, double *maxAbsEta);

/// Σ x[i], reading with the widest loads the processor has: the memory-bandwidth floor that
/// the benchmarks compare a pass over X with.
double tandem_stream_sum(const double *x, size_t count);

#endif
