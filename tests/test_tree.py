"""TreeLSTMRegressor: the cells' equations, the network's batching, the
regressor's layouts and errors, coherence, per-node window units, direction,
and skill on hierarchical sales against the strongest naive forecast.

The Hierarchy itself is tested in test_hierarchy.py, without DGL."""

import pickle
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from sklstm import (
    Hierarchy,
    LastValueRegressor,
    LSTMRegressor,
    SeasonalNaiveRegressor,
    Windower,
    WindowMeanRegressor,
)
from sklstm.datasets import make_hierarchical_sales
from sklstm.tree import TreeLSTMRegressor

dgl = pytest.importorskip("dgl", reason="needs the tree extra: "
                                        "pip install -c constraints.txt -e '.[tree]'")

from sklstm.nn.tree import ChildSumTreeLSTMCell, NaryTreeLSTMCell, TreeLSTMNet  # noqa: E402

# --------------------------------------------------------------------------
# the cells against the paper's equations, computed independently in NumPy
# --------------------------------------------------------------------------


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def weights(cell):
    """The cell's parameters as float64 arrays, split per gate (i, o, u)."""
    H = cell.hidden_size
    W_iou = cell.W_iou.weight.detach().numpy().astype(np.float64)
    b_iou = cell.W_iou.bias.detach().numpy().astype(np.float64)
    U_iou = cell.U_iou.weight.detach().numpy().astype(np.float64)
    W = {g: W_iou[k * H:(k + 1) * H] for k, g in enumerate("iou")}
    b = {g: b_iou[k * H:(k + 1) * H] for k, g in enumerate("iou")}
    U = {g: U_iou[k * H:(k + 1) * H] for k, g in enumerate("iou")}
    W["f"] = cell.W_f.weight.detach().numpy().astype(np.float64)
    b["f"] = cell.W_f.bias.detach().numpy().astype(np.float64)
    U["f"] = cell.U_f.weight.detach().numpy().astype(np.float64)
    return W, U, b


def deepest_first(children):
    """Node order in which every child comes before its parent."""
    depth = {0: 0}
    stack = [0]
    while stack:
        j = stack.pop()
        for k in children[j]:
            depth[k] = depth[j] + 1
            stack.append(k)
    return sorted(children, key=lambda j: -depth[j])


def child_sum_reference(cell, x, children):
    """Tai et al. (2015) eqs. 2-8 for each node, children before parents."""
    W, U, b = weights(cell)
    H = cell.hidden_size
    h, c = {}, {}
    order = deepest_first(children)
    for j in order:
        kids = children[j]
        h_tilde = sum((h[k] for k in kids), np.zeros(H))
        i = sigmoid(W["i"] @ x[j] + U["i"] @ h_tilde + b["i"])
        o = sigmoid(W["o"] @ x[j] + U["o"] @ h_tilde + b["o"])
        u = np.tanh(W["u"] @ x[j] + U["u"] @ h_tilde + b["u"])
        f = {k: sigmoid(W["f"] @ x[j] + U["f"] @ h[k] + b["f"]) for k in kids}
        c[j] = i * u + sum((f[k] * c[k] for k in kids), np.zeros(H))
        h[j] = o * np.tanh(c[j])
    return h, c


def nary_reference(cell, x, children, n_ary):
    """Tai et al. (2015) eqs. 9-14; children in slot order, missing ones zero."""
    W, U, b = weights(cell)
    H = cell.hidden_size
    h, c = {}, {}
    order = deepest_first(children)
    for j in order:
        slots_h = [h[k] for k in children[j]] + [np.zeros(H)] * (n_ary - len(children[j]))
        slots_c = [c[k] for k in children[j]] + [np.zeros(H)] * (n_ary - len(children[j]))

        def U_l(gate, l):
            return U[gate][:, l * H:(l + 1) * H]

        pre = {g: W[g] @ x[j] + b[g] + sum(U_l(g, l) @ slots_h[l] for l in range(n_ary))
               for g in "iou"}
        i, o, u = sigmoid(pre["i"]), sigmoid(pre["o"]), np.tanh(pre["u"])
        f = [sigmoid(W["f"] @ x[j] + b["f"]
                     + sum(U["f"][k * H:(k + 1) * H, l * H:(l + 1) * H] @ slots_h[l]
                           for l in range(n_ary)))
             for k in range(n_ary)]
        c[j] = i * u + sum(f[k] * slots_c[k] for k in range(n_ary))
        h[j] = o * np.tanh(c[j])
    return h, c


