r"""Forecast reconciliation: make any forecasts of a hierarchy add up.

Forecasts made node by node rarely add up: the forecast of a category is not
the sum of its products' forecasts. *Reconciliation* maps base forecasts
:math:`\hat y \in \mathbb{R}^n` of the ``n`` nodes of a
:class:`~sklstm.hierarchy.Hierarchy` to coherent ones,

.. math::

    \tilde y = S P \hat y,

where :math:`S` (``n x m``, :attr:`Hierarchy.S`) sums the ``m`` leaves up to
every node and :math:`P` (``m x n``) maps the base forecasts to leaf
forecasts. Whatever :math:`P` is, every parent of :math:`\tilde y` is the sum
of its children.

- :func:`reconcile` applies one of six choices of :math:`P` to forecasts of
  any origin;
- :class:`ReconciledRegressor` fits one global regressor over every node's
  windows and reconciles its forecasts, so that any sklstm regressor (or
  baseline) forecasts a hierarchy coherently.

Both are also importable from :mod:`sklstm.hierarchy`.
"""

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from ._validation import (
    Options,
    check_args,
    check_params,
    check_sequences,
    check_target,
    flatten_target,
)
from .hierarchy import Hierarchy, _as_hierarchy, _is_hierarchy_like

__all__ = ["METHODS", "reconcile", "ReconciledRegressor"]

#: The reconciliation methods, in the order of the documentation.
METHODS = ("bottom_up", "top_down", "ols", "wls_struct", "wls_var", "mint_shrink")

_NEEDS_RESIDUALS = ("wls_var", "mint_shrink")


# --------------------------------------------------------------------------
# the projection
# --------------------------------------------------------------------------


