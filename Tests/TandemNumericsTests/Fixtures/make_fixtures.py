"""Reference solutions for TandemNumerics, from statsmodels.

Run once (python3 make_fixtures.py) to regenerate the JSON fixtures beside this script; they are
committed, so the Swift tests need no Python. Data are drawn from a fixed seed.
"""
import json
import numpy as np
import statsmodels
import statsmodels.api as sm

rng = np.random.default_rng(20261125)


def dump(name, x, y, w, params, bse, note):
    with open(name, "w") as f:
        json.dump({"note": note, "statsmodels": statsmodels.__version__,
                   "x": x.tolist(), "y": y.tolist(), "w": None if w is None else w.tolist(),
                   "params": list(map(float, params)), "bse": None if bse is None else list(map(float, bse))},
                  f, indent=1)


# Weighted least squares, well conditioned.
n = 200
x = np.column_stack([np.ones(n), rng.normal(size=n), rng.uniform(-2, 2, size=n), rng.normal(3, 2, size=n)])
beta = np.array([0.5, -1.25, 2.0, 0.3])
w = rng.uniform(0.2, 3.0, size=n)
y = x @ beta + rng.normal(size=n) / np.sqrt(w)
fit = sm.WLS(y, x, weights=w).fit()
dump("wls.json", x, y, w, fit.params, fit.bse, "sm.WLS(y, x, weights=w).fit()")

# Logistic regression (unpenalised), Newton to tight tolerance.
n = 500
x = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n), rng.uniform(0, 1, size=n), rng.integers(0, 2, size=n)])
beta = np.array([-0.4, 1.1, -0.7, 1.5, 0.8])
p = 1 / (1 + np.exp(-(x @ beta)))
y = (rng.uniform(size=n) < p).astype(float)
fit = sm.Logit(y, x).fit(method="newton", tol=1e-14, maxiter=100, disp=False)
dump("logit.json", x, y, None, fit.params, fit.bse, "sm.Logit(y, x).fit(method='newton', tol=1e-14)")

# Weighted logistic regression: a binomial GLM with frequency weights.
w = rng.integers(1, 5, size=n).astype(float)
fit = sm.GLM(y, x, family=sm.families.Binomial(), freq_weights=w).fit(tol=1e-14, maxiter=100)
dump("logit_weighted.json", x, y, w, fit.params, fit.bse, "sm.GLM(y, x, Binomial(), freq_weights=w).fit(tol=1e-14)")

# Rank-deficient least squares: the last column is twice the second; statsmodels' pinv gives
# the minimum-norm solution.
n = 60
c = rng.normal(size=n)
x = np.column_stack([np.ones(n), c, rng.normal(size=n), 2 * c])
y = 1 + 0.5 * c - x[:, 2] + rng.normal(scale=0.1, size=n)
fit = sm.OLS(y, x).fit(method="pinv")
dump("ols_rank_deficient.json", x, y, None, fit.params, None, "sm.OLS(y, x).fit(method='pinv'); column 4 = 2 × column 2")