def run_cell(cell, parents, x):
    h = Hierarchy(parents)
    g = h.graph                                   # carries the child positions, "pos"
    frontiers = [torch.from_numpy(f) for f in h.bottom_up]
    out_h, out_c = cell(g, torch.from_numpy(x).float(), frontiers)
    return out_h.detach().numpy(), out_c.detach().numpy()


def children_of(parents):
    return {j: [k for k, p in enumerate(parents) if p == j] for j in range(len(parents))}


@pytest.mark.parametrize("kind", ["childsum", "nary"])
def test_cell_matches_the_paper_on_a_root_with_two_leaves(kind):
    torch.manual_seed(0)
    parents = [-1, 0, 0]
    cell = ChildSumTreeLSTMCell(4, 5) if kind == "childsum" else NaryTreeLSTMCell(4, 5, 2)
    x = np.random.RandomState(0).normal(size=(3, 4))
    h, c = run_cell(cell, parents, x)
    ref = (child_sum_reference(cell, x, children_of(parents)) if kind == "childsum"
           else nary_reference(cell, x, children_of(parents), 2))
    for j in range(3):
        np.testing.assert_allclose(h[j], ref[0][j], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(c[j], ref[1][j], rtol=1e-5, atol=1e-6)
    # the root is not a leaf: it did read its children
    assert not np.allclose(h[0], run_cell(cell, [-1], x[:1])[0][0])


def test_nary_pads_missing_children_with_zeros_and_tells_positions_apart():
    torch.manual_seed(1)
    parents = [-1, 0, 0, 1]              # node 1 has one child of two possible slots
    cell = NaryTreeLSTMCell(3, 4, 2)
    x = np.random.RandomState(1).normal(size=(4, 3))
    h, c = run_cell(cell, parents, x)
    ref_h, ref_c = nary_reference(cell, x, children_of(parents), 2)
    for j in range(4):
        np.testing.assert_allclose(h[j], ref_h[j], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(c[j], ref_c[j], rtol=1e-5, atol=1e-6)
    # swapping the two leaves changes the N-ary root, not the Child-Sum root
    swapped = x[[0, 2, 1]]
    nary_root = run_cell(cell, [-1, 0, 0], x[:3])[0][0]
    assert not np.allclose(nary_root, run_cell(cell, [-1, 0, 0], swapped)[0][0])
    child_sum = ChildSumTreeLSTMCell(3, 4)
    # the children's states are summed in the other order: float32 rounding only
    np.testing.assert_allclose(run_cell(child_sum, [-1, 0, 0], x[:3])[0][0],
                               run_cell(child_sum, [-1, 0, 0], swapped)[0][0],
                               rtol=1e-5, atol=1e-6)


def test_net_samples_are_independent_and_graphs_are_cached():
    torch.manual_seed(0)
    h = Hierarchy([-1, 0, 0, 1, 1])
    net = TreeLSTMNet(h, hidden_size=6, horizon=2, direction="both")
    x = torch.randn(5, 7, 5)
    y = net(x)
    assert y.shape == (5, 10)
    # another batch shape: float32 tolerances (torch's defaults for float32)
    torch.testing.assert_close(net(x[:2]), y[:2])
    assert {key[0] for key in net._graphs} == {5, 2}
    (graph, up), (graph_down, down) = net._graphs[(5, "cpu")]
    assert graph.num_nodes() == 25 and graph.ndata["pos"].tolist() == \
        h.child_positions.tolist() * 5
    assert [f.tolist() for f in up[:2]] == [[2, 3, 4, 7, 8, 9, 12, 13, 14, 17, 18, 19,
                                             22, 23, 24], [1, 6, 11, 16, 21]]
    assert [f.tolist() for f in down[:2]] == [[0, 5, 10, 15, 20], [1, 2, 6, 7, 11, 12, 16,
                                                                    17, 21, 22]]
    clone = pickle.loads(pickle.dumps(net))
    assert clone._graphs == {}
    torch.testing.assert_close(clone(x), y, rtol=0, atol=0)      # the same computation


def test_net_needs_a_hierarchy():
    with pytest.raises(TypeError, match=r"TreeLSTMNet expects a sklstm\.hierarchy\."
                                        r"Hierarchy, got list\. Build one with "
                                        r"Hierarchy\(parents\)"):
        TreeLSTMNet([-1, 0, 0], hidden_size=4)
    with pytest.raises(ValueError, match=r"n_ary must be an int >= 1, got 0"):
        NaryTreeLSTMCell(3, 4, 0)


# --------------------------------------------------------------------------
# the estimator
# --------------------------------------------------------------------------


def small_sales(T=200, window=7, seed=0, C=2, P=2):
    sales, hierarchy = make_hierarchical_sales(C, P, n_periods=T, random_state=seed)
    values = sales.to_numpy()
    X = Windower(window).fit_transform(values[:-1])[window:]
    y = values[1:][window:]
    return X, y, hierarchy


def test_errors_of_hierarchy_and_targets_in_fit():
    X, y, h = small_sales()
    with pytest.raises(ValueError, match=r"hierarchy has 3 nodes but X has 7 node channels "
                                         r"\(X\.shape\[2\]\).*order of Hierarchy\.nodes"):
        TreeLSTMRegressor(hierarchy=[-1, 0, 0], max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match=r"hierarchy has a cycle: 1 -> 2 -> 1"):
        TreeLSTMRegressor(hierarchy=[-1, 2, 1, 0, 0, 0, 0], max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match=r"y has 10 columns, which is not a multiple of the "
                                         r"7 nodes.*node-major"):
        TreeLSTMRegressor(hierarchy=h, max_epochs=1).fit(X, np.hstack([y, y[:, :3]]))
    with pytest.raises(ValueError, match=r"coherent=True needs every node's target.*but y "
                                         r"is 1-D \(the root only\)"):
        TreeLSTMRegressor(hierarchy=h, coherent=True, max_epochs=1).fit(X, y[:, 0])


def test_errors_name_the_fix_for_real_hierarchies():
    X, y, h = small_sales()                  # 7 nodes: total, c0, c1, 4 products
    # the hierarchy's node count against X's channels: the prison tree has 57 nodes
    frame = pd.DataFrame({"state": ["ACT", "ACT", "NSW"],
                          "gender": ["ACT/F", "ACT/M", "NSW/F"]})
    with pytest.raises(ValueError, match=r"hierarchy has 6 nodes but X has 7 node channels "
                                         r"\(X\.shape\[2\]\).*order of Hierarchy\.nodes"):
        TreeLSTMRegressor(hierarchy=frame, max_epochs=1).fit(X, y)
    # a grouped structure (gender crossed with state, as in the prison data) is no tree
    crossed = pd.DataFrame({"state": ["ACT", "ACT", "NSW", "NSW"],
                            "gender": ["F", "M", "F", "M"]})
    with pytest.raises(ValueError, match=r"hierarchy: gender 'F' appears under 'ACT' and "
                                         r"'NSW' of 'state': the levels cross, which makes "
                                         r"a grouped structure, not a tree.*nest the names "
                                         r"\(e\.g\. 'ACT/F'\)"):
        TreeLSTMRegressor(hierarchy=crossed, max_epochs=1).fit(X, y)
    # a seasonal baseline that reads further back than the windows reach
    with pytest.raises(ValueError, match=r"season_length=12 but the windows have 7 time "
                                         r"steps.*Use windows of at least 12 steps"):
        TreeLSTMRegressor(hierarchy=h, season_length=12, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match=r"invalid value season_length=0; expected one of "
                                         r"'auto', None or an int >= 1\.$"):
        TreeLSTMRegressor(hierarchy=h, season_length=0, max_epochs=1).fit(X, y)


def test_season_length_auto_finds_the_season_the_window_shows():
    X, y, h = small_sales(window=14)         # daily sales with a weekly swing
    reg = TreeLSTMRegressor(hierarchy=h, max_epochs=1, random_state=0).fit(X, y)
    assert reg.season_length_ == 7 and reg.window_norm_ == "mean"
    # noise has no season: no lag beats the mean, so no baseline and no window norm
    rng = np.random.RandomState(0)
    noise = rng.normal(size=(80, 6, 3))
    reg = TreeLSTMRegressor(hierarchy=[-1, 0, 0], max_epochs=1, random_state=0).fit(
        noise, rng.normal(size=(80, 3)))
    assert reg.season_length_ == 0 and reg.window_norm_ is None
    # an explicit lag: the all-but-untrained network (one epoch at lr 1e-6) forecasts
    # the baseline plus a correction of the order of the residuals' spread; a baseline
    # read at the wrong lag would miss by the weekly swing, several times that
    reg = TreeLSTMRegressor(hierarchy=h, season_length=7, max_epochs=1, lr=1e-6,
                            random_state=0).fit(X, y)
    gap = np.abs(reg.predict(X) - X[:, -7, :])
    assert reg.season_length_ == 7
    assert (gap.mean(axis=0) < 1.0 * np.abs(y - X[:, -7, :]).std(axis=0)).all()


@pytest.mark.parametrize("params, message", [
    ({"cell": "binary"}, r"invalid value cell='binary'; expected one of 'childsum', 'nary'\.$"),
    ({"direction": "down"}, r"invalid value direction='down'; expected one of 'up', "
                            r"'both'\.$"),
    ({"coherent": "yes"}, r"invalid value coherent='yes'; expected one of True, False\.$"),
    ({"hierarchy": "total"}, r"invalid value hierarchy='total'; expected one of None or a "
                             r"parent array, a DataFrame of levels or a Hierarchy\.$"),
])
def test_bad_parameters_get_the_base_errors(params, message):
    X, y, _ = small_sales()
    with pytest.raises(ValueError, match=message):
        TreeLSTMRegressor(max_epochs=1, **params).fit(X, y)


@pytest.mark.parametrize("cell", ["childsum", "nary"])
@pytest.mark.parametrize("window_norm", [None, "standard"])
def test_coherent_forecasts_sum_up_in_original_units(cell, window_norm):
    X, y, h = small_sales()
    horizon_y = np.stack([y, 2 * y], axis=2).reshape(len(y), -1)   # 2 steps, node-major
    reg = TreeLSTMRegressor(hierarchy=h, coherent=True, cell=cell, window_norm=window_norm,
                            max_epochs=3, random_state=0).fit(X, horizon_y)
    assert reg.horizon_ == 2
    pred = reg.predict(X).reshape(len(X), h.n_nodes, 2)          # node-major
    leaves = pred[:, h.leaves, :]
    # float64 sums of the leaves, recomputed here: float64 tolerance
    np.testing.assert_allclose(pred, np.einsum("il,nls->nis", h.S, leaves), rtol=1e-12)
    # the total is in the data's units (hundreds), not in standardised units
    assert abs(pred[:, h.root, 0].mean() - y[:, h.root].mean()) < 0.5 * y[:, h.root].mean()
    # only the leaves are forecast; they are one level here, so they share one head
    assert len(reg.net_.module_.head_groups) == h.n_leaves
    assert reg.net_.module_.head_weight.shape[0] == 1


def test_window_norm_maps_each_node_with_its_own_window():
    # two unrelated nodes on scales 1000x apart, trending beyond the training range
    t = np.arange(300.0)
    rng = np.random.RandomState(0)
    leaves = np.column_stack([1000 + 5 * t, 1 + 0.005 * t])
    leaves *= 1 + 0.001 * rng.normal(size=(300, 2))
    sales = np.column_stack([leaves.sum(1), leaves])
    X = Windower(10).fit_transform(sales[:-1])[10:]
    y = sales[1:][10:]
    reg = TreeLSTMRegressor(hierarchy=[-1, 0, 0], window_norm="last", max_epochs=20,
                            random_state=0).fit(X[:200], y[:200])
    pred = reg.predict(X[200:])
    relative = np.abs(pred - y[200:]) / y[200:]
    # a units check, not a skill check (the last value scores 0.0056 here): a node
    # mapped back with another node's window would be off by a factor of about 1000
    assert relative.max() < 0.02, relative.max(axis=0)
    # the same with coherent=True: leaves mapped with their own windows, then summed
    coherent = TreeLSTMRegressor(hierarchy=[-1, 0, 0], window_norm="last", coherent=True,
                                 max_epochs=20, random_state=0).fit(X[:200], y[:200])
    pred = coherent.predict(X[200:])
    assert (np.abs(pred - y[200:]) / y[200:]).max() < 0.02
    np.testing.assert_allclose(pred[:, 0], pred[:, 1] + pred[:, 2], rtol=1e-12)


def test_layouts_star_default_root_only_and_2d_input():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 6, 4))
    reg = TreeLSTMRegressor(max_epochs=2, random_state=0).fit(X, X[:, -1, :])
    np.testing.assert_array_equal(reg.hierarchy_.parents, [-1, 0, 0, 0])
    assert reg.predict(X).shape == (40, 4)
    root_only = TreeLSTMRegressor(max_epochs=2, random_state=0).fit(X, X[:, -1, 0])
    assert root_only.predict(X).shape == (40,) and root_only.horizon_ == 1
    flat = TreeLSTMRegressor(max_epochs=2, random_state=0).fit(X[:, :, 0], X[:, -1, :3])
    assert flat.hierarchy_.n_nodes == 1 and flat.horizon_ == 3
    assert flat.predict(X[:5, :, 0]).shape == (5, 3)


