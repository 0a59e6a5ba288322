"""Reconciliation: every method is coherent, matches its closed form and
hierarchicalforecast, words its errors; ReconciledRegressor fits one global
model over the nodes, predicts coherently, works in a Pipeline and a grid
search, and learns."""

import pickle

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline

import sklstm
from sklstm import (
    Hierarchy,
    LastValueRegressor,
    LSTMRegressor,
    ReconciledRegressor,
    RidgeLagsRegressor,
    SeasonalNaiveRegressor,
    Windower,
    reconcile,
)
from sklstm.datasets import make_hierarchical_sales
from sklstm.reconciliation import METHODS

#: Two computations of the same reconciliation agree to this (the brief's bound;
#: measured: 1e-15 for the closed forms, 1.3e-10 against hierarchicalforecast).
RTOL = 1e-8

TREE_1_2_4 = Hierarchy([-1, 0, 0, 1, 1, 2, 2], names=["total", "A", "B", "AA", "AB", "BA", "BB"])


def random_hierarchy(rng, n_nodes):
    """A random tree in a random node order (the root is not always node 0)."""
    order = rng.permutation(n_nodes)
    parents = np.empty(n_nodes, dtype=int)
    parents[order[0]] = -1
    for k in range(1, n_nodes):
        parents[order[k]] = order[rng.randint(k)]
    return Hierarchy(parents)


def random_inputs(rng, h, n_times=40):
    """Positive coherent history, and residuals correlated along the tree."""
    history = h.aggregate(rng.uniform(5.0, 50.0, size=(n_times, h.n_leaves)))
    residuals = h.aggregate(rng.normal(size=(n_times, h.n_leaves)))
    residuals += rng.normal(scale=0.5, size=residuals.shape)
    return history, residuals


def assert_coherent(values, h):
    """Every node equals the sum of its leaves (so every parent, of its children)."""
    values = np.moveaxis(np.asarray(values), 1, -1)                 # nodes last
    sums = values[..., h.leaves] @ h.S.T
    assert_allclose(values, sums, rtol=RTOL, atol=RTOL * np.abs(values).max())


def parent_sums(values, h):
    """Sum of the children of every non-leaf node, shape (n_samples, n_non_leaves)."""
    inner = np.setdiff1d(np.arange(h.n_nodes), h.leaves)
    return inner, np.stack([values[:, h.parents == p].sum(axis=1) for p in inner], axis=1)


# --------------------------------------------------------------------------
# reconcile: coherence, closed forms, hierarchicalforecast
# --------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", range(5))
def test_every_method_is_coherent_on_random_hierarchies(method, seed):
    rng = np.random.RandomState(seed)
    h = random_hierarchy(rng, rng.randint(2, 14))
    history, residuals = random_inputs(rng, h)
    forecasts = rng.normal(30.0, 10.0, size=(6, h.n_nodes))
    out = reconcile(forecasts, h, method, residuals, history=history)
    assert out.shape == forecasts.shape and out.dtype == np.float64
    inner, sums = parent_sums(out, h)
    assert_allclose(out[:, inner], sums, rtol=RTOL, atol=RTOL * np.abs(out).max())
    assert_coherent(out, h)
    # coherent forecasts are left as they are (P S = I for every method but
    # top_down, which splits the root by its own proportions)
    if method != "top_down":
        again = reconcile(out, h, method, residuals, history=history)
        assert_allclose(again, out, rtol=RTOL, atol=RTOL * np.abs(out).max())


def gls(S, W, forecasts):
    """The textbook projection S (S' W^-1 S)^-1 S' W^-1 y, with explicit inverses."""
    Winv = np.linalg.inv(W)
    P = np.linalg.inv(S.T @ Winv @ S) @ S.T @ Winv
    return forecasts @ (S @ P).T


def schafer_strimmer(residuals):
    """W = lambda diag(W1) + (1 - lambda) W1, written out as in the paper."""
    T, n = residuals.shape
    W1 = sum(np.outer(e, e) for e in residuals) / T
    x = residuals / np.sqrt(np.diag(W1))
    var_r, r2 = 0.0, 0.0
    for i in range(n):
        for j in range(n):
            if i != j:
                w = x[:, i] * x[:, j]
                var_r += np.sum((w - w.mean()) ** 2) / (T * (T - 1))
                r2 += w.mean() ** 2
    lam = min(max(var_r / r2, 0.0), 1.0)
    return lam * np.diag(np.diag(W1)) + (1 - lam) * W1, lam