def _finite_matrix(function, name, value, n_nodes, fix):
    """``value`` as a finite float64 array of shape (n_rows, n_nodes); wording for errors."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != n_nodes or array.shape[0] == 0:
        raise ValueError(
            f"{function}: {name} must have shape (n_times, n_nodes) with n_nodes={n_nodes} "
            f"(one column per node, in the order of Hierarchy.nodes) and at least one "
            f"row, got shape {array.shape}. {fix}")
    if not np.isfinite(array).all():
        row, col = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(
            f"{function}: {name} contains NaN or infinity (first at row {row}, node "
            f"{col}). {fix} Drop or fill the rows with missing values first.")
    return array


def _shrunk_covariance(residuals):
    r"""Schäfer–Strimmer shrinkage of the residual covariance toward its diagonal.

    Returns ``(W, lambda)`` with :math:`W = \lambda D + (1 - \lambda) \hat W`
    (formulas in :func:`reconcile`).
    """
    n_times, n_nodes = residuals.shape
    covariance = residuals.T @ residuals / n_times                    # (n, n), \hat W
    variance = np.diag(covariance)
    if n_nodes < 2:
        return covariance, 0.0
    x = residuals / np.sqrt(variance)                                 # standardized
    correlation = x.T @ x / n_times                                   # r_ij = mean_t w_tij
    # Var(r_ij) = sum_t (w_tij - r_ij)^2 / (T (T - 1)), with w_tij = x_ti x_tj
    spread = (x ** 2).T @ (x ** 2) - n_times * correlation ** 2
    off = ~np.eye(n_nodes, dtype=bool)
    denominator = np.sum(correlation[off] ** 2)
    if denominator == 0.0:                     # uncorrelated: the diagonal is the target
        return np.diag(variance), 1.0
    lam = np.sum(spread[off]) / (n_times * (n_times - 1)) / denominator
    lam = float(np.clip(lam, 0.0, 1.0))
    shrunk = (1.0 - lam) * covariance
    shrunk[np.diag_indices(n_nodes)] = variance
    return shrunk, lam


def _weights(hierarchy, method, residuals):
    """The weight matrix ``W`` of a MinT-family method, and the shrinkage intensity."""
    if method == "ols":
        return np.ones(hierarchy.n_nodes), None
    if method == "wls_struct":
        return hierarchy.S.sum(axis=1), None                          # leaves below each node
    variance = np.mean(residuals ** 2, axis=0)
    if (variance == 0.0).any():
        node = hierarchy.nodes[np.flatnonzero(variance == 0.0)[0]]
        raise ValueError(
            f"reconcile: the residuals of node {node!r} are all zero, so its variance is "
            f"0 and method={method!r} cannot weight it. Pass the in-sample errors "
            "y - y_fitted of every node, or use method='wls_struct' or 'ols', which "
            "need no residuals.")
    if method == "wls_var":
        return variance, None
    if len(residuals) < 2:
        raise ValueError(
            "reconcile: method='mint_shrink' needs residuals from at least 2 time steps "
            "to estimate the shrinkage intensity, got 1 sample (1 row). Pass more rows "
            "of residuals=, or use method='wls_var'.")
    return _shrunk_covariance(residuals)


def _minimum_trace(hierarchy, W):
    r"""``P = J - J W U (U' W U)^{-1} U'`` for a diagonal (1-D ``W``) or full weight matrix."""
    S, leaves = hierarchy.S, hierarchy.leaves
    aggregated = np.setdiff1d(np.arange(hierarchy.n_nodes), leaves)
    n_nodes = hierarchy.n_nodes
    J = np.zeros((len(leaves), n_nodes))
    J[np.arange(len(leaves)), leaves] = 1.0
    Ut = np.zeros((len(aggregated), n_nodes))                         # U': constraints
    Ut[np.arange(len(aggregated)), aggregated] = 1.0
    Ut[:, leaves] = -S[aggregated]
    WU = W[:, np.newaxis] * Ut.T if W.ndim == 1 else W @ Ut.T         # (n, a)
    try:
        factor = scipy.linalg.cho_factor(Ut @ WU)                     # U' W U, (a, a)
    except np.linalg.LinAlgError:
        raise ValueError(
            "reconcile: the weight matrix W is singular on the coherence constraints "
            "(U' W U is not positive definite), so the projection is not defined. This "
            "happens when the residuals are exactly coherent or too few for the number "
            "of nodes; use method='wls_var' or 'wls_struct'.") from None
    return J - WU[leaves] @ scipy.linalg.cho_solve(factor, Ut)        # (m, n)


def _projection(hierarchy, method, residuals=None, history=None):
    """The matrix ``P`` (n_leaves, n_nodes) of ``method``, and the shrinkage intensity.

    ``residuals`` and ``history`` are checked float64 arrays (or None).
    """
    n_nodes, leaves, root = hierarchy.n_nodes, hierarchy.leaves, hierarchy.root
    if method == "bottom_up" or n_nodes == 1:                         # P = J
        P = np.zeros((hierarchy.n_leaves, n_nodes))
        P[np.arange(hierarchy.n_leaves), leaves] = 1.0
        return P, None
    if method == "top_down":
        total = history[:, root]
        if (total == 0.0).any():
            raise ValueError(
                f"reconcile: method='top_down' divides each leaf by the root, but "
                f"history[:, {root}] (the root, {hierarchy.nodes[root]!r}) is 0 at row "
                f"{np.flatnonzero(total == 0.0)[0]}. Pass a history whose root is "
                "never 0, or use another method.")
        P = np.zeros((hierarchy.n_leaves, n_nodes))
        P[:, root] = np.mean(history[:, leaves] / total[:, np.newaxis], axis=0)
        return P, None
    W, shrinkage = _weights(hierarchy, method, residuals)
    return _minimum_trace(hierarchy, W), shrinkage


def _apply(hierarchy, P, forecasts):
    """``S P y`` for forecasts of shape (n_samples, n_nodes, horizon)."""
    leaves = np.einsum("ln,snh->slh", P, forecasts)                   # (n_samples, m, h)
    return np.einsum("il,slh->sih", hierarchy.S, leaves)              # (n_samples, n, h)


def reconcile(forecasts, hierarchy, method, residuals=None, *, history=None):
    r"""Make forecasts of every node of a hierarchy coherent.

    Returns :math:`\tilde y = S P \hat y`: the leaves' forecasts are
    :math:`P \hat y` and every other node is the sum of its leaves, so each
    parent equals the sum of its children. The methods choose :math:`P`.
    With :math:`J` the ``m x n`` matrix that selects the leaves:

    - ``"bottom_up"``: :math:`P = J`, the leaves' own forecasts.
    - ``"top_down"``: :math:`P = p\, e_{\text{root}}^\top`, the root's
      forecast split by historical proportions. This is Gross and Sohl's
      (1990) *average historical proportions* (``"average_proportions"`` of
      hierarchicalforecast's ``TopDown``, not ``"proportion_averages"``):

      .. math::

          p_l = \frac{1}{T} \sum_{t=1}^{T} \frac{y_{l,t}}{y_{\text{root},t}}.

    - The minimum-trace (MinT) family (Wickramasuriya, Athanasopoulos and
      Hyndman 2019): the generalised least-squares projection

      .. math::

          P = (S^\top W^{-1} S)^{-1} S^\top W^{-1}
            = J - J W U (U^\top W U)^{-1} U^\top,

      where :math:`U^\top \tilde y = 0` are the coherence constraints (each
      aggregated node minus the sum of its leaves). The second form is what
      is computed: one Cholesky solve with the small matrix
      :math:`U^\top W U` (one row per aggregated node), and no inverse of
      :math:`W`, so it also holds for a singular :math:`W`. The weights
      :math:`W` are

      - ``"ols"``: :math:`W = I`;
      - ``"wls_struct"``: :math:`W = \operatorname{diag}(S \mathbf{1})`, the
        number of leaves at or below each node;
      - ``"wls_var"``: :math:`W = \operatorname{diag}(\hat W)`, the mean
        squared in-sample residual of each node;
      - ``"mint_shrink"``: the Schäfer–Strimmer shrinkage of :math:`\hat W`
        toward its diagonal :math:`D = \operatorname{diag}(\hat W)`:

        .. math::

            \hat W = \frac{1}{T} \sum_{t=1}^{T} e_t e_t^\top, \qquad
            W = \lambda D + (1 - \lambda) \hat W, \qquad
            \lambda = \operatorname{clip}_{[0, 1]}\!\left(
                \frac{\sum_{i \ne j} \widehat{\operatorname{Var}}(r_{ij})}
                     {\sum_{i \ne j} r_{ij}^2}\right),

        with :math:`e_t` the residuals at time :math:`t`, the standardized
        residuals :math:`x_{ti} = e_{ti} / \sqrt{\hat W_{ii}}`,
        :math:`w_{tij} = x_{ti} x_{tj}`, the correlations
        :math:`r_{ij} = \bar w_{ij} = \frac{1}{T} \sum_t w_{tij}` and
        :math:`\widehat{\operatorname{Var}}(r_{ij}) = \frac{1}{T (T - 1)}
        \sum_t (w_{tij} - \bar w_{ij})^2`.

    Parameters
    ----------
    forecasts : array-like of shape (n_samples, n_nodes[, horizon]) or (n_nodes,)
        Base forecasts of every node, nodes in the order of
        :attr:`Hierarchy.nodes` on axis 1 (axis 0 for a single forecast).
        For multi-step forecasts, step ``k`` of node ``j`` is
        ``forecasts[:, j, k]``; every step is reconciled with the same
        :math:`P`. (A target ``y`` laid out node-major, as
        :class:`~sklstm.TreeLSTMRegressor` reads it, becomes this with
        ``y.reshape(n_samples, n_nodes, horizon)``.)
    hierarchy : Hierarchy
        The tree whose nodes are forecast.
    method : {"bottom_up", "top_down", "ols", "wls_struct", "wls_var", "mint_shrink"}
        How :math:`P` is chosen (above).
    residuals : array-like of shape (n_times, n_nodes), optional
        In-sample one-step errors of the base forecasts, ``y - y_fitted``,
        of every node (the rows :math:`e_t`). Needed by ``"wls_var"`` and
        ``"mint_shrink"`` (which needs ``n_times >= 2``); ignored by the
        others.
    history : array-like of shape (n_times, n_nodes), keyword-only, optional
        Observed values of every node over past times. Needed by
        ``"top_down"``, which reads the root's and the leaves' columns (the
        root must never be 0); ignored by the others.

    Returns
    -------
    reconciled : ndarray of float64, of the shape of ``forecasts``
        Coherent forecasts: every parent equals the sum of its children (up
        to float64 rounding).

    Raises
    ------
    ValueError
        For an unknown method, forecasts, residuals or history of the wrong
        shape or with NaN, a missing ``residuals`` or ``history`` that the
        method needs, a residual of variance 0, or a root of 0 in the
        history for ``"top_down"``.
    TypeError
        If ``hierarchy`` is not a :class:`Hierarchy`.

    See Also
    --------
    ReconciledRegressor : fits a regressor over every node and reconciles it.
    sklstm.Hierarchy : the tree and its summing matrix.

    Notes
    -----
    :math:`\hat W` is the uncentred mean of :math:`e_t e_t^\top`, as in
    Wickramasuriya et al. (2019) and their R implementation
    (``hts::MinT``). hierarchicalforecast's ``MinTrace`` centres the
    residuals and divides by :math:`T - 1`; the two agree when the residuals
    have mean zero (the projection does not change when :math:`W` is
    scaled).

    References
    ----------
    C. W. Gross and J. E. Sohl (1990). Disaggregation methods to expedite
    product line forecasting. Journal of Forecasting 9, 233-254.

    S. L. Wickramasuriya, G. Athanasopoulos and R. J. Hyndman (2019).
    Optimal forecast reconciliation for hierarchical and grouped time series
    through trace minimization. Journal of the American Statistical
    Association 114, 804-819.

    J. Schäfer and K. Strimmer (2005). A shrinkage approach to large-scale
    covariance matrix estimation and implications for functional genomics.
    Statistical Applications in Genetics and Molecular Biology 4(1).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import Hierarchy, reconcile
    >>> h = Hierarchy([-1, 0, 0])                   # total = a + b
    >>> forecasts = np.array([[10.0, 4.0, 5.0]])    # 10 != 4 + 5
    >>> reconcile(forecasts, h, "bottom_up")
    array([[9., 4., 5.]])
    >>> reconcile(forecasts, h, "ols").round(4)     # the least-squares compromise
    array([[9.6667, 4.3333, 5.3333]])
    >>> history = np.array([[10.0, 4.0, 6.0], [20.0, 10.0, 10.0]])
    >>> reconcile(forecasts, h, "top_down", history=history)  # a gets 45 %
    array([[10. ,  4.5,  5.5]])
    """
    check_args("reconcile", method=(method, Options(METHODS)))
    if not isinstance(hierarchy, Hierarchy):
        raise TypeError(
            f"reconcile: hierarchy must be a Hierarchy, got {type(hierarchy).__name__}. "
            "Build one with Hierarchy(parents) or Hierarchy.from_levels(frame).")
    n_nodes = hierarchy.n_nodes
    y = np.asarray(forecasts, dtype=np.float64)
    if y.ndim not in (1, 2, 3) or y.shape[min(1, y.ndim - 1)] != n_nodes or y.size == 0:
        raise ValueError(
            f"reconcile: forecasts must have shape (n_nodes,), (n_samples, n_nodes) or "
            f"(n_samples, n_nodes, horizon) with n_nodes={n_nodes}, nodes in the order of "
            f"Hierarchy.nodes, got shape {y.shape}. Put one forecast of every node on "
            "axis 1 (axis 0 for a single forecast).")
    if not np.isfinite(y).all():
        raise ValueError(
            "reconcile: forecasts contain NaN or infinity; reconciliation mixes the "
            "nodes, so one missing forecast would spoil them all. Forecast every node "
            "first.")
    if method in _NEEDS_RESIDUALS and n_nodes > 1:
        if residuals is None:
            raise ValueError(
                f"reconcile: method={method!r} needs the in-sample residuals: pass "
                "residuals= of shape (n_times, n_nodes), the one-step errors y - y_fitted "
                "of every node over the training period. Or use method='wls_struct', "
                "which needs none.")
        residuals = _finite_matrix("reconcile", "residuals", residuals, n_nodes,
                                   "Pass the in-sample errors y - y_fitted of every node.")
    if method == "top_down" and n_nodes > 1:
        if history is None:
            raise ValueError(
                "reconcile: method='top_down' splits the root by historical proportions "
                "and needs them: pass history= of shape (n_times, n_nodes), the observed "
                "values of every node.")
        history = _finite_matrix("reconcile", "history", history, n_nodes,
                                 "Pass the observed values of every node.")
    P, _ = _projection(hierarchy, method, residuals, history)
    shape = y.shape
    if y.ndim == 1:
        y = y[np.newaxis, :, np.newaxis]
    elif y.ndim == 2:
        y = y[:, :, np.newaxis]
    return _apply(hierarchy, P, y).reshape(shape)


# --------------------------------------------------------------------------
# the meta-estimator
# --------------------------------------------------------------------------


def _is_regressor_like(value):
    return hasattr(value, "fit") and hasattr(value, "predict") and not isinstance(value, type)


class ReconciledRegressor(RegressorMixin, BaseEstimator):
    """One global regressor over every node of a hierarchy, reconciled.

    Fits a clone of ``estimator`` as one global model on the windows of all
    nodes, each node's window a univariate sample, then forecasts every node
    and makes the forecasts coherent with :func:`reconcile`: every parent
    equals the sum of its children. Any sklstm regressor or baseline becomes
    a coherent hierarchical forecaster this way.

    **Inputs** are laid out as for :class:`~sklstm.TreeLSTMRegressor`:
    ``X`` of shape ``(n_samples, n_timesteps, n_nodes)``, channel ``j``
    holding node ``j``'s window in the order of :attr:`Hierarchy.nodes`
    (:class:`~sklstm.Windower` makes it from a ``(n_periods, n_nodes)``
    sales matrix). A 2-D ``X`` ``(n_samples, n_timesteps)`` is one node's
    window: the tree is a root alone.

    **Targets.** ``y`` of shape ``(n_samples, n_nodes * horizon)``,
    node-major: column ``j * horizon + k`` is node ``j`` at step ``k + 1``.
    With a single node, ``y`` may also be 1-D. Predictions come back in the
    shape ``y`` had.

    **Training.** The ``n_samples * n_nodes`` windows become the samples of
    the global model, ``X`` reshaped to ``(n_samples * n_nodes,
    n_timesteps, 1)`` and ``y`` to ``(n_samples * n_nodes, horizon)``
    (``(n_samples * n_nodes,)`` for one step). After fitting, the model
    predicts its own training windows: the in-sample one-step residuals of
    every node (``"wls_var"``, ``"mint_shrink"``) and the first-step targets
    as the history (``"top_down"``) fix the projection once, and every
    forecast step is reconciled with it.

    Parameters
    ----------
    estimator : regressor or None, default=None
        The model of one node's next values from its window, cloned in
        ``fit``. ``None`` uses ``LSTMRegressor(random_state=0)`` (seeded, so
        that the default is reproducible). Its parameters are reachable as
        ``estimator__<name>`` in ``set_params`` and ``GridSearchCV``.
    hierarchy : None, array-like of int, DataFrame or Hierarchy, default=None
        The tree, as for :class:`~sklstm.TreeLSTMRegressor`: a parent array,
        a DataFrame with one column per level below the root, or a
        :class:`~sklstm.Hierarchy`. ``None`` builds a star: node 0 is the
        root and every other node a leaf under it. Checked in ``fit``
        against ``X.shape[2]``.
    method : {"bottom_up", "top_down", "ols", "wls_struct", "wls_var", "mint_shrink"}, \
default="mint_shrink"
        The reconciliation (formulas in :func:`reconcile`). ``"mint_shrink"``
        weighs each node by its in-sample errors and their correlations.

    Attributes
    ----------
    estimator_ : regressor
        The fitted clone of ``estimator``.
    hierarchy_ : Hierarchy
        The tree used in ``fit``.
    horizon_ : int
        Steps forecast per node.
    residuals_ : ndarray of shape (n_samples, n_nodes)
        In-sample one-step residuals of every node, ``y - y_fitted`` at the
        first step.
    projection_ : ndarray of shape (n_leaves, n_nodes)
        The matrix :math:`P`: reconciled forecasts are ``S @ P @ base``.
    shrinkage_ : float or None
        The shrinkage intensity :math:`\\lambda` of ``"mint_shrink"`` (None
        for the other methods, and for a single node, which needs no
        reconciliation).
    n_features_in_ : int
        ``X.shape[1]`` seen in ``fit`` (the number of time steps).

    See Also
    --------
    reconcile : the reconciliation on its own.
    sklstm.TreeLSTMRegressor : a model of the whole tree, coherent with
        ``coherent=True``.
    sklstm.Windower : turns the sales matrix into windows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import ReconciledRegressor, SeasonalNaiveRegressor
    >>> rng = np.random.RandomState(0)
    >>> leaves = rng.normal(10.0, 1.0, size=(40, 8, 2))      # two products
    >>> X = np.concatenate([leaves.sum(2, keepdims=True), leaves], axis=2)
    >>> X.shape                                               # (n_samples, T, n_nodes)
    (40, 8, 3)
    >>> y = X[:, -1, :] + rng.normal(size=(40, 3))            # every node, one step
    >>> reg = ReconciledRegressor(SeasonalNaiveRegressor(), hierarchy=[-1, 0, 0])
    >>> pred = reg.fit(X, y).predict(X[:4])
    >>> pred.shape
    (4, 3)
    >>> np.allclose(pred[:, 0], pred[:, 1] + pred[:, 2])
    True
    """

    _parameter_constraints = {
        "estimator": Options([None], extra=_is_regressor_like,
                             extra_text="a regressor (an object with fit and predict)"),
        "hierarchy": Options([None], extra=_is_hierarchy_like,
                             extra_text="a parent array, a DataFrame of levels or a "
                                        "Hierarchy"),
        "method": Options(METHODS),
    }

    def __init__(self, estimator=None, hierarchy=None, method="mint_shrink"):
        self.estimator = estimator
        self.hierarchy = hierarchy
        self.method = method

    def fit(self, X, y):
        """Fit the global model on every node's windows and fix the reconciliation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_nodes) or (n_samples, n_timesteps)
            Windows of every node, channel ``j`` for node ``j``.
        y : array-like of shape (n_samples, n_nodes * horizon)
            Every node's next values, node-major (column ``j * horizon + k``
            is node ``j`` at step ``k + 1``); 1-D for a single node.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        from .regressors import LSTMRegressor  # torch, imported when first fitted

        check_params(self, self._parameter_constraints)
        y, self._target_shape = flatten_target(self, y, 2)
        X, y = check_sequences(self, X, y, reset=True, y_required=True, dtype=None)
        y = check_target(y)
        n_samples, _, n_nodes = X.shape
        self.hierarchy_ = _as_hierarchy(self.hierarchy, n_nodes)
        if y.shape[1] % n_nodes or (self._target_shape == () and n_nodes > 1):
            raise ValueError(
                f"ReconciledRegressor: y has shape {(n_samples,) + self._target_shape} but "
                f"X has {n_nodes} nodes; y must have n_nodes * horizon columns, "
                "node-major (column j * horizon + k is node j, step k + 1), since "
                "every node is forecast and reconciled. Pass every node's next values.")
        self.horizon_ = y.shape[1] // n_nodes
        estimator = LSTMRegressor(random_state=0) if self.estimator is None else self.estimator
        self.estimator_ = clone(estimator)
        X_nodes = self._node_windows(X)
        y_nodes = y.reshape(n_samples * n_nodes, self.horizon_)
        self.estimator_.fit(X_nodes, y_nodes[:, 0] if self.horizon_ == 1 else y_nodes)
        fitted = self._node_forecasts(X_nodes, n_samples)             # (n, nodes, h)
        observed = y.reshape(n_samples, n_nodes, self.horizon_)[:, :, 0]
        self.residuals_ = observed - fitted[:, :, 0]
        self.projection_, self.shrinkage_ = _projection(
            self.hierarchy_, self.method, self.residuals_, observed)
        return self

    def predict(self, X):
        """Forecast every node and reconcile the forecasts.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_nodes) or (n_samples, n_timesteps)
            Windows shaped as in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_nodes * horizon) or (n_samples,)
            Coherent forecasts, in the shape ``y`` had in ``fit``.
        """
        check_is_fitted(self)
        X, _ = check_sequences(self, X, reset=False, dtype=None)
        base = self._node_forecasts(self._node_windows(X), len(X))     # (n, nodes, h)
        y_pred = _apply(self.hierarchy_, self.projection_, base)
        return y_pred.reshape((len(X),) + self._target_shape)

    @staticmethod
    def _node_windows(X):
        """``(n, T, nodes)`` -> ``(n * nodes, T, 1)``: sample ``i * nodes + j`` is node j."""
        n_samples, n_timesteps, n_nodes = X.shape
        return X.transpose(0, 2, 1).reshape(n_samples * n_nodes, n_timesteps, 1)

    def _node_forecasts(self, X_nodes, n_samples):
        """The global model's forecasts as ``(n_samples, n_nodes, horizon)``."""
        y = np.asarray(self.estimator_.predict(X_nodes), dtype=np.float64)
        return y.reshape(n_samples, -1, self.horizon_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.multi_output = True
        return tags
