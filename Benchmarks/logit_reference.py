"""Times scikit-learn's newton-cholesky and statsmodels' Logit on the data of the Swift
benchmark "IRLS: whole fit (1M × 21)" (Benchmarks/ForecastBenchmarks), built here bit for bit
from the same integer hash. Run by `make bench-compare` after the Swift benchmarks, on the same
machine in the same run; skipped with a message when the packages are missing.
"""
import sys
import time

import numpy as np

ROWS, FEATURES = 1_000_000, 20
M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def uniform(i, j):
    """The Swift benchmark's uniform(i, j) in uint64 arithmetic (wrapping like Swift's &* and &+)."""
    with np.errstate(over="ignore"):
        i = np.asarray(i, dtype=np.uint64)
        z = i * np.uint64(0x9E3779B97F4A7C15) + np.uint64(j) * np.uint64(0xBF58476D1CE4E5B9) + np.uint64(0x94D049BB133111EB)
        z = (z ^ (z >> np.uint64(31))) * np.uint64(0xD6E8FEB86659FD93)
        z = z ^ (z >> np.uint64(32))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def data():
    i = np.arange(ROWS, dtype=np.uint64)
    x = np.empty((ROWS, FEATURES + 1))
    x[:, 0] = 1
    for j in range(1, FEATURES + 1):
        x[:, j] = uniform(i, j) * 2 - 1
    eta = np.full(ROWS, -0.25)
    for j in range(1, FEATURES + 1):
        eta += (1.0 if j % 2 == 0 else -1.0) * j / 20 * x[:, j]
    y = (uniform(i, 1000) < 1 / (1 + np.exp(-eta))).astype(float)
    return x, y


def main():
    assert abs(uniform(0, 1) - float(sys.argv[1])) < 1e-15 if len(sys.argv) > 1 else True
    x, y = data()
    print(f"data: {ROWS:,} rows × {FEATURES + 1} columns, mean y {y.mean():.6f}, checksum {x[:, 1:].sum():.6f}")
    results = {}
    try:
        from sklearn.linear_model import LogisticRegression
        t = time.perf_counter()
        model = LogisticRegression(solver="newton-cholesky", C=np.inf, fit_intercept=False, tol=1e-8, max_iter=100).fit(x, y)
        results["scikit-learn newton-cholesky"] = (time.perf_counter() - t, model.coef_.ravel()[:3])
    except ImportError:
        print("scikit-learn is not installed: skipped")
    try:
        import statsmodels.api as sm
        t = time.perf_counter()
        fit = sm.Logit(y, x).fit(method="newton", tol=1e-8, maxiter=100, disp=False)
        results["statsmodels Logit (newton)"] = (time.perf_counter() - t, fit.params[:3])
    except ImportError:
        print("statsmodels is not installed: skipped")
    for name, (seconds, coef) in results.items():
        print(f"{name:32s} {seconds * 1000:8.0f} ms   first coefficients {np.round(coef, 6)}")


if __name__ == "__main__":
    main()