@pytest.mark.parametrize("seed", range(4))
def test_methods_match_their_closed_forms(seed):
    rng = np.random.RandomState(seed)
    h = random_hierarchy(rng, rng.randint(3, 12))
    S = h.S
    history, residuals = random_inputs(rng, h)
    y = rng.normal(30.0, 10.0, size=(5, h.n_nodes))
    tol = {"rtol": RTOL, "atol": RTOL * np.abs(y).max()}

    def run(method):
        return reconcile(y, h, method, residuals, history=history)

    assert_allclose(run("bottom_up"), y[:, h.leaves] @ S.T, **tol)
    shares = np.mean(history[:, h.leaves] / history[:, [h.root]], axis=0)
    assert_allclose(run("top_down"), np.outer(y[:, h.root], shares) @ S.T, **tol)
    assert_allclose(run("ols"), y @ (S @ np.linalg.inv(S.T @ S) @ S.T).T, **tol)
    assert_allclose(run("wls_struct"), gls(S, np.diag(S.sum(axis=1)), y), **tol)
    variance = np.mean(residuals ** 2, axis=0)
    assert_allclose(run("wls_var"), gls(S, np.diag(variance), y), **tol)
    W, lam = schafer_strimmer(residuals)
    assert 0.0 < lam < 1.0
    assert_allclose(run("mint_shrink"), gls(S, W, y), **tol)


def test_mint_shrink_clips_the_shrinkage_to_one_for_uncorrelated_residuals():
    # independent residuals: the estimated correlations are noise, here lambda > 1
    # before clipping, and mint_shrink becomes wls_var
    rng = np.random.RandomState(1)
    residuals = rng.normal(size=(8, 7))
    _, lam = schafer_strimmer(residuals)
    assert lam == 1.0
    y = rng.normal(size=(3, 7))
    assert_allclose(reconcile(y, TREE_1_2_4, "mint_shrink", residuals),
                    reconcile(y, TREE_1_2_4, "wls_var", residuals), rtol=RTOL, atol=RTOL)


# Inputs of benchmarks/hierarchicalforecast_reference.py (the 1 + 2 + 4 tree).
HF_FORECASTS = np.array([[166.0, 84.0, 77.0, 45.0, 43.0, 36.0, 38.0],      # step 1
                         [171.0, 80.0, 85.0, 40.0, 37.0, 41.0, 45.0]])     # step 2
HF_LEAF_HISTORY = np.array([
    [24, 45, 23, 39], [43, 59, 48, 34], [43, 28, 45, 46], [28, 59, 58, 24],
    [27, 20, 31, 26], [39, 25, 44, 20], [54, 29, 34, 58], [24, 29, 43, 55],
    [23, 28, 39, 21], [20, 36, 51, 49], [48, 27, 43, 30], [55, 20, 27, 43]], dtype=float)
HF_LEAF_RESIDUALS = np.array([
    [-9, -5, -6, -8], [-8, -4, 0, 8], [-6, 2, 6, 7], [0, 3, -6, 5], [7, -5, 2, -1],
    [9, -2, -6, 3], [-3, -3, 3, -2], [-4, -5, 0, 0], [-3, -1, -7, 1], [1, 8, -4, 6],
    [-1, 6, -4, 0], [2, -3, -8, 2]], dtype=float)
HF_NOISE = np.array([
    [-6, -8, -5], [-7, 9, 9], [3, 2, 0], [5, 6, -6], [2, 6, 4], [3, 6, -1], [8, 1, 6],
    [-9, -7, 3], [5, 8, -3], [8, 3, 0], [-5, 3, 0], [3, 3, 4]], dtype=float)

