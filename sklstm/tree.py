"""Hierarchies of series and ``TreeLSTMRegressor``, a Tree-LSTM over them.

A *hierarchy* is a tree of series in which a parent is the sum of its
children: total sales -> category sales -> product sales. :class:`Hierarchy`
checks and holds the tree (node names and order, depths, leaves, the summing
matrix and the DGL graph); :class:`TreeLSTMRegressor` forecasts every node
with the cell of Tai et al. (2015) run over it.

Node order is the contract between the two: column ``j`` of the sales matrix
(and channel ``j`` of the windows ``X``) is node ``j`` of the hierarchy,
``Hierarchy.nodes[j]``.
"""


import numpy as np
import pandas as pd

from ._validation import Options
from ._window_norm import (channel_stats, choose_window_norm, normalize_windows,
                           standardize_channels, window_stats)
from .base import SequenceRegressor
from .nn.tree import TreeLSTMNet, child_positions, import_dgl, tree_depths, tree_heights

__all__ = ["Hierarchy", "TreeLSTMRegressor"]


def _fix(text):
    return f"{text} Pass a parent array (parents[j] = index of node j's parent, -1 for " \
           "the single root) or a DataFrame of levels (one row per leaf)."


class Hierarchy:
    """A tree of series whose parents are the sums of their children.

    Nodes are numbered ``0 .. n_nodes - 1``; node ``j`` is column ``j`` of the
    sales matrix and channel ``j`` of the windows that
    :class:`TreeLSTMRegressor` reads. Build one from a parent array (this
    constructor), from a DataFrame of levels (:meth:`from_levels`), or as a
    star (:meth:`star`).

    Parameters
    ----------
    parents : array-like of int, shape (n_nodes,)
        ``parents[j]`` is the index of node ``j``'s parent; exactly one node,
        the root, has ``-1``. The links must form a tree (no cycles).
    names : array-like of str, shape (n_nodes,), optional
        Node names; default ``"node0"``, ``"node1"``, ...

    Attributes
    ----------
    parents : ndarray of int, shape (n_nodes,)
        The parent array.
    nodes : ndarray of str, shape (n_nodes,)
        Node names, in node order (the order of the sales columns).
    levels : ndarray of int, shape (n_nodes,)
        Depth of each node: 0 for the root, 1 for its children, ...
    root : int
        Index of the root.
    leaves : ndarray of int, shape (n_leaves,)
        Indices of the nodes without children, in node order.
    S : ndarray of float, shape (n_nodes, n_leaves)
        Summing matrix: ``S[i, l] = 1`` when leaf ``leaves[l]`` is node ``i``
        or lies below it, so that ``S @ leaf_values`` gives every node.
    bottom_up : list of ndarray of int
        Nodes grouped by height (leaves first): every child comes in an
        earlier group than its parent. The frontiers of a bottom-up
        ``prop_nodes`` pass.
    top_down : list of ndarray of int
        Nodes grouped by depth (the root first), for a top-down pass.
    n_nodes, n_leaves : int
    max_children : int
        The largest number of children of a node (``N`` of an N-ary cell).

    Raises
    ------
    ValueError
        For an empty array, non-integer entries, indices out of range, no
        root, several roots or a cycle; the message says how to fix it.

    See Also
    --------
    TreeLSTMRegressor : forecasts every node of a hierarchy.

    Examples
    --------
    >>> from sklstm.tree import Hierarchy
    >>> h = Hierarchy([-1, 0, 0, 1, 1, 2], names=["total", "A", "B", "a1", "a2", "b1"])
    >>> h.leaves
    array([3, 4, 5])
    >>> h.levels
    array([0, 1, 1, 2, 2, 2])
    >>> h.S.astype(int)
    array([[1, 1, 1],
           [1, 1, 0],
           [0, 0, 1],
           [1, 0, 0],
           [0, 1, 0],
           [0, 0, 1]])
    >>> h.aggregate([1.0, 2.0, 3.0])       # every node from the leaves
    array([6., 3., 3., 1., 2., 3.])
    """

    def __init__(self, parents, names=None):
        self.parents = self._check_parents(parents)
        n = len(self.parents)
        if names is None:
            names = [f"node{j}" for j in range(n)]
        names = np.asarray([str(name) for name in names], dtype=object)
        if len(names) != n:
            raise ValueError(f"Hierarchy got {len(names)} names for {n} nodes; give one "
                             "name per entry of the parent array.")
        if len(set(names)) != n:
            dupes = sorted({x for x in names if list(names).count(x) > 1})
            raise ValueError(f"Hierarchy node names must be unique; {dupes} appear more "
                             "than once.")
        self.nodes = names
        self.root = int(np.flatnonzero(self.parents == -1)[0])
        self.levels = tree_depths(self.parents)
        counts = np.bincount(self.parents[self.parents >= 0], minlength=n)
        self.leaves = np.flatnonzero(counts == 0)
        self.max_children = int(counts.max(initial=0))
        self.S = self._summing_matrix()
        heights = tree_heights(self.parents)
        self.bottom_up = [np.flatnonzero(heights == h) for h in range(heights.max() + 1)]
        self.top_down = [np.flatnonzero(self.levels == d)
                         for d in range(self.levels.max() + 1)]
        self._graph = None

    # ------------------------------------------------------------ builders

    @classmethod
    def from_levels(cls, levels, *, root="total"):
        """Build a hierarchy from a DataFrame of levels, one row per leaf.

        Columns go from the top level to the bottom one, for example
        ``["category", "product"]``: each row names a leaf (last column) and
        its ancestors. The nodes are numbered

        1. the root, named ``root``;
        2. the distinct values of the first column, in order of first
           appearance;
        3. those of each further column in turn, the last column's values
           (the leaves) in row order.

        So with two levels the sales columns are ``[total, categories...,
        products...]``, ``Hierarchy.nodes`` in that order.

        Parameters
        ----------
        levels : pandas.DataFrame of shape (n_leaves, n_levels)
            One row per leaf, one column per level, top level first.
        root : str, default="total"
            Name of the root node.

        Returns
        -------
        hierarchy : Hierarchy

        Raises
        ------
        ValueError
            If the frame is empty or has missing values, a leaf has several
            rows, a node appears under two parents, or a name is used at two
            levels.

        Examples
        --------
        >>> import pandas as pd
        >>> from sklstm.tree import Hierarchy
        >>> levels = pd.DataFrame({"category": ["food", "food", "toys"],
        ...                        "product": ["apple", "bread", "ball"]})
        >>> h = Hierarchy.from_levels(levels)
        >>> list(h.nodes)
        ['total', 'food', 'toys', 'apple', 'bread', 'ball']
        >>> h.parents
        array([-1,  0,  0,  1,  1,  2])
        """
        if not isinstance(levels, pd.DataFrame):
            raise TypeError(f"from_levels expects a pandas DataFrame, got "
                            f"{type(levels).__name__}.")
        if levels.shape[0] == 0 or levels.shape[1] == 0:
            raise ValueError(
                f"hierarchy is empty: the levels DataFrame has shape {levels.shape}. Give "
                "one row per leaf and one column per level, e.g. columns "
                "['category', 'product'].")
        if levels.isna().any().any():
            raise ValueError(
                "hierarchy levels have missing values; every row must name the leaf "
                "and all of its ancestors.")
        frame = levels.astype(str)
        leaf_col = frame.columns[-1]
        repeated = frame[leaf_col][frame[leaf_col].duplicated()]
        if len(repeated):
            leaf = repeated.iloc[0]
            owners = list(dict.fromkeys(frame.loc[frame[leaf_col] == leaf].iloc[:, -2]))\
                if frame.shape[1] > 1 else []
            where = f" under {owners}" if len(owners) > 1 else ""
            raise ValueError(
                f"leaf {leaf!r} appears in several rows{where}; a leaf has one parent. "
                "Give one row per leaf, and give leaves that share a name under "
                "different parents distinct names (e.g. 'category/product').")
        names = [str(root)]
        parent_of = {}
        index = {str(root): 0}
        level_of = {str(root): None}
        for depth, col in enumerate(frame.columns):
            above = frame.columns[depth - 1] if depth else None
            for _, row in frame.iterrows():
                name = row[col]
                parent = row[above] if above is not None else str(root)
                if name in level_of and level_of[name] != col:
                    raise ValueError(
                        f"node name {name!r} is used at two levels ({level_of[name]!r} "
                        f"and {col!r}); node names must be unique across levels. "
                        "Rename one of them.")
                if name in parent_of:
                    if parent_of[name] != parent:
                        raise ValueError(
                            f"{col} {name!r} appears under two parents, {parent_of[name]!r} "
                            f"and {parent!r}; in a hierarchy every node has one parent. "
                            "Give the two nodes distinct names (e.g. 'parent/name').")
                    continue
                parent_of[name] = parent
                level_of[name] = col
                index[name] = len(names)
                names.append(name)
        parents = [-1] + [index[parent_of[name]] for name in names[1:]]
        return cls(parents, names=names)

    @classmethod
    def star(cls, n_nodes):
        """Node 0 is the root and nodes 1 to n_nodes - 1 are its leaves.

        Parameters
        ----------
        n_nodes : int
            Number of nodes (1 gives a root alone).

        Returns
        -------
        hierarchy : Hierarchy

        Examples
        --------
        >>> Hierarchy.star(4).parents
        array([-1,  0,  0,  0])
        """
        return cls([-1] + [0] * (int(n_nodes) - 1), names=[f"node{j}" for j in range(n_nodes)])

    # ------------------------------------------------------------- queries

    @property
    def n_nodes(self):
        return len(self.parents)

    @property
    def n_leaves(self):
        return len(self.leaves)

    @property
    def child_positions(self):
        """Rank of each node among its siblings (the N-ary cell's child slot)."""
        return child_positions(self.parents)

    @property
    def graph(self):
        """The tree as a DGL graph with edges child -> parent (built on first use).

        Requires DGL (the ``tree`` extra).
        """
        if self._graph is None:
            dgl = import_dgl()
            import torch
            child = np.flatnonzero(self.parents >= 0)
            self._graph = dgl.graph(
                (torch.from_numpy(child), torch.from_numpy(self.parents[child])),
                num_nodes=self.n_nodes)
        return self._graph

    def aggregate(self, leaf_values):
        """Every node's value from the leaves' values, through ``S``.

        Parameters
        ----------
        leaf_values : array-like of shape (..., n_leaves)

        Returns
        -------
        values : ndarray of shape (..., n_nodes)
        """
        return np.asarray(leaf_values, dtype=np.float64) @ self.S.T

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_graph"] = None
        return state

    def __repr__(self):
        return (f"Hierarchy(n_nodes={self.n_nodes}, n_leaves={self.n_leaves}, "
                f"depth={int(self.levels.max())})")

    # ----------------------------------------------------------- internals

    @staticmethod
    def _check_parents(parents):
        array = np.asarray(parents)
        if array.ndim != 1:
            raise ValueError(_fix(
                f"hierarchy parent array must be 1-D, got shape {array.shape}."))
        if array.size == 0:
            raise ValueError(_fix("hierarchy is empty: the parent array has no nodes."))
        if array.dtype.kind not in "iuf" or (
                array.dtype.kind == "f" and not np.all(np.isfinite(array)
                                                        & (array == np.round(array)))):
            raise ValueError(_fix(
                f"hierarchy parent indices must be integers, got {list(array[:6])}"
                f"{' ...' if array.size > 6 else ''} (dtype {array.dtype})."))
        array = array.astype(np.int64)
        n = len(array)
        bad = np.flatnonzero((array < -1) | (array >= n))
        if len(bad):
            j = int(bad[0])
            raise ValueError(_fix(
                f"hierarchy parent index out of range: parents[{j}] = {array[j]}, but "
                f"there are {n} nodes, so a parent must be in [0, {n - 1}] (or -1 for "
                "the root)."))
        roots = np.flatnonzero(array == -1)
        if len(roots) == 0:
            raise ValueError(_fix(
                "hierarchy has no root: no entry of the parent array is -1."))
        if len(roots) > 1:
            raise ValueError(_fix(
                f"hierarchy has several roots: nodes {roots.tolist()} all have parent -1, "
                "but a tree has exactly one. Add a total node as their common parent, or "
                "attach all but one of them to another node."))
        for j in range(n):                      # a walk up from j must reach the root
            seen = [j]
            k = array[j]
            while k != -1 and len(seen) <= n:
                if k in seen:
                    cycle = seen[seen.index(k):] + [k]
                    raise ValueError(_fix(
                        "hierarchy has a cycle: " + " -> ".join(map(str, cycle))
                        + " (each arrow goes from a node to its parent); every node "
                        "must lead up to the root."))
                seen.append(k)
                k = array[k]
        return array

    def _summing_matrix(self):
        S = np.zeros((self.n_nodes, len(self.leaves)))
        for l, leaf in enumerate(self.leaves):
            k = leaf
            while k != -1:
                S[k, l] = 1.0
                k = self.parents[k]
        return S