def test_pickle_round_trip_keeps_predictions_exact():
    X, y, h = small_sales()
    reg = TreeLSTMRegressor(hierarchy=h, cell="nary", max_epochs=2, random_state=0).fit(X, y)
    before = reg.predict(X)
    clone = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(clone.predict(X), before)


def test_using_it_without_dgl_names_the_extra(monkeypatch):
    X, y, h = small_sales()
    monkeypatch.setitem(sys.modules, "dgl", None)
    with pytest.raises(ImportError, match=r'pip install "sklstm\[tree\]" -c constraints\.txt'):
        TreeLSTMRegressor(max_epochs=1).fit(X, y)


def test_hierarchy_as_a_dataframe_of_levels():
    X, y, h = small_sales()
    frame = pd.DataFrame({"category": ["c0", "c0", "c1", "c1"],
                          "product": ["c0_p0", "c0_p1", "c1_p0", "c1_p1"]})
    reg = TreeLSTMRegressor(hierarchy=frame, coherent=True, max_epochs=2,
                            random_state=0).fit(X, y)
    assert isinstance(reg.hierarchy_, Hierarchy)
    assert list(reg.hierarchy_.nodes) == list(h.nodes)
    assert reg.hierarchy_.levels == ("total", "category", "product")
    np.testing.assert_array_equal(reg.hierarchy_.parents, h.parents)
    assert reg.get_params()["hierarchy"] is frame                  # left as given
    # the same tree given as a Hierarchy: the same computation, the same model
    same = TreeLSTMRegressor(hierarchy=h, coherent=True, max_epochs=2,
                             random_state=0).fit(X, y)
    np.testing.assert_array_equal(reg.predict(X), same.predict(X))
    # a frame whose tree does not have X's node count
    with pytest.raises(ValueError, match=r"hierarchy has 6 nodes but X has 7 node channels"):
        TreeLSTMRegressor(hierarchy=frame.iloc[:3], max_epochs=1).fit(X, y)