# Printed by benchmarks/hierarchicalforecast_reference.py with hierarchicalforecast
# 1.5.3 (numpy 2.4.6): BottomUp, TopDown(method="average_proportions") and
# MinTrace(method=...) on the inputs above; one row per step, nodes in TREE_1_2_4 order.
HF_EXPECTED = {
    "bottom_up": np.array([[162.0, 88.0, 74.0, 45.0, 43.0, 36.0, 38.0],
                           [163.0, 77.0, 86.0, 40.0, 37.0, 41.0, 45.0]]),
    "top_down": np.array([
        [166.0, 78.21040215048697, 87.78959784951303, 40.377785306934314,
         37.83261684355265, 46.11089682818311, 41.67870102132993],
        [171.0, 80.5661371550197, 90.4338628449803, 41.59398365955282,
         38.97215349546689, 47.499779262766936, 42.93408358221336]]),
    "ols": np.array([
        [164.0, 86.66666666666666, 77.33333333333334, 44.333333333333336,
         42.33333333333333, 37.66666666666667, 39.66666666666667],
        [168.14285714285714, 80.9047619047619, 87.23809523809524, 41.95238095238095,
         38.952380952380956, 41.61904761904762, 45.61904761904762]]),
    "wls_struct": np.array([
        [163.0, 86.75, 76.25, 44.375, 42.375, 37.12500000000001, 39.125],
        [166.33333333333334, 79.66666666666667, 86.66666666666667, 41.333333333333336,
         38.333333333333336, 41.333333333333336, 45.333333333333336]]),
    "wls_var": np.array([
        [162.86206372066462, 87.33150130800524, 75.53056241265938, 44.59404318191048,
         42.73745812609476, 36.82688702789546, 38.70367538476392],
        [165.43613063698973, 78.88813354115221, 86.54799709583753, 41.146600126033235,
         37.74153341511898, 41.29605567608649, 45.25194141975105]]),
    "mint_shrink": np.array([
        [162.97470685288204, 87.67938596937563, 75.2953208835064, 44.775641581420345,
         42.903744387955285, 36.45830017057642, 38.837020712929984],
        [164.243957696305, 77.8039935710246, 86.43996412528037, 40.52846329487378,
         37.275530276150825, 41.40711329589051, 45.032850829389865]]),
}


@pytest.mark.parametrize("method", METHODS)
def test_matches_hierarchicalforecast(method):
    h = TREE_1_2_4
    history = h.aggregate(HF_LEAF_HISTORY)
    residuals = h.aggregate(HF_LEAF_RESIDUALS)
    residuals[:, :3] += HF_NOISE
    if method == "mint_shrink":
        # hierarchicalforecast centres the residuals (and divides by T - 1, which
        # does not change the projection); reconcile follows the paper's uncentred
        # mean, so it gets centred residuals here
        residuals = residuals - residuals.mean(axis=0)
    out = reconcile(HF_FORECASTS, h, method, residuals, history=history)
    assert_allclose(out, HF_EXPECTED[method], rtol=RTOL)
    # the same two steps as one (n_samples, n_nodes, horizon) forecast
    steps = reconcile(HF_FORECASTS.T[np.newaxis], h, method, residuals, history=history)
    assert_allclose(steps[0].T, out, rtol=1e-12)


def test_forecast_shapes_and_a_single_node():
    rng = np.random.RandomState(0)
    history, residuals = random_inputs(rng, TREE_1_2_4)
    y = rng.normal(size=(4, 7, 3))
    for method in METHODS:
        steps = reconcile(y, TREE_1_2_4, method, residuals, history=history)
        assert steps.shape == (4, 7, 3)
        for k in range(3):
            assert_allclose(steps[:, :, k],
                            reconcile(y[:, :, k], TREE_1_2_4, method, residuals,
                                      history=history), rtol=1e-12, atol=1e-12)
        one = reconcile(y[0, :, 0], TREE_1_2_4, method, residuals, history=history)
        assert one.shape == (7,)
        assert_allclose(one, steps[0, :, 0], rtol=1e-12, atol=1e-12)
    # a root alone is coherent already: every method returns it as it is,
    # without residuals or history
    for method in METHODS:
        assert_array_equal(reconcile([[3.0], [4.0]], Hierarchy([-1]), method), [[3.0], [4.0]])


def test_exported_from_sklstm():
    assert sklstm.reconcile is reconcile
    assert {"reconcile", "ReconciledRegressor"} <= set(sklstm.__all__)


# --------------------------------------------------------------------------
# reconcile: errors
# --------------------------------------------------------------------------


