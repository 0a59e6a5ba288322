r"""Ridge regression with leave-one-out choice of the penalty, for tall, wide and streamed designs.

:func:`ridge_loo` fits

.. math::

    \min_{\beta, b} \sum_i w_i \lVert y_i - b - z_i^\top \beta \rVert^2
    + \alpha \lVert \beta \rVert^2

for every ``alpha`` of a grid and every output, and picks each output's
``alpha`` (or one for all outputs) by the efficient leave-one-out error, as
:class:`sklearn.linear_model.RidgeCV` does with its default ``cv=None``: the
same criterion, the same choice, the same coefficients (to rounding). The
design ``Z`` is optionally standardised first, as
:class:`~sklearn.preprocessing.StandardScaler` would do it.

Everything comes from one spectral decomposition of the centred, weighted
design :math:`Z_s = \sqrt{W}(Z - 1\mu^\top)/\sigma`. With
:math:`Z_s^\top Z_s = V S^2 V^\top`, :math:`P = Z_s V` and
:math:`g = P^\top y_s` (:math:`y_s = \sqrt{W}(y - \bar y)`), for each
``alpha`` and all outputs at once:

.. math::

    \hat y_s = P\,\mathrm{diag}\big(1/(s^2 + \alpha)\big)\,g, \qquad
    h_i = \frac{w_i}{\sum_j w_j} + \sum_j \frac{P_{ij}^2}{s_j^2 + \alpha}, \qquad
    e_i = \frac{y_{s,i} - \hat y_{s,i}}{1 - h_i},

and the coefficients are :math:`V\,\mathrm{diag}(1/(s^2 + \alpha))\,g`.
``e`` is the leave-one-out error (scaled by :math:`\sqrt{w_i}`, as scikit-learn
scales it); its mean square is the score. The decomposition is chosen by shape:

``"covariance"``
    ``n_samples >= n_features``: the normal equations :math:`Z_s^\top Z_s`
    accumulated chunk of rows by chunk of rows, one symmetric
    eigendecomposition (``n_features``\ :sup:`3`).
``"gram"``
    ``n_features > n_samples``: the kernel :math:`Z_s Z_s^\top` accumulated
    block of features by block of features, one eigendecomposition
    (``n_samples``\ :sup:`3`); the coefficients come back through the dual.
``"range"``
    Designs whose rank is far below ``min(n_samples, n_features)``, such as
    lag windows of lead columns (every lead of a covariate at every step of
    the window is one of a few values shifted): a randomised range finder
    (Halko, Martinsson & Tropp 2011, algorithm 4.2) finds an orthonormal
    basis ``Q`` of the column space of :math:`Z_s`, then the SVD of the small
    :math:`Q^\top Z_s` gives the decomposition. The basis is accepted only
    when ten further random probes certify (their lemma 4.1, failure
    probability :math:`10^{-10}`) that the part of :math:`Z_s` it leaves out
    has spectral norm at most :math:`10^{-7}\sqrt{\alpha_{\min}}`, so that
    every hat matrix of the grid moves by at most about :math:`10^{-7}`:
    the fit is the exact ridge to that tolerance, not an approximation. A
    design that is not of low rank falls back to ``"covariance"`` or
    ``"gram"`` once the basis would pass a quarter of
    ``min(n_samples, n_features)``. Costs ``n_samples * n_features * rank``;
    on a full-rank design the attempt adds about a quarter to the exact
    solver's time (5,000 x 2,000: 4.7 against 3.7 CPU s).

The design is read only through a small interface (see :class:`DenseDesign`):
chunks of rows and blocks of columns as float64 arrays, so a design that is
a lazy view (windows, lags in window units) is never materialised.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["DenseDesign", "RidgeSolution", "normal_equations", "ridge_loo", "row_blocks"]

#: Elements of one float64 chunk of the design (16 MiB): large enough for
#: matrix products to run at full speed, small next to the design.
BLOCK_ELEMENTS = 2**21

#: Smallest ``min(n_samples, n_features)`` for which ``solver="auto"`` tries
#: the range finder first; below it the exact decompositions are cheap.
RANGE_MIN_RANK = 1024

#: First number of basis vectors the range finder draws; it doubles while
#: the probes find more of the design, up to a quarter of ``min(n, p)``.
RANGE_START = 256

#: Random probes that certify the range finder's basis.
N_PROBES = 10

#: The left-out part of the design must have spectral norm at most
#: ``RANGE_TOL * sqrt(min(alphas))``.
RANGE_TOL = 1e-7


class DenseDesign:
    """A design matrix held in memory, in the interface :func:`ridge_loo` reads.

    Any object with the same attributes and methods can stand for a design
    that is never materialised.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The design.

    Attributes
    ----------
    n_samples, n_features : int
        The design's shape.
    """

    def __init__(self, X):
        self.X = np.asarray(X)
        self.n_samples, self.n_features = self.X.shape

    def rows(self, rows):
        """Rows ``rows`` (a slice) as a float64 array of shape (n_rows, n_features)."""
        return np.asarray(self.X[rows], dtype=np.float64)

    def columns(self, size):
        """Yield ``(columns, block)``: a slice of columns and its float64 block, all rows."""
        for start in range(0, self.n_features, size):
            cols = slice(start, min(start + size, self.n_features))
            yield cols, np.asarray(self.X[:, cols], dtype=np.float64)


@dataclass
class RidgeSolution:
    """What :func:`ridge_loo` returns.

    Attributes
    ----------
    coef : ndarray of shape (n_features, n_outputs)
        Coefficients on the design as given (standardisation undone).
    intercept : ndarray of shape (n_outputs,)
    alpha : ndarray of shape (n_outputs,)
        The penalty chosen for each output (all equal when shared).
    loo_mse : ndarray of shape (n_alphas, n_outputs)
        Mean squared leave-one-out error of every penalty and output.
    solver : str
        The decomposition used: ``"covariance"``, ``"gram"`` or ``"range"``.
    rank : int
        Columns of the basis the decomposition used.
    """

    coef: np.ndarray
    intercept: np.ndarray
    alpha: np.ndarray
    loo_mse: np.ndarray
    solver: str
    rank: int


def row_blocks(n_rows, n_cols):
    """Slices of rows of an ``(n_rows, n_cols)`` float64 design, about 16 MiB each."""
    size = max(1, BLOCK_ELEMENTS // max(1, n_cols))
    return [slice(s, min(s + size, n_rows)) for s in range(0, n_rows, size)]


def _is_constant(var, mean, weight_sum):
    """Features whose variance is rounding error of their mean (StandardScaler's rule)."""
    eps = np.finfo(np.float64).eps
    upper = weight_sum * eps * var + (weight_sum * mean * eps) ** 2
    return var <= upper


class _Standardised:
    """The centred, scaled, sqrt-weighted design :math:`Z_s`, read chunk by chunk."""

    def __init__(self, design, sample_weight, standardize):
        self.design = design
        self.n, self.p = design.n_samples, design.n_features
        self.w = sample_weight
        self.sqrt_w = np.sqrt(sample_weight)
        self.blocks = row_blocks(self.n, self.p)
        total, mean, m2 = 0.0, np.zeros(self.p), np.zeros(self.p)
        for rows in self.blocks:          # Chan et al.'s pairwise update of mean and M2
            F, w = design.rows(rows), sample_weight[rows]
            w_sum = w.sum()
            if w_sum == 0:
                continue
            mean_b = w @ F / w_sum
            m2_b = w @ (F - mean_b) ** 2
            delta = mean_b - mean
            new_total = total + w_sum
            mean = mean + delta * (w_sum / new_total)
            m2 = m2 + m2_b + delta**2 * (total * w_sum / new_total)
            total = new_total
        self.weight_sum = total
        self.mean = mean
        if standardize:
            var = m2 / total
            scale = np.sqrt(var)
            scale[_is_constant(var, mean, total)] = 1.0
        else:
            scale = np.ones(self.p)
        self.scale = scale
        self.inv_scale = 1.0 / scale
        self.weighted = bool(np.any(sample_weight != 1.0))

    def rows(self, rows):
        """:math:`Z_s` rows ``rows``, shape (n_rows, n_features)."""
        Z = self.design.rows(rows) - self.mean           # a new array: rows may be a view
        Z *= self.inv_scale
        if self.weighted:
            Z *= self.sqrt_w[rows, np.newaxis]
        return Z

    def columns(self):
        """Yield ``(columns, block)`` of :math:`Z_s`, all rows."""
        size = max(1, BLOCK_ELEMENTS // max(1, self.n))
        for cols, Z in self.design.columns(size):
            Z = Z - self.mean[cols]
            Z *= self.inv_scale[cols]
            if self.weighted:
                Z *= self.sqrt_w[:, np.newaxis]
            yield cols, Z


def normal_equations(design, y, *, sample_weight=None, standardize=False):
    """The centred normal equations :math:`Z_s^\\top Z_s` and :math:`Z_s^\\top y_s`.

    Accumulated one chunk of rows at a time, so that a lazy design is never
    materialised.

    Parameters
    ----------
    design : DenseDesign or the same interface
        The design ``Z``, shape (n_samples, n_features).
    y : ndarray of shape (n_samples, n_outputs)
        Targets.
    sample_weight : ndarray of shape (n_samples,), optional
        Row weights; ``None`` weighs every row 1.
    standardize : bool, default=False
        Scale every feature to unit (weighted) variance first.

    Returns
    -------
    gram : ndarray of shape (n_features, n_features)
    moment : ndarray of shape (n_features, n_outputs)
    """
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    w = _weights(sample_weight, len(y))
    Zs = _Standardised(design, w, standardize)
    ys, _ = _centred_targets(y, w, Zs)
    return _covariance(Zs, ys)


def _weights(sample_weight, n):
    if sample_weight is None:
        return np.ones(n)
    return np.asarray(sample_weight, dtype=np.float64).reshape(n)


def _centred_targets(y, w, Zs):
    y_mean = w @ y / Zs.weight_sum
    return Zs.sqrt_w[:, np.newaxis] * (y - y_mean), y_mean


def _covariance(Zs, ys):
    gram = np.zeros((Zs.p, Zs.p))
    moment = np.zeros((Zs.p, ys.shape[1]))
    for rows in Zs.blocks:
        Z = Zs.rows(rows)
        gram += Z.T @ Z
        moment += Z.T @ ys[rows]
    return gram, moment


def ridge_loo(design, y, alphas, *, sample_weight=None, standardize=False,
              alpha_per_target=True, solver="auto", random_state=0):
    """Ridge regression on ``design`` with the penalty chosen by leave-one-out error.

    Parameters
    ----------
    design : DenseDesign or the same interface
        The design ``Z``, shape (n_samples, n_features), read in chunks.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    alphas : sequence of float > 0
        The penalties tried, in this order (ties go to the first).
    sample_weight : array-like of shape (n_samples,), optional
        Row weights, as in :class:`~sklearn.linear_model.RidgeCV`: the loss
        and the leave-one-out errors are weighted.
    standardize : bool, default=False
        Scale every feature to unit (weighted) variance before the penalty
        applies (the coefficients returned are on the unscaled design).
    alpha_per_target : bool, default=True
        One penalty per output (``True``) or one for all outputs, the one
        with the smallest leave-one-out error averaged over outputs.
    solver : {"auto", "covariance", "gram", "range"}, default="auto"
        The decomposition (see the module's docstring). ``"auto"`` tries
        ``"range"`` when ``min(n_samples, n_features)`` is at least 1024,
        then ``"covariance"`` for ``n_samples >= n_features`` and ``"gram"``
        otherwise. ``"range"`` falls back the same way when the design is not
        of low rank.
    random_state : int, default=0
        Seed of the range finder's random test matrices. The result does not
        depend on it beyond rounding: the basis is certified.

    Returns
    -------
    RidgeSolution
    """
    y = np.asarray(y, dtype=np.float64)
    y = y.reshape(len(y), -1)
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    w = _weights(sample_weight, len(y))
    Zs = _Standardised(design, w, standardize)
    ys, y_mean = _centred_targets(y, w, Zs)
    exact = "covariance" if Zs.n >= Zs.p else "gram"
    if solver == "range" or (solver == "auto" and min(Zs.n, Zs.p) >= RANGE_MIN_RANK):
        decomposition = _decompose_range(Zs, ys, alphas.min(), random_state)
        solver = "range" if decomposition is not None else exact
    else:
        decomposition = None
        solver = exact if solver == "auto" else solver
    if decomposition is None:
        decomposition = (_decompose_covariance if solver == "covariance"
                         else _decompose_gram)(Zs, ys)
    s2, g, row_factors, coef_of, basis = decomposition
    # Eigenvalues at rounding level are zeros (the intercept's direction of
    # the kernel is one): left as they are, a tiny s^2 next to a small alpha
    # would tilt 1 - h where h is close to 1.
    s2 = np.where(s2 > s2.max(initial=0.0) * max(Zs.n, Zs.p) * np.finfo(float).eps, s2, 0.0)

    # Leave-one-out errors of every alpha and output, one chunk of rows at a time.
    inv = 1.0 / (s2[:, np.newaxis] + alphas)                    # (r, n_alphas)
    fit_factors = (inv[:, :, np.newaxis] * g[:, np.newaxis, :]).reshape(len(s2), -1)
    n_alphas, n_outputs = len(alphas), y.shape[1]
    sse = np.zeros((n_alphas, n_outputs))
    for rows in row_blocks(Zs.n, len(s2)):
        intercept_leverage = (Zs.w[rows] / Zs.weight_sum)[:, np.newaxis]
        if basis == "complete":
            # U is a whole orthonormal basis of the rows' space, so
            # 1 - h = sum_j U_j^2 alpha / (s_j^2 + alpha) - w / sum(w), without
            # the cancellation of 1 - h when h is close to 1 (wide designs).
            U = row_factors(rows)
            P = U * np.sqrt(s2)
            slack = (U * U) @ (alphas * inv) - intercept_leverage
        else:
            P = row_factors(rows)                               # (rows, r)
            if basis == "orthonormal":
                P = P * np.sqrt(s2)
            slack = 1.0 - (P * P) @ inv - intercept_leverage
        fitted = (P @ fit_factors).reshape(-1, n_alphas, n_outputs)
        errors = (ys[rows, np.newaxis, :] - fitted) / slack[:, :, np.newaxis]
        sse += (errors**2).sum(axis=0)
    loo_mse = sse / Zs.n
    if alpha_per_target:
        best = np.argmin(loo_mse, axis=0)
    else:
        best = np.full(n_outputs, np.argmin(loo_mse.mean(axis=1)))
    alpha = alphas[best]
    coef = coef_of(1.0 / (s2[:, np.newaxis] + alpha)) / Zs.scale[:, np.newaxis]
    intercept = y_mean - Zs.mean @ coef
    return RidgeSolution(coef=coef, intercept=intercept, alpha=alpha, loo_mse=loo_mse,
                         solver=solver, rank=len(s2))


# Each decomposition returns (s2, g, row_factors, coef_of, basis):
#   s2 (r,): the squared singular values of Z_s;
#   g (r, n_outputs): P^T y_s, P = Z_s V;
#   row_factors(rows) -> with basis "projection", P[rows] (n_rows, r); with
#       "orthonormal", the rows of U = P / s (orthonormal columns); with
#       "complete", the rows of such a U that is a whole basis of R^n_samples;
#   coef_of(D) -> V (D * g), the coefficients on Z_s for factors D (r, n_outputs).

def _decompose_covariance(Zs, ys):
    gram, moment = _covariance(Zs, ys)
    s2, V = np.linalg.eigh(gram)
    s2 = np.maximum(s2, 0.0)
    g = V.T @ moment
    return s2, g, lambda rows: Zs.rows(rows) @ V, lambda D: V @ (D * g), "projection"


def _decompose_gram(Zs, ys):
    kernel = np.zeros((Zs.n, Zs.n))
    for _, Z in Zs.columns():
        kernel += Z @ Z.T
    s2, U = np.linalg.eigh(kernel)
    s2 = np.maximum(s2, 0.0)
    Uy = U.T @ ys

    def coef_of(D):
        dual = U @ (D * Uy)                                     # (n, n_outputs)
        coef = np.empty((Zs.p, dual.shape[1]))
        for cols, Z in Zs.columns():
            coef[cols] = Z.T @ dual
        return coef

    return s2, np.sqrt(s2)[:, np.newaxis] * Uy, lambda rows: U[rows], coef_of, "complete"


def _decompose_range(Zs, ys, alpha_min, random_state):
    """The decomposition from a certified basis of the design's column space, or None."""
    rng = np.random.default_rng(random_state)
    limit = min(Zs.n, Zs.p) // 4
    tol = RANGE_TOL * np.sqrt(alpha_min)
    bound = 10 * np.sqrt(2 / np.pi)                 # HMT lemma 4.1
    Q = np.empty((Zs.n, 0))
    k = min(RANGE_START, limit)
    while k > 0:
        omega = rng.standard_normal((Zs.p, k + N_PROBES))
        Y = np.empty((Zs.n, k + N_PROBES))
        for rows in Zs.blocks:
            Y[rows] = Zs.rows(rows) @ omega
        for _ in range(2):                          # twice is enough (Giraud et al.)
            Y -= Q @ (Q.T @ Y)
        Q_new, _ = np.linalg.qr(Y[:, :k])
        Q_new -= Q @ (Q.T @ Q_new)
        Q_new, _ = np.linalg.qr(Q_new)
        Q = np.hstack([Q, Q_new])
        probes = Y[:, k:]
        for _ in range(2):
            probes = probes - Q @ (Q.T @ probes)
        if bound * np.linalg.norm(probes, axis=0).max() <= tol:
            break
        k = min(Q.shape[1], limit - Q.shape[1])
    else:
        return None
    B = np.zeros((Q.shape[1], Zs.p))
    for rows in Zs.blocks:
        B += Q[rows].T @ Zs.rows(rows)
    # Z_s = Q B = (Q U) S V^T with B B^T = U S^2 U^T. V S = B^T U, so the
    # coefficients V diag(1/(s^2 + alpha)) g never divide by a small s.
    s2, U = np.linalg.eigh(B @ B.T)
    s2 = np.maximum(s2, 0.0)
    QU = Q @ U
    Uy = QU.T @ ys
    BtU = B.T @ U
    return (s2, np.sqrt(s2)[:, np.newaxis] * Uy, lambda rows: QU[rows],
            lambda D: BtU @ (D * Uy), "orthonormal")
