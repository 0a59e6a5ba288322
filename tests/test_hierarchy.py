"""Hierarchy: checks, topology (depths, heights, frontiers, child positions), the
summing matrix, named levels, and the graph. Runs without DGL, except the graph."""

import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import sklstm
from sklstm.datasets import load_us_employment
from sklstm.hierarchy import Hierarchy

NEEDS_DGL = "needs the tree extra: pip install -c constraints.txt -e '.[tree]'"


def frame_of_levels():
    return pd.DataFrame({"category": ["food", "toys", "food"],
                         "product": ["apple", "ball", "bread"]})


def test_exported_from_sklstm_and_from_the_tree_module():
    from sklstm.tree import Hierarchy as from_tree

    assert sklstm.Hierarchy is Hierarchy is from_tree
    assert "Hierarchy" in sklstm.__all__


def test_from_levels_orders_root_then_levels_and_builds_S():
    h = Hierarchy.from_levels(frame_of_levels())
    assert list(h.nodes) == ["total", "food", "toys", "apple", "ball", "bread"]
    np.testing.assert_array_equal(h.parents, [-1, 0, 0, 1, 2, 1])
    np.testing.assert_array_equal(h.depths, [0, 1, 1, 2, 2, 2])
    np.testing.assert_array_equal(h.heights, [2, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(h.leaves, [3, 4, 5])
    np.testing.assert_array_equal(h.S, [[1, 1, 1], [1, 0, 1], [0, 1, 0],
                                        [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert h.S.dtype == np.float64
    assert h.max_children == 2 and h.root == 0
    assert (h.n_nodes, h.n_leaves, h.n_levels) == (6, 3, 3)
    assert [f.tolist() for f in h.bottom_up] == [[3, 4, 5], [1, 2], [0]]
    assert [f.tolist() for f in h.top_down] == [[0], [1, 2], [3, 4, 5]]
    # "bread" is food's second child, "ball" toys' first
    np.testing.assert_array_equal(h.child_positions, [0, 0, 1, 0, 0, 1])


def test_levels_are_named_groups_of_nodes_by_depth():
    h = Hierarchy.from_levels(frame_of_levels(), root="all")
    assert h.levels == ("all", "category", "product")
    assert h.level_of("ball") == "product" and h.level_of(1) == "category"
    assert h.level_of(h.root) == "all"
    for depth, level in enumerate(h.levels):
        nodes = [j for j in range(h.n_nodes) if h.level_of(j) == level]
        assert h.top_down[depth].tolist() == nodes
    # a parent array gets one default name per depth
    assert Hierarchy([-1, 0, 1]).levels == ("depth0", "depth1", "depth2")
    named = Hierarchy([-1, 0, 0], names=["t", "a", "b"], levels=["total", "item"])
    assert named.level_of("b") == "item"


def test_unbalanced_tree_orders_children_before_parents():
    h = Hierarchy([-1, 0, 0, 1, 1, 3, 3])       # leaves at depths 1, 2 and 3
    np.testing.assert_array_equal(h.leaves, [2, 4, 5, 6])
    np.testing.assert_array_equal(h.depths, [0, 1, 1, 2, 2, 3, 3])
    np.testing.assert_array_equal(h.heights, [3, 2, 0, 1, 0, 0, 0])
    assert [f.tolist() for f in h.bottom_up] == [[2, 4, 5, 6], [3], [1], [0]]
    np.testing.assert_array_equal(h.aggregate([1, 2, 3, 4]), [10, 9, 1, 7, 2, 3, 4])


def test_topology_of_a_real_hierarchy():
    employment, h = load_us_employment()
    assert h.levels == ("total", "domain", "supersector", "sector")
    assert h.level_of("government") == "domain" and h.level_of("durable_goods") == "sector"
    position = {}
    for group, nodes in enumerate(h.bottom_up):     # children in earlier groups
        for j in nodes:
            position[j] = group
    for j, p in enumerate(h.parents):
        if p >= 0:
            assert position[j] < position[p]
            assert h.depths[j] == h.depths[p] + 1
    assert sorted(np.concatenate(h.bottom_up).tolist()) == list(range(h.n_nodes))
    assert sorted(np.concatenate(h.top_down).tolist()) == list(range(h.n_nodes))
    assert h.max_children == 7                          # private services' supersectors
    # each leaf is counted once, in its own row and in every ancestor's
    np.testing.assert_array_equal(h.S[h.leaves], np.eye(h.n_leaves))
    assert h.S[h.root].sum() == h.n_leaves


def test_aggregate_sums_leaves_up_to_every_node():
    h = Hierarchy.from_levels(frame_of_levels())
    leaves = np.random.RandomState(0).normal(size=(5, 4, h.n_leaves))   # any leading axes
    values = h.aggregate(leaves)
    assert values.shape == (5, 4, h.n_nodes)
    np.testing.assert_allclose(values[..., 0], leaves.sum(-1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(values[..., 1], leaves[..., 0] + leaves[..., 2], rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_array_equal(values[..., h.leaves], leaves)    # S is 0/1: copies
    with pytest.raises(ValueError, match=r"aggregate expects leaf values of shape "
                                         r"\(\.\.\., n_leaves\) with n_leaves=3, got shape "
                                         r"\(2, 6\)"):
        h.aggregate(np.zeros((2, 6)))


def test_star():
    np.testing.assert_array_equal(Hierarchy.star(1).S, [[1.0]])
    star = Hierarchy.star(4)
    np.testing.assert_array_equal(star.leaves, [1, 2, 3])
    assert star.levels == ("depth0", "depth1") and star.max_children == 3
    assert list(star.nodes) == ["node0", "node1", "node2", "node3"]
    with pytest.raises(ValueError, match=r"Hierarchy\.star: invalid value n_nodes=0; "
                                         r"expected an int in \[1, inf\]"):
        Hierarchy.star(0)


def test_pickle_round_trip_and_repr():
    h = Hierarchy.from_levels(frame_of_levels())
    clone = pickle.loads(pickle.dumps(h))
    np.testing.assert_array_equal(clone.parents, h.parents)
    np.testing.assert_array_equal(clone.S, h.S)
    assert list(clone.nodes) == list(h.nodes) and clone.levels == h.levels
    assert repr(h) == ("Hierarchy(n_nodes=6, n_leaves=3, levels=('total', 'category', "
                       "'product'))")


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


def test_bad_names_and_levels_are_explained():
    with pytest.raises(ValueError, match=r"node names must be unique; \['a'\]"):
        Hierarchy([-1, 0, 0], names=["r", "a", "a"])
    with pytest.raises(ValueError, match=r"Hierarchy got 2 names for 3 nodes; give one "
                                         r"name per node\."):
        Hierarchy([-1, 0, 0], names=["r", "a"])
    with pytest.raises(ValueError, match=r"Hierarchy got 3 levels for 2 levels; give one "
                                         r"name per level \(one per depth, the root's "
                                         r"level first\)"):
        Hierarchy([-1, 0, 0], levels=["total", "category", "product"])
    with pytest.raises(ValueError, match=r"level names must be unique; \['x'\]"):
        Hierarchy([-1, 0], levels=["x", "x"])
    with pytest.raises(ValueError, match=r"levels must be a sequence of str, one per level, "
                                         r"got the single string 'total'"):
        Hierarchy([-1], levels="total")
    h = Hierarchy([-1, 0, 0])
    with pytest.raises(ValueError, match=r"unknown node 'nope'; the nodes are \['node0'"):
        h.level_of("nope")
    with pytest.raises(ValueError, match=r"unknown node 3; pass a node name or an index in "
                                         r"\[0, 2\]"):
        h.level_of(3)


def test_bad_level_frames_are_explained():
    with pytest.raises(TypeError, match=r"from_levels expects a pandas DataFrame with one "
                                        r"column per level, got list"):
        Hierarchy.from_levels([["food", "apple"]])
    with pytest.raises(ValueError, match=r"hierarchy is empty: the DataFrame of levels has "
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


# --------------------------------------------------------------------------
# DGL: only the graph needs it
# --------------------------------------------------------------------------


def test_everything_but_the_graph_works_without_dgl():
    code = ("import sys; sys.modules['dgl'] = None\n"
            "import sklstm, sklstm.hierarchy, sklstm.tree, sklstm.nn.tree, sklstm.datasets\n"
            "from sklstm import Hierarchy, TreeLSTMRegressor\n"
            "sales, h = sklstm.datasets.make_hierarchical_sales(2, 2, n_periods=30)\n"
            "assert h.S.shape == (7, 4) and h.aggregate([1, 2, 3, 4])[0] == 10\n"
            "assert [g.tolist() for g in h.bottom_up] == [[3, 4, 5, 6], [1, 2], [0]]\n"
            "assert h.level_of('c1_p0') == 'product'\n"
            "print(TreeLSTMRegressor(hierarchy=h))\n"
            "try:\n"
            "    h.graph\n"
            "except ImportError as exc:\n"
            "    print(exc)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "TreeLSTMRegressor(hierarchy=Hierarchy(n_nodes=7" in result.stdout
    assert "optional 'tree' extra" in result.stdout
    assert 'pip install "sklstm[tree]" -c constraints.txt' in result.stdout


def test_graph_without_dgl_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dgl", None)
    with pytest.raises(ImportError, match=r"Hierarchy\.graph\) need DGL, which is the "
                                          r"optional 'tree' extra"):
        _ = Hierarchy([-1, 0, 0]).graph


def test_graph_edges_go_from_child_to_parent_and_carry_positions():
    dgl = pytest.importorskip("dgl", reason=NEEDS_DGL)
    h = Hierarchy.from_levels(frame_of_levels())
    g = h.graph
    assert g is h.graph                                     # built once
    src, dst = g.edges()
    assert sorted(zip(src.tolist(), dst.tolist())) == [(1, 0), (2, 0), (3, 1), (4, 2), (5, 1)]
    assert g.ndata["pos"].tolist() == h.child_positions.tolist()
    assert [sorted(f.tolist()) for f in dgl.topological_nodes_generator(g)] == \
        [f.tolist() for f in h.bottom_up]
    clone = pickle.loads(pickle.dumps(h))                   # the graph is not pickled
    assert clone._graph is None and clone.graph.num_edges() == 5