def test_errors_of_reconcile():
    h = TREE_1_2_4
    y = np.ones((2, 7))
    residuals = np.random.RandomState(0).normal(size=(10, 7))
    with pytest.raises(ValueError, match=r"reconcile: invalid value method='mint'; expected "
                                         r"one of 'bottom_up', 'top_down', 'ols', 'wls_struct', "
                                         r"'wls_var', 'mint_shrink'\."):
        reconcile(y, h, "mint")
    for method in ("wls_var", "mint_shrink"):
        with pytest.raises(ValueError, match=rf"method='{method}' needs the in-sample "
                                             r"residuals: pass residuals= of shape "
                                             r"\(n_times, n_nodes\)"):
            reconcile(y, h, method)
    with pytest.raises(ValueError, match=r"method='top_down' splits the root .* pass "
                                         r"history= of shape \(n_times, n_nodes\)"):
        reconcile(y, h, "top_down", residuals)
    with pytest.raises(TypeError, match=r"hierarchy must be a Hierarchy, got list\. Build one "
                                        r"with Hierarchy\(parents\)"):
        reconcile(y, [-1, 0, 0, 1, 1, 2, 2], "ols")
    for bad in (np.ones((2, 6)), np.ones(6), np.ones((2, 3, 7)), np.ones((2, 7, 1, 1)),
                np.ones((0, 7))):
        with pytest.raises(ValueError, match=r"forecasts must have shape \(n_nodes,\), "
                                             r"\(n_samples, n_nodes\) or \(n_samples, n_nodes, "
                                             rf"horizon\) with n_nodes=7.*got shape "
                                             rf"{re_shape(bad.shape)}"):
            reconcile(bad, h, "ols")
    with pytest.raises(ValueError, match=r"forecasts contain NaN or infinity"):
        reconcile(np.where(np.eye(2, 7) > 0, np.nan, 1.0), h, "ols")
    with pytest.raises(ValueError, match=r"residuals must have shape \(n_times, n_nodes\) with "
                                         r"n_nodes=7 .* got shape \(10, 6\)"):
        reconcile(y, h, "wls_var", residuals[:, :6])
    with pytest.raises(ValueError, match=r"history must have shape .* got shape \(7,\)"):
        reconcile(y, h, "top_down", history=np.ones(7))
    bad = residuals.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"residuals contains NaN or infinity \(first at row 3, "
                                         r"node 2\)"):
        reconcile(y, h, "mint_shrink", bad)
    bad = residuals.copy()
    bad[:, 4] = 0.0
    with pytest.raises(ValueError, match=r"the residuals of node 'AB' are all zero, so its "
                                         r"variance is 0 and method='wls_var' cannot weight it"):
        reconcile(y, h, "wls_var", bad)
    with pytest.raises(ValueError, match=r"'mint_shrink' needs residuals from at least 2 time "
                                         r"steps .* got 1 sample"):
        reconcile(y, h, "mint_shrink", residuals[:1])
    history = np.ones((5, 7))
    history[2, 0] = 0.0
    with pytest.raises(ValueError, match=r"history\[:, 0\] \(the root, 'total'\) is 0 at row 2"):
        reconcile(y, h, "top_down", history=history)


def re_shape(shape):
    return str(shape).replace("(", r"\(").replace(")", r"\)")


def test_a_singular_weight_matrix_is_explained():
    # residuals that are +-1 times one coherent vector: their products are the
    # same at every time, so the shrinkage is 0 and W = W1, which is 0 along the
    # constraint total - a - b
    h = Hierarchy([-1, 0, 0])
    residuals = np.array([[2.0, 1.0, 1.0], [-2.0, -1.0, -1.0]])
    with pytest.raises(ValueError, match=r"W is singular on the coherence constraints"):
        reconcile(np.ones((1, 3)), h, "mint_shrink", residuals)


# --------------------------------------------------------------------------
# ReconciledRegressor
# --------------------------------------------------------------------------


def sales_windows(n_periods=120, window=7, horizon=1, seed=0):
    """Windows of every node and node-major targets (column j * horizon + k)."""
    sales, h = make_hierarchical_sales(2, 2, n_periods=n_periods, random_state=seed)
    values = sales.to_numpy()                                           # (T, 7)
    n = len(values) - horizon
    X = Windower(window).fit_transform(values[:n])[window:]
    y = np.stack([values[1 + k:n + 1 + k] for k in range(horizon)], axis=2)[window:]
    return X, y.reshape(len(y), -1), h                                  # (n, nodes * h)


