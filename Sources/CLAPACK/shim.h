// Declarations of the Fortran LAPACK and BLAS symbols Tandem calls.
//
// Fortran ABI on Linux x86-64 (gfortran, reference LAPACK and OpenBLAS alike):
//  - every INTEGER is a 32-bit int (LP64 interface, not ILP64);
//  - every argument is passed by reference;
//  - arrays are column-major: a(i,j) lives at a[i + j*lda];
//  - every CHARACTER argument adds a hidden length argument at the end of the list, in the order
//    of the character arguments. Its type is size_t with gfortran 8 and later. Callers pass 1.
#ifndef TANDEM_CLAPACK_SHIM_H
#define TANDEM_CLAPACK_SHIM_H

#include <stddef.h>

typedef int tandem_lapack_int;

// Least squares by QR/LQ: min ||b - A x||, A of full rank.
void dgels_(const char *trans, const tandem_lapack_int *m, const tandem_lapack_int *n,
            const tandem_lapack_int *nrhs, double *a, const tandem_lapack_int *lda, double *b,
            const tandem_lapack_int *ldb, double *work, const tandem_lapack_int *lwork,
            tandem_lapack_int *info, size_t trans_len);

// Minimum-norm least squares by divide-and-conquer SVD; reports the effective rank.
void dgelsd_(const tandem_lapack_int *m, const tandem_lapack_int *n, const tandem_lapack_int *nrhs,
             double *a, const tandem_lapack_int *lda, double *b, const tandem_lapack_int *ldb,
             double *s, const double *rcond, tandem_lapack_int *rank, double *work,
             const tandem_lapack_int *lwork, tandem_lapack_int *iwork, tandem_lapack_int *info);

// Cholesky factorisation of a symmetric positive-definite matrix.
void dpotrf_(const char *uplo, const tandem_lapack_int *n, double *a, const tandem_lapack_int *lda,
             tandem_lapack_int *info, size_t uplo_len);

// Eigenvalues and eigenvectors of a symmetric tridiagonal matrix (Gauss–Hermite nodes).
void dstev_(const char *jobz, const tandem_lapack_int *n, double *d, double *e, double *z,
            const tandem_lapack_int *ldz, double *work, tandem_lapack_int *info, size_t jobz_len);

// Solve A X = B with the Cholesky factor from dpotrf.
void dpotrs_(const char *uplo, const tandem_lapack_int *n, const tandem_lapack_int *nrhs,
             const double *a, const tandem_lapack_int *lda, double *b, const tandem_lapack_int *ldb,
             tandem_lapack_int *info, size_t uplo_len);

// Inverse of a symmetric positive-definite matrix from its Cholesky factor.
void dpotri_(const char *uplo, const tandem_lapack_int *n, double *a, const tandem_lapack_int *lda,
             tandem_lapack_int *info, size_t uplo_len);

// Reciprocal condition number (1-norm) of an SPD matrix from its Cholesky factor.
void dpocon_(const char *uplo, const tandem_lapack_int *n, const double *a,
             const tandem_lapack_int *lda, const double *anorm, double *rcond, double *work,
             tandem_lapack_int *iwork, tandem_lapack_int *info, size_t uplo_len);

// Reciprocal condition number of a triangular matrix (norm '1', uplo 'U', diag 'N').
void dtrcon_(const char *norm, const char *uplo, const char *diag, const tandem_lapack_int *n,
             const double *a, const tandem_lapack_int *lda, double *rcond, double *work,
             tandem_lapack_int *iwork, tandem_lapack_int *info, size_t norm_len, size_t uplo_len,
             size_t diag_len);

// Norm of a symmetric matrix ('1' for the 1-norm).
double dlansy_(const char *norm, const char *uplo, const tandem_lapack_int *n, const double *a,
               const tandem_lapack_int *lda, double *work, size_t norm_len, size_t uplo_len);

// BLAS: C := alpha A^T A + beta C (trans = 'T'), or alpha A A^T + beta C (trans = 'N').
void dsyrk_(const char *uplo, const char *trans, const tandem_lapack_int *n,
            const tandem_lapack_int *k, const double *alpha, const double *a,
            const tandem_lapack_int *lda, const double *beta, double *c,
            const tandem_lapack_int *ldc, size_t uplo_len, size_t trans_len);

// BLAS: y := alpha op(A) x + beta y.
void dgemv_(const char *trans, const tandem_lapack_int *m, const tandem_lapack_int *n,
            const double *alpha, const double *a, const tandem_lapack_int *lda, const double *x,
            const tandem_lapack_int *incx, const double *beta, double *y,
            const tandem_lapack_int *incy, size_t trans_len);

// OpenBLAS runs its own threads inside each call. Code that splits work over the cores itself
// asks it to stay single-threaded; with another BLAS (the reference one, swapped in through
// Debian's alternatives) the symbol is absent and this does nothing.
#include <dlfcn.h>
static inline int tandem_blas_single_threaded(void) {
    void (*set_threads)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
    if (set_threads == 0) return 0;
    set_threads(1);
    return 1;
}

#endif
