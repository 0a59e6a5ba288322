"""Hierarchies of series: a tree whose parents are the sums of their children.

Total sales -> category sales -> product sales is a hierarchy. A
:class:`Hierarchy` checks such a tree once and holds everything that follows
from its shape: node names and order, the depth and height of every node,
the leaves, the summing matrix ``S``, the groups of nodes for a bottom-up and
a top-down pass, and (with DGL) the graph. Forecasting models and
reconciliation read the tree from here; nothing else recomputes it.

Vocabulary:

- **node order**: node ``j`` is column ``j`` of a sales matrix (and channel
  ``j`` of the windows a :class:`~sklstm.TreeLSTMRegressor` reads);
  :attr:`Hierarchy.nodes` names them in that order.
- **depth** of a node: 0 for the root, 1 for its children, ...
- **level**: the nodes at one depth, e.g. ``"total"``, ``"category"``,
  ``"product"``. :attr:`Hierarchy.levels` names the levels, one name per
  depth; :meth:`Hierarchy.from_levels` builds a hierarchy from a DataFrame
  with one column per level below the root.
- **height** of a node: 0 for a leaf, 1 + the largest height of its children.

Only NumPy and pandas are needed; DGL (the ``tree`` extra) is imported when
:attr:`Hierarchy.graph` is first read.
"""

import numbers

import numpy as np
import pandas as pd

__all__ = ["Hierarchy"]


def _fix(text):
    return f"{text} Pass a parent array (parents[j] = index of node j's parent, -1 for " \
           "the single root) or a DataFrame with one column per level (one row per leaf)."