def _is_hierarchy_like(value):
    if isinstance(value, (Hierarchy, pd.DataFrame, np.ndarray, list, tuple, pd.Series)):
        return True
    return False


def _as_hierarchy(hierarchy, n_nodes):
    """Turn the ``hierarchy`` parameter into a :class:`Hierarchy` for ``n_nodes`` nodes."""
    if hierarchy is None:
        return Hierarchy.star(n_nodes)
    if isinstance(hierarchy, Hierarchy):
        result = hierarchy
    elif isinstance(hierarchy, pd.DataFrame):
        result = Hierarchy.from_levels(hierarchy)
    else:
        result = Hierarchy(hierarchy)
    if result.n_nodes != n_nodes:
        raise ValueError(
            f"hierarchy has {result.n_nodes} nodes but X has {n_nodes} node channels "
            f"(X.shape[2]). X must be (n_samples, n_timesteps, n_nodes) with channel j "
            "holding node j's window, in the order of Hierarchy.nodes; window the "
            "sales matrix with all of its node columns.")
    return result


class TreeLSTMRegressor(SequenceRegressor):
    r"""Tree-LSTM forecaster of hierarchical series (Tai et al. 2015, with DGL).

    Every node of a hierarchy (total -> categories -> products) is a series.
    A shared LSTM encodes each node's recent window; a Tree-LSTM cell
    (Child-Sum or N-ary, equations in :mod:`sklstm.nn.tree`) then runs over
    the hierarchy from the leaves to the root, and with
    ``direction="both"`` back from the root to the leaves; a head per node
    reads its state (see :class:`sklstm.nn.tree.TreeLSTMNet`).

    **Inputs.** ``X`` of shape ``(n_samples, n_timesteps, n_nodes)``: channel
    ``j`` is node ``j``'s window, nodes in the order of
    :attr:`Hierarchy.nodes`. :class:`~sklstm.Windower` makes it from a
    ``(n_periods, n_nodes)`` sales matrix whose columns are in that order. A
    2-D ``X`` ``(n_samples, n_timesteps)`` is one node's window: the tree is
    a root alone. Each node channel is standardised with its training mean
    and standard deviation before the encoder (after ``window_norm``, if
    set), so nodes on very different scales share one encoder.

    **Targets.** ``y`` of shape ``(n_samples, n_nodes * horizon)``,
    node-major: column ``j * horizon + k`` is node ``j`` at step ``k + 1``
    (node ``j``'s block is what :func:`~sklstm.forecast_xy` gives for its
    column). ``horizon`` is ``n_outputs / n_nodes``, which must be an
    integer. A 1-D ``y`` ``(n_samples,)`` is the root's next value alone.

    Parameters
    ----------
    hierarchy : None, array-like of int, pandas.DataFrame or Hierarchy, default=None
        The tree. A parent array (``parents[j]`` is node ``j``'s parent,
        ``-1`` for the root), a DataFrame of levels with one row per leaf
        (see :meth:`Hierarchy.from_levels` for the node order it implies), or
        a :class:`Hierarchy`. ``None`` builds a star: node 0 is the root and
        every other node a leaf under it. Checked in ``fit``; a bad tree, or
        one whose node count is not ``X.shape[2]``, raises ``ValueError``.
    cell : {"childsum", "nary"}, default="childsum"
        Child-Sum Tree-LSTM (any number of children, order-free) or N-ary
        Tree-LSTM (one set of recurrent weights per child position, ``N`` =
        the largest number of children; missing children are zero states).
    direction : {"up", "both"}, default="both"
        ``"up"``: one bottom-up pass. ``"both"``: a top-down pass follows, so
        each node also sees its ancestors' context; heads read both states.
    coherent : bool, default=False
        Predict the leaves only and sum them up through :attr:`Hierarchy.S`,
        in original units, so every parent equals the sum of its children.
        Needs every node's target (not a 1-D ``y``); only leaf columns train
        the model.
    **common
        The parameters of :class:`~sklstm.base.SequenceRegressor`
        (``hidden_size`` sizes the encoder and the tree cells, ``num_layers``
        the encoder). With ``window_norm``, each node channel is normalised
        by its own window statistics, and each node's target is expressed in
        (and mapped back from) its own node's window units;
        ``target_channel`` is not used, except that ``None`` normalises the
        inputs only. With ``coherent=True`` leaves are mapped back first,
        then summed.

    Attributes
    ----------
    hierarchy_ : Hierarchy
        The tree used in ``fit``.
    horizon_ : int
        Steps forecast per node.
    net_, history_, loss_curve_, n_iter_, n_features_in_
        As :class:`~sklstm.base.SequenceRegressor` (``n_features_in_`` is
        the number of time steps).

    See Also
    --------
    Hierarchy : builds and checks the tree.
    sklstm.datasets.make_hierarchical_sales : synthetic hierarchical sales.
    sklstm.Windower : turns the sales matrix into windows.

    Notes
    -----
    DGL is an optional dependency (the ``tree`` extra, ``dgl==1.1.3``);
    without it ``fit`` raises an ``ImportError`` that says how to install
    it. Importing :mod:`sklstm` never needs it.

    ``direction="both"`` is the default from a comparison on
    :func:`~sklstm.datasets.make_hierarchical_sales` (2 categories x 3
    products, 600 days, window 14, last 120 days held out, 5 seeds): the
    mean over levels of the hold-out RMSE was 40.5 for ``"both"`` and 41.2
    for ``"up"``, a difference within the spread between seeds. The
    products were forecast better with ``"both"`` in 4 of 5 seeds, and in 3
    of 3 with ``coherent=True``, where only the leaves are forecast and the
    top-down pass is their only view of the rest of the tree. It costs 1.2
    to 2.2 times the epoch time of ``"up"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.tree import TreeLSTMRegressor
    >>> rng = np.random.RandomState(0)
    >>> leaves = rng.normal(size=(60, 8, 2))                  # two products
    >>> X = np.concatenate([leaves.sum(2, keepdims=True), leaves], axis=2)
    >>> X.shape                                               # (n_samples, T, n_nodes)
    (60, 8, 3)
    >>> y = X[:, -1, :]                                       # every node
    >>> reg = TreeLSTMRegressor(hierarchy=[-1, 0, 0], coherent=True, max_epochs=3,
    ...                         random_state=0).fit(X, y)
    >>> pred = reg.predict(X[:4])
    >>> pred.shape
    (4, 3)
    >>> np.allclose(pred[:, 0], pred[:, 1] + pred[:, 2])
    True
    """

    _onnx_exportable = False   # DGL message passing has no ONNX form
    _variant_params = {"hierarchy": None, "cell": "childsum", "direction": "both",
                       "coherent": False}
    _parameter_constraints = {
        "hierarchy": Options([None], extra=_is_hierarchy_like,
                             extra_text="a parent array, a DataFrame of levels or a "
                                        "Hierarchy"),
        "cell": Options(["childsum", "nary"]),
        "direction": Options(["up", "both"]),
        "coherent": Options([True, False]),
    }

    # ---------------------------------------------------------------- hooks

    def _prepare_fit(self, X, y):
        """Need DGL; resolve the tree and how target columns map to nodes and steps."""
        import_dgl()
        n_nodes = X.shape[2]
        self.hierarchy_ = _as_hierarchy(self.hierarchy, n_nodes)
        h = self.hierarchy_
        root_only = self._target_shape == ()
        n_outputs = y.shape[1]
        if root_only:
            if self.coherent:
                raise ValueError(
                    "coherent=True needs every node's target, y of shape (n_samples, "
                    f"n_nodes * horizon) with n_nodes={n_nodes}, but y is 1-D (the root "
                    "only). Pass every node's next values, or set coherent=False.")
            self.horizon_ = 1
            self._output_nodes = np.array([h.root])
        else:
            if n_outputs % n_nodes:
                raise ValueError(
                    f"y has {n_outputs} columns, which is not a multiple of the "
                    f"{n_nodes} nodes. Pass y of shape (n_samples, n_nodes * horizon), "
                    "node-major (column j * horizon + k is node j, step k + 1), or a "
                    "1-D y for the root alone.")
            self.horizon_ = n_outputs // n_nodes
            self._output_nodes = h.leaves if self.coherent else np.arange(n_nodes)
        target_nodes = np.array([h.root]) if root_only else np.arange(n_nodes)
        self._column_nodes = np.repeat(target_nodes, self.horizon_)
        # target column of each model output (the target's columns are node-major)
        self._model_columns = np.arange(1) if root_only else (
            self.horizon_ * self._output_nodes[:, np.newaxis]
            + np.arange(self.horizon_)).ravel()
        super()._prepare_fit(X, y)

    def _build_module(self, input_shape, n_outputs):
        return TreeLSTMNet(
            self.hierarchy_.parents, self.hidden_size, self.horizon_,
            output_nodes=self._output_nodes, cell=self.cell, direction=self.direction,
            num_layers=self.num_layers, dropout=self.dropout,
        )

    def _resolve_window_norm(self, X, y):
        """``"auto"``: compare each node's persistence forecast with its target's mean."""
        if self.window_norm != "auto":
            return self.window_norm
        last = X[:, -1, :][:, self._column_nodes].astype(np.float64)      # (n, n_outputs)
        return choose_window_norm(last, y)

    def _model_inputs(self, X, fit=False):
        """Window-normalise each node (if asked), then standardise each node channel.

        Returns
        -------
        X : ndarray of shape (n_samples, n_timesteps, n_nodes), float32
        stats : tuple of two ndarrays of shape (n_samples, n_nodes), or None
            Every node's window location and scale, for its own target.
        """
        stats = None
        if self.window_norm_ is not None:
            loc, scale = window_stats(X, self.window_norm_)           # (n, V) each
            X = normalize_windows(X, loc, scale)
            if self.target_channel is not None:
                stats = (loc, scale)
        if fit:
            self._x_loc, self._x_scale = channel_stats(X)
        return standardize_channels(X, self._x_loc, self._x_scale), stats

    def _encode_target(self, y, stats, fit=False):
        """Node-wise window units, standardised; the model's columns only."""
        if stats is not None:
            loc, scale = self._column_stats(stats, self._column_nodes)
            y = (y - loc) / scale
        y = super()._encode_target(y, None, fit=fit)
        return y[:, self._model_columns]

    def _decode_target(self, y, stats):
        """Model outputs back to original units; sum leaves up when coherent."""
        cols = self._model_columns
        y = y * self._y_scaler.scale_[cols] + self._y_scaler.mean_[cols]
        if stats is not None:
            loc, scale = self._column_stats(stats, self._column_nodes[cols])
            y = y * scale + loc
        if not self.coherent:
            return y
        h = self.hierarchy_
        leaves = y.reshape(len(y), h.n_leaves, self.horizon_)          # (n, L, horizon)
        nodes = np.einsum("il,nls->nis", h.S, leaves)                  # (n, V, horizon)
        return nodes.reshape(len(y), -1)

    # ------------------------------------------------------------ internals

    @staticmethod
    def _column_stats(stats, nodes):
        """Window statistics of the nodes behind each target column, (n, n_columns)."""
        loc, scale = stats
        return loc[:, nodes], scale[:, nodes]
