"""TreeLSTMRegressor and Hierarchy: the cells' equations, the tree checks,
coherence, per-node window units, skill on hierarchical sales, and sklearn's
estimator checks."""

import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from sklstm import LSTMRegressor, Windower
from sklstm.datasets import make_hierarchical_sales
from sklstm.tree import Hierarchy, TreeLSTMRegressor

dgl = pytest.importorskip("dgl")

from sklstm.nn.tree import (ChildSumTreeLSTMCell, NaryTreeLSTMCell,  # noqa: E402
                            TreeLSTMNet)


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
    g = h.graph
    g.ndata["pos"] = torch.from_numpy(h.child_positions)
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
    np.testing.assert_allclose(run_cell(child_sum, [-1, 0, 0], x[:3])[0][0],
                               run_cell(child_sum, [-1, 0, 0], swapped)[0][0], rtol=1e-6)


def test_net_samples_are_independent_and_graphs_are_cached():
    torch.manual_seed(0)
    net = TreeLSTMNet([-1, 0, 0, 1, 1], hidden_size=6, horizon=2, direction="both")
    x = torch.randn(5, 7, 5)
    y = net(x)
    assert y.shape == (5, 10)
    torch.testing.assert_close(net(x[:2]), y[:2])
    assert {key[0] for key in net._graphs} == {5, 2}
    clone = pickle.loads(pickle.dumps(net))
    assert clone._graphs == {}
    torch.testing.assert_close(clone(x), y)


# --------------------------------------------------------------------------
# Hierarchy
# --------------------------------------------------------------------------