class Hierarchy:
    """A tree of series whose parents are the sums of their children.

    Nodes are numbered ``0 .. n_nodes - 1``; node ``j`` is column ``j`` of the
    sales matrix and channel ``j`` of the windows that
    :class:`~sklstm.TreeLSTMRegressor` reads. Build one from a parent array
    (this constructor), from a DataFrame with one column per level
    (:meth:`from_levels`), or as a star (:meth:`star`).

    Parameters
    ----------
    parents : array-like of int, shape (n_nodes,)
        ``parents[j]`` is the index of node ``j``'s parent; exactly one node,
        the root, has ``-1``. The links must form a tree (no cycles).
    names : array-like of str, shape (n_nodes,), optional
        Node names, unique; default ``"node0"``, ``"node1"``, ...
    levels : array-like of str, shape (n_levels,), optional
        Names of the levels, one per depth (the root's level first), unique;
        default ``"depth0"``, ``"depth1"``, ...

    Attributes
    ----------
    parents : ndarray of int, shape (n_nodes,)
        The parent array.
    nodes : ndarray of str, shape (n_nodes,)
        Node names, in node order (the order of the sales columns).
    levels : tuple of str, length n_levels
        Level names: ``levels[d]`` names the nodes at depth ``d``.
    depths : ndarray of int, shape (n_nodes,)
        Depth of each node: 0 for the root, 1 for its children, ...
    heights : ndarray of int, shape (n_nodes,)
        Height of each node: 0 for a leaf, 1 + the largest height of its
        children otherwise.
    root : int
        Index of the root.
    leaves : ndarray of int, shape (n_leaves,)
        Indices of the nodes without children, in node order.
    child_positions : ndarray of int, shape (n_nodes,)
        Rank of each node among its parent's children, in node order (0 for
        the root): the child slot of an N-ary cell.
    max_children : int
        The largest number of children of a node (``N`` of an N-ary cell).
    S : ndarray of float64, shape (n_nodes, n_leaves)
        Summing matrix: ``S[i, l] = 1`` when leaf ``leaves[l]`` is node ``i``
        or lies below it, so that ``S @ leaf_values`` gives every node.
    bottom_up : list of ndarray of int
        Nodes grouped by height, leaves first: every child comes in an
        earlier group than its parent. The frontiers of a bottom-up pass.
    top_down : list of ndarray of int
        Nodes grouped by depth, the root first: ``top_down[d]`` is the level
        ``levels[d]``. The frontiers of a top-down pass.
    n_nodes, n_leaves, n_levels : int

    Raises
    ------
    ValueError
        For an empty array, non-integer entries, indices out of range, no
        root, several roots or a cycle; for names or level names that are
        not one per node (level) or not unique. The message says how to fix
        it.

    See Also
    --------
    sklstm.TreeLSTMRegressor : forecasts every node of a hierarchy.
    sklstm.datasets.make_hierarchical_sales : synthetic sales with their hierarchy.

    Examples
    --------
    >>> from sklstm import Hierarchy
    >>> h = Hierarchy([-1, 0, 0, 1, 1, 2], names=["total", "A", "B", "a1", "a2", "b1"],
    ...               levels=["total", "category", "product"])
    >>> h.leaves
    array([3, 4, 5])
    >>> h.depths
    array([0, 1, 1, 2, 2, 2])
    >>> h.level_of("a2")
    'product'
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

    def __init__(self, parents, names=None, levels=None):
        self.parents = self._check_parents(parents)
        n = len(self.parents)
        self.nodes = self._check_names(names, n, "node", "names", "node")
        self.root = int(np.flatnonzero(self.parents == -1)[0])
        self.depths = self._depths(self.parents)
        n_levels = int(self.depths.max()) + 1
        self.levels = tuple(self._check_names(levels, n_levels, "depth", "levels", "level"))
        counts = np.bincount(self.parents[self.parents >= 0], minlength=n)
        self.leaves = np.flatnonzero(counts == 0)
        self.max_children = int(counts.max(initial=0))
        self.heights = self._heights(self.parents, self.depths)
        self.child_positions = self._child_positions(self.parents)
        self.S = self._summing_matrix()
        self.bottom_up = [np.flatnonzero(self.heights == h)
                          for h in range(int(self.heights.max()) + 1)]
        self.top_down = [np.flatnonzero(self.depths == d) for d in range(n_levels)]
        self._graph = None

    # ------------------------------------------------------------ builders

    @classmethod
    def from_levels(cls, frame, *, root="total"):
        """Build a hierarchy from a DataFrame with one column per level, one row per leaf.

        Columns go from the top level below the root to the bottom one, for
        example ``["category", "product"]``: each row names a leaf (last
        column) and its ancestors. The nodes are numbered

        1. the root, named ``root``;
        2. the distinct values of the first column, in order of first
           appearance;
        3. those of each further column in turn, the last column's values
           (the leaves) in row order.

        So with two columns the sales columns are ``[total, categories...,
        products...]``, ``Hierarchy.nodes`` in that order. The levels are
        named ``root`` and then the column names.

        Parameters
        ----------
        frame : pandas.DataFrame of shape (n_leaves, n_levels - 1)
            One row per leaf, one column per level below the root, top level
            first.
        root : str, default="total"
            Name of the root node and of its level.

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
        >>> from sklstm import Hierarchy
        >>> frame = pd.DataFrame({"category": ["food", "food", "toys"],
        ...                       "product": ["apple", "bread", "ball"]})
        >>> h = Hierarchy.from_levels(frame)
        >>> list(h.nodes)
        ['total', 'food', 'toys', 'apple', 'bread', 'ball']
        >>> h.parents
        array([-1,  0,  0,  1,  1,  2])
        >>> h.levels
        ('total', 'category', 'product')
        """
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"Hierarchy.from_levels expects a pandas DataFrame with one "
                            f"column per level, got {type(frame).__name__}.")
        if frame.shape[0] == 0 or frame.shape[1] == 0:
            raise ValueError(
                f"hierarchy is empty: the DataFrame of levels has shape {frame.shape}. "
                "Give one row per leaf and one column per level, e.g. columns "
                "['category', 'product'].")
        if frame.isna().any().any():
            raise ValueError(
                "hierarchy levels have missing values; every row must name the leaf "
                "and all of its ancestors.")
        frame = frame.astype(str)
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
        root = str(root)
        names = [root]
        parent_of = {}
        index = {root: 0}
        level_of = {root: root}
        for depth, col in enumerate(frame.columns):
            above = frame.columns[depth - 1] if depth else None
            for _, row in frame.iterrows():
                name = row[col]
                parent = row[above] if above is not None else root
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
        return cls(parents, names=names, levels=[root] + [str(c) for c in frame.columns])

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
        if isinstance(n_nodes, bool) or not isinstance(n_nodes, numbers.Integral) \
                or n_nodes < 1:
            raise ValueError(f"Hierarchy.star: invalid value n_nodes={n_nodes!r}; expected "
                             "an int in [1, inf] (the root and its leaves).")
        return cls([-1] + [0] * (int(n_nodes) - 1))

    # ------------------------------------------------------------- queries

    @property
    def n_nodes(self):
        return len(self.parents)

    @property
    def n_leaves(self):
        return len(self.leaves)

    @property
    def n_levels(self):
        return len(self.levels)

    def level_of(self, node):
        """Name of the level of ``node`` (an index or a node name).

        Parameters
        ----------
        node : int or str

        Returns
        -------
        level : str
            ``levels[depths[node]]``.
        """
        return self.levels[self.depths[self._index(node)]]

    @property
    def graph(self):
        """The tree as a DGL graph, edges child -> parent (built on first use).

        ``graph.ndata["pos"]`` (int64) holds :attr:`child_positions`. Needs
        DGL, the ``tree`` extra; without it reading this raises an
        ``ImportError`` that names the extra.
        """
        if self._graph is None:
            from .nn.tree import import_dgl  # torch and DGL: only for the graph

            dgl = import_dgl()
            import torch

            child = np.flatnonzero(self.parents >= 0)
            graph = dgl.graph((torch.from_numpy(child), torch.from_numpy(self.parents[child])),
                              num_nodes=self.n_nodes)
            graph.ndata["pos"] = torch.from_numpy(self.child_positions)
            self._graph = graph
        return self._graph

    def aggregate(self, leaf_values):
        """Every node's value from the leaves' values, through ``S``.

        Parameters
        ----------
        leaf_values : array-like of shape (..., n_leaves)
            Values of the leaves, in the order of :attr:`leaves`.

        Returns
        -------
        values : ndarray of float64, shape (..., n_nodes)
        """
        values = np.asarray(leaf_values, dtype=np.float64)
        if values.ndim == 0 or values.shape[-1] != self.n_leaves:
            raise ValueError(
                f"Hierarchy.aggregate expects leaf values of shape (..., n_leaves) with "
                f"n_leaves={self.n_leaves}, got shape {values.shape}. Pass one value per "
                "leaf, in the order of Hierarchy.leaves.")
        return values @ self.S.T

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_graph"] = None                # a DGL graph is rebuilt on demand
        return state

    def __repr__(self):
        return (f"Hierarchy(n_nodes={self.n_nodes}, n_leaves={self.n_leaves}, "
                f"levels={self.levels!r})")

    # ----------------------------------------------------------- internals

    def _index(self, node):
        if isinstance(node, str):
            found = np.flatnonzero(self.nodes == node)
            if not len(found):
                raise ValueError(f"unknown node {node!r}; the nodes are "
                                 f"{list(self.nodes[:6])}{' ...' if self.n_nodes > 6 else ''}.")
            return int(found[0])
        if isinstance(node, numbers.Integral) and not isinstance(node, bool) \
                and 0 <= node < self.n_nodes:
            return int(node)
        raise ValueError(f"unknown node {node!r}; pass a node name or an index in "
                         f"[0, {self.n_nodes - 1}].")

    @staticmethod
    def _check_names(names, n, default, what, kind):
        if names is None:
            return np.asarray([f"{default}{j}" for j in range(n)], dtype=object)
        if isinstance(names, str):
            raise ValueError(f"Hierarchy {what} must be a sequence of str, one per {kind}, "
                             f"got the single string {names!r}.")
        names = np.asarray([str(name) for name in names], dtype=object)
        if len(names) != n:
            raise ValueError(f"Hierarchy got {len(names)} {what} for {n} {kind}s; give one "
                             f"name per {kind}"
                             + (" (one per depth, the root's level first)."
                                if kind == "level" else "."))
        if len(set(names)) != n:
            dupes = sorted({x for x in names if list(names).count(x) > 1})
            raise ValueError(f"Hierarchy {kind} names must be unique; {dupes} appear more "
                             "than once.")
        return names

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

    @staticmethod
    def _depths(parents):
        """Depth of every node of a checked parent array."""
        depths = np.full(len(parents), -1, dtype=np.int64)
        for j in range(len(parents)):
            path = []
            k = j
            while depths[k] < 0 and parents[k] >= 0:
                path.append(k)
                k = parents[k]
            if depths[k] < 0:                   # reached the root
                depths[k] = 0
            for d, node in enumerate(reversed(path), start=depths[k] + 1):
                depths[node] = d
        return depths

    @staticmethod
    def _heights(parents, depths):
        """Height of every node: children are settled before their parents."""
        heights = np.zeros(len(parents), dtype=np.int64)
        for j in np.argsort(-depths, kind="stable"):              # deepest first
            if parents[j] >= 0:
                heights[parents[j]] = max(heights[parents[j]], heights[j] + 1)
        return heights

    @staticmethod
    def _child_positions(parents):
        """Rank of each node among its parent's children, in node order."""
        seen = {}
        positions = np.zeros(len(parents), dtype=np.int64)
        for j, p in enumerate(parents):
            if p >= 0:
                positions[j] = seen.get(p, 0)
                seen[p] = positions[j] + 1
        return positions

    def _summing_matrix(self):
        S = np.zeros((self.n_nodes, len(self.leaves)))
        for l, leaf in enumerate(self.leaves):
            k = leaf
            while k != -1:
                S[k, l] = 1.0
                k = self.parents[k]
        return S


def _is_hierarchy_like(value):
    """Whether ``value`` is something :func:`as_hierarchy` can turn into a tree."""
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