@pytest.mark.parametrize("horizon", [1, 3])
@pytest.mark.parametrize("method", METHODS)
def test_fit_predict_is_coherent_and_is_reconcile_of_the_global_model(method, horizon):
    X, y, h = sales_windows(horizon=horizon)
    reg = ReconciledRegressor(RidgeLagsRegressor(), hierarchy=h, method=method).fit(X, y)
    assert reg.horizon_ == horizon and reg.hierarchy_ is h
    assert reg.residuals_.shape == (len(X), 7)
    assert reg.projection_.shape == (4, 7)
    assert (reg.shrinkage_ is not None) == (method == "mint_shrink")
    pred = reg.predict(X[:9])
    assert pred.shape == (9, 7 * horizon)
    steps = pred.reshape(9, 7, horizon)
    assert_coherent(steps, h)
    # one global model: every node's window is a sample of its own
    assert reg.estimator_.n_features_in_ == X.shape[1]
    base = reg.estimator_.predict(X[:9].transpose(0, 2, 1).reshape(-1, X.shape[1], 1))
    first = y.reshape(len(y), 7, horizon)[:, :, 0]
    expected = reconcile(base.reshape(9, 7, horizon), h, method, reg.residuals_,
                         history=first)
    assert_allclose(steps, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


def test_residuals_are_the_global_models_in_sample_errors():
    X, y, h = sales_windows()
    reg = ReconciledRegressor(LastValueRegressor(), hierarchy=h, method="wls_var").fit(X, y)
    assert_allclose(reg.residuals_, y - X[:, -1, :], rtol=1e-12, atol=1e-9)


def test_default_hierarchy_single_node_and_default_estimator():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 5, 3))
    reg = ReconciledRegressor(LastValueRegressor()).fit(X, X[:, -2, :])
    assert_array_equal(reg.hierarchy_.parents, [-1, 0, 0])             # a star
    assert_coherent(reg.predict(X), reg.hierarchy_)
    # 2-D X is one node: reconciliation leaves the global model's forecast as it is
    flat = ReconciledRegressor(RidgeLagsRegressor()).fit(X[:, :, 0], X[:, -1, 0])
    ridge = RidgeLagsRegressor().fit(X[:, :, :1], X[:, -1, 0])
    assert flat.predict(X[:, :, 0]).shape == (30,)
    assert_allclose(flat.predict(X[:, :, 0]), ridge.predict(X[:, :, :1]), rtol=1e-12)
    # the default estimator is a seeded LSTMRegressor, so refits agree
    default = ReconciledRegressor(method="ols")
    first = clone(default).fit(X[:12], X[:12, -1, :])
    assert default.estimator is None
    assert isinstance(first.estimator_, LSTMRegressor) and first.estimator_.random_state == 0
    assert_array_equal(clone(default).fit(X[:12], X[:12, -1, :]).predict(X), first.predict(X))


def test_hierarchy_as_parent_array_or_frame_of_levels():
    X, y, h = sales_windows()
    frame = pd.DataFrame({"category": ["c0", "c0", "c1", "c1"],
                          "product": ["c0_p0", "c0_p1", "c1_p0", "c1_p1"]})
    for hierarchy in (list(h.parents), frame):
        reg = ReconciledRegressor(LastValueRegressor(), hierarchy=hierarchy).fit(X, y)
        assert_array_equal(reg.hierarchy_.parents, h.parents)
        assert_coherent(reg.predict(X[:3]), h)