def test_from_levels_orders_root_then_levels_and_builds_S():
    levels = pd.DataFrame({"category": ["food", "toys", "food"],
                           "product": ["apple", "ball", "bread"]})
    h = Hierarchy.from_levels(levels)
    assert list(h.nodes) == ["total", "food", "toys", "apple", "ball", "bread"]
    np.testing.assert_array_equal(h.parents, [-1, 0, 0, 1, 2, 1])
    np.testing.assert_array_equal(h.levels, [0, 1, 1, 2, 2, 2])
    np.testing.assert_array_equal(h.leaves, [3, 4, 5])
    np.testing.assert_array_equal(h.S, [[1, 1, 1], [1, 0, 1], [0, 1, 0],
                                        [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert h.max_children == 2 and h.root == 0
    assert [f.tolist() for f in h.bottom_up] == [[3, 4, 5], [1, 2], [0]]
    assert [f.tolist() for f in h.top_down] == [[0], [1, 2], [3, 4, 5]]
    src, dst = h.graph.edges()
    assert sorted(zip(src.tolist(), dst.tolist())) == [(1, 0), (2, 0), (3, 1), (4, 2), (5, 1)]
    assert [sorted(f.tolist()) for f in dgl.topological_nodes_generator(h.graph)] == \
        [f.tolist() for f in h.bottom_up]


def test_unbalanced_parent_array_and_star():
    h = Hierarchy([-1, 0, 0, 1, 1, 3, 3])       # leaves at depths 1, 2 and 3
    np.testing.assert_array_equal(h.leaves, [2, 4, 5, 6])
    assert [f.tolist() for f in h.bottom_up] == [[2, 4, 5, 6], [3], [1], [0]]
    np.testing.assert_array_equal(h.aggregate([1, 2, 3, 4]), [10, 9, 1, 7, 2, 3, 4])
    np.testing.assert_array_equal(Hierarchy.star(1).S, [[1.0]])
    np.testing.assert_array_equal(Hierarchy.star(4).leaves, [1, 2, 3])


@pytest.mark.parametrize("parents, message", [
    ([], r"hierarchy is empty: the parent array has no nodes\. Pass a parent array"),
    ([-1, 0.5, 0], r"hierarchy parent indices must be integers, got \[.*0\.5"),
    (["root", "a"], r"hierarchy parent indices must be integers"),
    ([[-1, 0]], r"hierarchy parent array must be 1-D, got shape \(1, 2\)"),
    ([-1, 5, 0], r"parent index out of range: parents\[1\] = 5, but there are 3 nodes, "
                 r"so a parent must be in \[0, 2\] \(or -1 for the root\)"),
    ([-1, -3], r"out of range: parents\[1\] = -3"),
    ([1, 0], r"hierarchy has no root: no entry of the parent array is -1"),
    ([-1, -1, 0], r"several roots: nodes \[0, 1\] all have parent -1.*Add a total node"),
    ([-1, 2, 3, 1], r"hierarchy has a cycle: 1 -> 2 -> 3 -> 1 \(each arrow goes from a "
                    r"node to its parent\)"),
    ([-1, 1], r"hierarchy has a cycle: 1 -> 1"),
])
def test_bad_parent_arrays_are_explained(parents, message):
    with pytest.raises(ValueError, match=message):
        Hierarchy(parents)


def test_bad_level_frames_are_explained():
    with pytest.raises(ValueError, match=r"hierarchy is empty: the levels DataFrame has "
                                         r"shape \(0, 2\)"):
        Hierarchy.from_levels(pd.DataFrame(columns=["category", "product"]))
    two_parents = pd.DataFrame({"category": ["A", "B"], "product": ["x", "x"]})
    with pytest.raises(ValueError, match=r"leaf 'x' appears in several rows under "
                                         r"\['A', 'B'\]; a leaf has one parent"):
        Hierarchy.from_levels(two_parents)
    three = pd.DataFrame({"region": ["north", "south"], "category": ["food", "food"],
                          "product": ["n1", "s1"]})
    with pytest.raises(ValueError, match=r"category 'food' appears under two parents, "
                                         r"'north' and 'south'"):
        Hierarchy.from_levels(three)
    clash = pd.DataFrame({"category": ["A", "B"], "product": ["A", "b1"]})
    with pytest.raises(ValueError, match=r"node name 'A' is used at two levels"):
        Hierarchy.from_levels(clash)
    with pytest.raises(ValueError, match="hierarchy levels have missing values"):
        Hierarchy.from_levels(pd.DataFrame({"category": ["A", None], "product": ["a", "b"]}))
    with pytest.raises(ValueError, match=r"node names must be unique; \['a'\]"):
        Hierarchy([-1, 0, 0], names=["r", "a", "a"])


# --------------------------------------------------------------------------
# the estimator
# --------------------------------------------------------------------------


def small_sales(T=200, window=7, seed=0, C=2, P=2):
    sales, levels = make_hierarchical_sales(C, P, n_periods=T, random_state=seed)
    values = sales.to_numpy()
    X = Windower(window).fit_transform(values[:-1])[window:]
    y = values[1:][window:]
    return X, y, Hierarchy.from_levels(levels)


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
    np.testing.assert_allclose(pred, np.einsum("il,nls->nis", h.S, leaves), rtol=1e-5)
    # the total is in the data's units (hundreds), not in standardised units
    assert abs(pred[:, h.root, 0].mean() - y[:, h.root].mean()) < 0.5 * y[:, h.root].mean()
    assert reg.net_.module_.head_weight.shape[0] == h.n_leaves


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
    assert relative.max() < 0.02, relative.max(axis=0)
    # the same with coherent=True: leaves mapped with their own windows, then summed
    coherent = TreeLSTMRegressor(hierarchy=[-1, 0, 0], window_norm="last", coherent=True,
                                 max_epochs=20, random_state=0).fit(X[:200], y[:200])
    pred = coherent.predict(X[200:])
    assert (np.abs(pred - y[200:]) / y[200:]).max() < 0.02
    np.testing.assert_allclose(pred[:, 0], pred[:, 1] + pred[:, 2], rtol=1e-5)


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
    with pytest.raises(ImportError, match=r"optional 'tree' extra"):
        Hierarchy([-1, 0, 0]).graph


def test_import_sklstm_needs_no_dgl():
    code = ("import sys; sys.modules['dgl'] = None\n"
            "import sklstm, sklstm.tree, sklstm.nn.tree, sklstm.datasets\n"
            "from sklstm.tree import Hierarchy, TreeLSTMRegressor\n"
            "assert Hierarchy([-1, 0, 0]).S.shape == (3, 2)\n"
            "print(TreeLSTMRegressor())\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "TreeLSTMRegressor()" in result.stdout


# --------------------------------------------------------------------------
# skill: hierarchical sales, time-ordered hold-out
# --------------------------------------------------------------------------


def level_rmse(pred, y, h):
    """RMSE of each node, averaged within each level (total, categories, products)."""
    rmse = np.sqrt(((pred - y) ** 2).mean(axis=0))
    return np.array([rmse[h.levels == level].mean() for level in range(h.levels.max() + 1)])


def test_beats_seasonal_naive_and_a_flat_lstm_on_hierarchical_sales():
    window, n_test = 14, 120
    sales, levels = make_hierarchical_sales(2, 3, n_periods=600, random_state=0)
    h = Hierarchy.from_levels(levels)
    values = sales.to_numpy()                                    # (600, 9)
    X = Windower(window).fit_transform(values[:-1])[window:]     # (585, 14, 9)
    y = values[1:][window:]                                      # next day, every node
    X_train, X_test, y_train, y_test = X[:-n_test], X[-n_test:], y[:-n_test], y[-n_test:]

    tree = TreeLSTMRegressor(hierarchy=h, max_epochs=60, random_state=0).fit(X_train, y_train)
    tree_rmse = level_rmse(tree.predict(X_test), y_test, h)

    seasonal_naive = X_test[:, -7 + 1, :]                        # same weekday last week
    naive_rmse = level_rmse(seasonal_naive, y_test, h)

    # the flat model sees the same windows, standardised per node, all nodes as outputs
    loc = X_train.mean(axis=(0, 1))
    scale = X_train.std(axis=(0, 1))
    flat = LSTMRegressor(max_epochs=60, random_state=0).fit((X_train - loc) / scale, y_train)
    flat_rmse = level_rmse(flat.predict((X_test - loc) / scale), y_test, h)

    assert tree_rmse.mean() < 0.8 * naive_rmse.mean(), (tree_rmse, naive_rmse)
    assert tree_rmse.mean() < flat_rmse.mean(), (tree_rmse, flat_rmse)
    assert tree.loss_curve_[-1] < 0.5 * tree.loss_curve_[0]