def test_auto_step_is_the_panel_step_with_several_nodes_and_not_with_one():
    from sklstm._training import ONE_SERIES_STEP, PANEL_STEP

    X, y, h = small_sales()
    tree = TreeLSTMRegressor(hierarchy=h, max_epochs=1, random_state=0).fit(X, y)
    assert (tree.lr_, tree.weight_decay_) == PANEL_STEP
    assert tree.net_.lr == PANEL_STEP[0] and TreeLSTMRegressor().max_epochs == 100
    one = TreeLSTMRegressor(hierarchy=[-1], max_epochs=1, random_state=0).fit(
        X[:, :, :1], y[:, :1])
    assert (one.lr_, one.weight_decay_) == ONE_SERIES_STEP


def test_direction_up_sees_the_subtree_only():
    X, y, h = small_sales()                   # total, c0, c1, c0_p0, c0_p1, c1_p0, c1_p1
    # 5 epochs at the step the thresholds below were set with (lr="auto" is 0.001 on
    # a tree, which moves the weights less in 5 epochs)
    step = {"max_epochs": 5, "lr": 0.01, "weight_decay": 0.0, "random_state": 0}
    up = TreeLSTMRegressor(hierarchy=h, direction="up", **step).fit(X, y)
    both = TreeLSTMRegressor(hierarchy=h, direction="both", **step).fit(X, y)
    assert not hasattr(up.net_.module_, "down") and hasattr(both.net_.module_, "down")
    # one head per level (heads="level"), reading h_up only or [h_up; h_down]
    assert up.net_.module_.head_weight.shape == (3, 32, 1)
    assert both.net_.module_.head_weight.shape == (3, 64, 1)
    assert up.loss_curve_[-1] < up.loss_curve_[0]
    # change the windows of category c1 and its products
    other = X.copy()
    other[:, :, [2, 5, 6]] *= 1.5
    before, after = up.predict(X), up.predict(other)
    scale = np.abs(before).max(axis=0)
    # bottom-up only: c0 and its products read nothing of c1's subtree (float32 rounding
    # of the batched encoder aside); the total and c1's subtree do
    np.testing.assert_allclose(after[:, [1, 3, 4]], before[:, [1, 3, 4]], rtol=1e-5,
                               atol=1e-5 * scale.max())
    assert (np.abs(after - before).max(axis=0)[[0, 2, 5, 6]] > 1e-3 * scale[[0, 2, 5, 6]]).all()
    # top-down too: c0's products see the total's state, so they change, by more than
    # the float32 rounding that bounds them above (1e-5): 1e-3 of the scale here
    moved = np.abs(both.predict(other) - both.predict(X)).max(axis=0)
    assert (moved[[3, 4]] > 1e-4 * scale[[3, 4]]).all()