def test_errors_of_the_regressor():
    X, y, h = sales_windows()
    with pytest.raises(ValueError, match=r"ReconciledRegressor: invalid value method='mint'; "
                                         r"expected one of 'bottom_up', 'top_down'"):
        ReconciledRegressor(method="mint").fit(X, y)
    with pytest.raises(ValueError, match=r"ReconciledRegressor: invalid value estimator=<class "
                                         r".*LastValueRegressor'>; expected one of None or a "
                                         r"regressor"):
        ReconciledRegressor(LastValueRegressor).fit(X, y)
    with pytest.raises(ValueError, match=r"invalid value hierarchy='tree'; expected one of "
                                         r"None or a parent array"):
        ReconciledRegressor(hierarchy="tree").fit(X, y)
    with pytest.raises(ValueError, match=r"hierarchy has 3 nodes but X has 7 node channels"):
        ReconciledRegressor(LastValueRegressor(), hierarchy=[-1, 0, 0]).fit(X, y)
    with pytest.raises(ValueError, match=r"y has shape \(\d+,\) but X has 7 nodes; y must have "
                                         r"n_nodes \* horizon columns, node-major"):
        ReconciledRegressor(LastValueRegressor(), hierarchy=h).fit(X, y[:, 0])
    with pytest.raises(ValueError, match=r"y has shape \(\d+, 8\) but X has 7 nodes"):
        ReconciledRegressor(LastValueRegressor(), hierarchy=h).fit(X, np.hstack([y, y[:, :1]]))
    with pytest.raises(ValueError, match=r"Input X contains NaN"):
        ReconciledRegressor(LastValueRegressor(), hierarchy=h).fit(
            np.where(X > X.max() - 1, np.nan, X), y)
    reg = ReconciledRegressor(LastValueRegressor(), hierarchy=h).fit(X, y)
    with pytest.raises(ValueError, match=r"X has sequences of shape \(7, 3\)"):
        reg.predict(X[:, :, :3])


def test_pickle_round_trip_keeps_predictions_exact():
    X, y, h = sales_windows()
    reg = ReconciledRegressor(RidgeLagsRegressor(), hierarchy=h).fit(X, y)
    again = pickle.loads(pickle.dumps(reg))
    assert_array_equal(again.predict(X), reg.predict(X))


def test_pipeline_and_grid_search_reach_the_inner_estimator():
    sales, h = make_hierarchical_sales(2, 2, n_periods=90, random_state=0)
    values = sales.to_numpy()
    X, y = values[:-1], values[1:]                          # every node, next day
    pipe = Pipeline([("win", Windower(window=7)),
                     ("rec", ReconciledRegressor(LSTMRegressor(max_epochs=2, hidden_size=4,
                                                               random_state=0),
                                                 hierarchy=h))])
    grid = {"win__window": [5, 7], "rec__estimator__hidden_size": [4, 8],
            "rec__method": ["wls_struct", "mint_shrink"]}
    search = GridSearchCV(pipe, grid, cv=TimeSeriesSplit(2)).fit(X, y)
    assert set(search.best_params_) == set(grid)
    best = search.best_estimator_.named_steps["rec"]
    assert best.estimator_.hidden_size == search.best_params_["rec__estimator__hidden_size"]
    pred = search.predict(X[-5:])
    assert pred.shape == (5, 7)
    assert_coherent(pred, h)


def level_rmse(pred, y, h):
    return np.array([np.sqrt(np.mean((pred[:, g] - y[:, g]) ** 2)) for g in h.top_down])


def test_reconciled_lstm_beats_the_reconciled_naive_forecasts():
    window, n_test, seed = 14, 60, 0
    sales, h = make_hierarchical_sales(2, 3, n_periods=400, random_state=seed)
    values = sales.to_numpy()                                   # (400, 9)
    X = Windower(window).fit_transform(values[:-1])[window:]    # (385, 14, 9)
    y = values[1:][window:]                                     # next day, every node
    X_train, X_test, y_train, y_test = X[:-n_test], X[-n_test:], y[:-n_test], y[-n_test:]

    def score(estimator):
        reg = ReconciledRegressor(estimator, hierarchy=h).fit(X_train, y_train)
        pred = reg.predict(X_test)
        assert_coherent(pred, h)
        return reg, level_rmse(pred, y_test, h).mean()

    lstm, lstm_rmse = score(LSTMRegressor(max_epochs=30, batch_size=64, random_state=seed))
    naive = {type(est).__name__: score(est)[1]
             for est in (SeasonalNaiveRegressor(season_length=7), LastValueRegressor())}
    # mint_shrink-reconciled LSTM / the better of the mint_shrink-reconciled seasonal
    # naive and last value (mean over levels of the hold-out RMSE), data and model
    # seeds 0-9 (seed 0 here): 0.72-0.86, worst 0.863 at seed 0. (Against a
    # reconciled RidgeLagsRegressor it is 0.90-1.20: the LSTM does not beat ridge.)
    assert lstm_rmse < 0.95 * min(naive.values()), (lstm_rmse, naive)
    # last / first epoch's training loss, seeds 0-9: 0.18-0.49 (0.49 at seed 0)
    curve = lstm.estimator_.loss_curve_
    assert curve[-1] < 0.7 * curve[0]