# --------------------------------------------------------------------------
# skill: hierarchical sales, time-ordered hold-out
# --------------------------------------------------------------------------


def level_rmse(pred, y, h):
    """RMSE of each node, averaged within each level (total, categories, products)."""
    rmse = np.sqrt(((pred - y) ** 2).mean(axis=0))
    return np.array([rmse[nodes].mean() for nodes in h.top_down])


def per_node(baseline, X_train, y_train, X_test):
    """A naive forecast of every node, each from its own channel."""
    return np.column_stack([
        baseline.set_params(target_channel=j).fit(X_train, y_train[:, j]).predict(X_test)
        for j in range(y_train.shape[1])])


def test_beats_the_best_naive_and_a_flat_lstm_on_hierarchical_sales():
    window, n_test = 14, 120
    sales, h = make_hierarchical_sales(2, 3, n_periods=600, random_state=0)
    assert h.levels == ("total", "category", "product")
    values = sales.to_numpy()                                    # (600, 9)
    X = Windower(window).fit_transform(values[:-1])[window:]     # (585, 14, 9)
    y = values[1:][window:]                                      # next day, every node
    X_train, X_test, y_train, y_test = X[:-n_test], X[-n_test:], y[:-n_test], y[-n_test:]

    tree = TreeLSTMRegressor(hierarchy=h, random_state=0).fit(X_train, y_train)   # defaults
    tree_rmse = level_rmse(tree.predict(X_test), y_test, h)

    # the naive forecasts: same weekday last week, last value, window mean
    naive_rmse = {
        type(baseline).__name__: level_rmse(per_node(baseline, X_train, y_train, X_test),
                                            y_test, h).mean()
        for baseline in [SeasonalNaiveRegressor(season_length=7), LastValueRegressor(),
                         WindowMeanRegressor()]}
    best_naive = min(naive_rmse.values())

    # the flat model sees the same windows, standardised per node, all nodes as outputs
    loc = X_train.mean(axis=(0, 1))
    scale = X_train.std(axis=(0, 1))
    flat = LSTMRegressor(max_epochs=60, random_state=0).fit((X_train - loc) / scale, y_train)
    flat_rmse = level_rmse(flat.predict((X_test - loc) / scale), y_test, h)

    # Tree-LSTM at defaults / best naive, data and model seeds 0-9 (seed 0 here):
    # 0.711-0.863 (median 0.76; 0.793 here), worst 0.863 at seed 5. At the former step
    # (lr=0.01, no weight decay, 60 epochs; the rest as now): 0.751-1.031, median 0.87
    assert tree_rmse.mean() < 0.95 * best_naive, (tree_rmse, naive_rmse)
    # Tree-LSTM / flat LSTM, seeds 0-9: 0.564-0.750 (worst: seed 0, here; 0.653-0.855
    # at the former step)
    assert tree_rmse.mean() < 0.85 * flat_rmse.mean(), (tree_rmse, flat_rmse)
    # last / first epoch's training loss, seeds 0-9: 0.35-0.62 (0.55 here; weight
    # decay keeps the training rows from being fitted as closely as at the former
    # step, 0.05-0.21, which forecast the hold-out worse)
    assert tree.loss_curve_[-1] < 0.7 * tree.loss_curve_[0]


def test_the_root_beats_the_better_naive_forecast():
    # The total of a sales tree is its smoothest series: almost all of it is a weekly
    # swing that grows with the level, so the seasonal naive forecast is strongest
    # there, and the root is one output of 16. Without the skip (skip=False) the
    # root's RMSE was, over data and model seeds 0-9, 0.75-1.50 times the better naive
    # forecast (median 0.91; above 1 at seeds 1, 7 and 8), while the products beat it
    # at every seed (0.76-0.91).
    window, n_test = 14, 56
    sales, h = make_hierarchical_sales(3, 4, n_periods=400, random_state=0)
    values = sales.to_numpy()                                    # (400, 16)
    X = Windower(window).fit_transform(values[:-1])[window:]
    y = values[1:][window:]
    X_train, X_test, y_train, y_test = X[:-n_test], X[-n_test:], y[:-n_test], y[-n_test:]
    # 20 epochs at the step the margins below were measured with (lr="auto" is now
    # 0.001 with weight decay on a tree, for 100 epochs)
    tree = TreeLSTMRegressor(hierarchy=h, max_epochs=20, lr=0.01, weight_decay=0.0,
                             random_state=0).fit(X_train, y_train)
    root_rmse = np.sqrt(((tree.predict(X_test)[:, h.root] - y_test[:, h.root]) ** 2).mean())

    naive_rmse = {}
    for baseline in [SeasonalNaiveRegressor(season_length=7), LastValueRegressor()]:
        pred = baseline.set_params(target_channel=h.root).fit(
            X_train, y_train[:, h.root]).predict(X_test)
        naive_rmse[type(baseline).__name__] = np.sqrt(((pred - y_test[:, h.root]) ** 2).mean())
    # root / better naive with the skip and direction="up" (the defaults), seeds 0-9:
    # 0.63-0.98 (median 0.78; 0.63 here), worst 0.980 at seed 8, then 0.921 at seed 1
    # (with direction="both": 0.65-0.925, median 0.74)
    assert root_rmse < 1.0 * min(naive_rmse.values()), (root_rmse, naive_rmse)


# --------------------------------------------------------------------------
# skill on a real hierarchy, at default settings
# --------------------------------------------------------------------------


def test_defaults_beat_the_best_naive_at_every_level_of_us_employment():
    from sklstm import ReconciledRegressor
    from sklstm.datasets import load_us_employment
    from sklstm.metrics import mase

    employment, h = load_us_employment()          # 20 nodes, monthly, 120 months
    values = employment.to_numpy(np.float64)
    window, n_test = 12, 12
    X = Windower(window).fit_transform(values[:-1])[window - 1:]
    y = values[window:]                           # every node's next month
    X_train, X_test, y_train, y_test = X[:-n_test], X[-n_test:], y[:-n_test], y[-n_test:]
    train = values[:-n_test]

    def level_mase(pred):
        scores = np.array([mase(y_test[:, j], pred[:, j], train[:, j])
                           for j in range(h.n_nodes)])
        return np.array([scores[nodes].mean() for nodes in h.top_down])

    tree = level_mase(TreeLSTMRegressor(hierarchy=h, random_state=0)
                      .fit(X_train, y_train).predict(X_test))
    # the best naive forecast of each level: last month (the series are seasonally
    # adjusted), the same month a year before, the window mean
    naive = np.min([level_mase(p) for p in (X_test[:, -1], X_test[:, -12],
                                            X_test.mean(axis=1))], axis=0)
    # Tree-LSTM / best naive, per level, model seeds 0-9: at most 0.887 (seed 0, the
    # sectors, here); the total 0.315-0.330, the domains 0.47-0.50; the mean over
    # levels 0.474-0.484 against the naive 0.867 (0.55-0.56). With the former step
    # (lr=0.01 for 20 epochs): at most 0.962, the mean 0.495-0.513
    assert (tree < 0.95 * naive).all(), (tree, naive)
    assert tree.mean() < 0.6 * naive.mean(), (tree, naive)
    # the reconciled global LSTM (MinT-shrink; 20 epochs, to keep this fast: its
    # forecasts were as good as at 200), seeds 0-9: the tree's mean over levels was
    # 1.02-1.12 times the reconciled LSTM's (worst 1.118 at seed 0, here; 1.06-1.16
    # with the former step):
    # on this smooth, trending hierarchy the global model with window-relative
    # scaling is ahead (see docs/tree.rst); the margin guards against a relapse to
    # the former defaults' failure mode on short data (twice the naive error)
    rec = level_mase(ReconciledRegressor(LSTMRegressor(max_epochs=20, random_state=0), h,
                                         method="mint_shrink")
                     .fit(X_train, y_train).predict(X_test))
    assert tree.mean() < 1.2 * rec.mean(), (tree, rec)
