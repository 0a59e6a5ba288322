r"""Tree-LSTM cells and a hierarchy forecasting network over DGL graphs.

The cells follow Tai et al. (2015), "Improved Semantic Representations From
Tree-Structured Long Short-Term Memory Networks" (arXiv:1503.00075), written
in DGL's message passing form: ``message_func`` sends a child's state along
its child -> parent edge, ``reduce_func`` combines a node's mailbox,
``apply_node_func`` computes the node's new state. Every function returns a
dict of node or edge features.

The tree's topology (the graph with edges child -> parent, the frontiers of
a bottom-up pass by *height*, leaves first, and of a top-down pass by
*depth*, the root first, and each node's position among its siblings) comes
from a :class:`sklstm.hierarchy.Hierarchy`; this module only batches it.

DGL is imported lazily (:func:`import_dgl`): importing this module needs
only PyTorch.

Shapes: ``B`` nodes in a frontier, ``K`` children per node (its in-degree),
``H`` hidden units, ``X`` input features per node, ``N`` samples, ``V``
nodes per tree.
"""

import numbers

import numpy as np
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from ._checks import check_dropout, check_sizes
from ._init import init_uniform_

__all__ = [
    "import_dgl",
    "ChildSumTreeLSTMCell",
    "NaryTreeLSTMCell",
    "TreeLSTMNet",
]

#: Default ``encoder_chunk`` of :class:`TreeLSTMNet`: window time steps encoded at once.
#: 2**19 keeps the encoder's activations near 1 GB (hidden 32): the 1 + 20 + 500 node
#: tree of benchmarks/tree.py (batch 32, window 14) runs in one chunk.
ENCODER_CHUNK = 2**19

#: How to install the optional dependency, for the error message.
DGL_HINT = ('pip install "sklstm[tree]" -c constraints.txt (the constraints file '
            "pins dgl==1.1.3; DGL 2.x does not import with torch 2.13)")


def import_dgl():
    """Import and return :mod:`dgl`, or explain how to install it.

    Returns
    -------
    dgl : module

    Raises
    ------
    ImportError
        When DGL is not installed; the message names the ``tree`` extra.

    Examples
    --------
    >>> import_dgl().__name__
    'dgl'
    """
    try:
        import dgl
    except ImportError as exc:
        raise ImportError(
            "Tree-LSTM models (and Hierarchy.graph) need DGL, which is the optional "
            f"'tree' extra of sklstm. Install it with: {DGL_HINT}."
        ) from exc
    return dgl


def _frontiers(groups, n_nodes, n_copies):
    """Node ids of ``n_copies`` batched trees, one tensor per group of ``groups``.

    Copy ``c`` of node ``j`` is node ``c * n_nodes + j`` of the batched graph.
    """
    offsets = np.arange(n_copies)[:, np.newaxis] * n_nodes               # (n_copies, 1)
    return [torch.from_numpy((offsets + group).ravel()) for group in groups]


# --------------------------------------------------------------------------
# cells
# --------------------------------------------------------------------------


class ChildSumTreeLSTMCell(nn.Module):
    r"""Child-Sum Tree-LSTM cell (Tai et al. 2015, section 3.1).

    Node :math:`j` with input :math:`x_j` and children :math:`C(j)` sums its
    children's hidden states for the input, output and update gates, and
    gives every child :math:`k` its own forget gate:

    .. math::

        \begin{array}{ll}
        \tilde{h}_j = \sum_{k \in C(j)} h_k \\
        i_j = \sigma(W^{(i)} x_j + U^{(i)} \tilde{h}_j + b^{(i)}) \\
        f_{jk} = \sigma(W^{(f)} x_j + U^{(f)} h_k + b^{(f)}) \\
        o_j = \sigma(W^{(o)} x_j + U^{(o)} \tilde{h}_j + b^{(o)}) \\
        u_j = \tanh(W^{(u)} x_j + U^{(u)} \tilde{h}_j + b^{(u)}) \\
        c_j = i_j \odot u_j + \sum_{k \in C(j)} f_{jk} \odot c_k \\
        h_j = o_j \odot \tanh(c_j)
        \end{array}

    A leaf has no children: :math:`\tilde{h}_j = 0` and the sum over
    :math:`c_k` is empty. The cell does not depend on the order or the number
    of children.

    Parameters
    ----------
    input_size : int
        Features :math:`X` of a node's input :math:`x_j`.
    hidden_size : int
        Units :math:`H` of :math:`h_j` and :math:`c_j`.

    Attributes
    ----------
    W_iou : nn.Linear
        :math:`[W^{(i)}; W^{(o)}; W^{(u)}]` and their biases, ``(3H, X)``.
    U_iou : nn.Linear
        :math:`[U^{(i)}; U^{(o)}; U^{(u)}]`, ``(3H, H)``, no bias.
    W_f : nn.Linear
        :math:`W^{(f)}` and :math:`b^{(f)}`, ``(H, X)``.
    U_f : nn.Linear
        :math:`U^{(f)}`, ``(H, H)``, no bias.

    Inputs: graph, x, frontiers
        A DGL graph with edges child -> parent, node inputs ``(n_nodes, X)``,
        and the node ids grouped leaves-first so that every child comes in an
        earlier group than its parent (see :meth:`propagate`).

    Outputs: h, c
        Hidden and cell states, each ``(n_nodes, H)``.

    Examples
    --------
    >>> import torch
    >>> import dgl
    >>> g = dgl.graph(([1, 2], [0, 0]), num_nodes=3)     # root 0, leaves 1, 2
    >>> cell = ChildSumTreeLSTMCell(4, 8)
    >>> h, c = cell(g, torch.randn(3, 4), [torch.tensor([1, 2]), torch.tensor([0])])
    >>> h.shape
    torch.Size([3, 8])
    """

    def __init__(self, input_size, hidden_size):
        super().__init__()
        check_sizes(input_size=input_size, hidden_size=hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.W_iou = nn.Linear(input_size, 3 * hidden_size)
        self.U_iou = nn.Linear(hidden_size, 3 * hidden_size, bias=False)
        self.W_f = nn.Linear(input_size, hidden_size)
        self.U_f = nn.Linear(hidden_size, hidden_size, bias=False)
        self.reset_parameters()

    def reset_parameters(self):
        """Uniform in :math:`\\pm 1/\\sqrt{H}`, as ``torch.nn.LSTM``."""
        init_uniform_(self, self.hidden_size)

    # -- DGL user-defined functions ----------------------------------------

    def message_func(self, edges):
        """Send the child's state to its parent: ``h``, ``c`` of shape (E, H)."""
        return {"h": edges.src["h"], "c": edges.src["c"]}

    def reduce_func(self, nodes):
        r"""Combine the children: :math:`U^{(iou)} \tilde{h}_j`, :math:`\sum_k f_{jk} c_k`."""
        h_children = nodes.mailbox["h"]                                # (B, K, H)
        c_children = nodes.mailbox["c"]                                # (B, K, H)
        h_tilde = h_children.sum(dim=1)                                # (B, H)
        forgetgate = torch.sigmoid(
            nodes.data["wx_f"].unsqueeze(1) + self.U_f(h_children))   # (B, K, H)
        return {"uh_iou": self.U_iou(h_tilde),                          # (B, 3H)
                "fc": (forgetgate * c_children).sum(dim=1)}             # (B, H)

    def apply_node_func(self, nodes):
        """Gates and new state of each node: ``h``, ``c`` of shape (B, H)."""
        iou = nodes.data["wx_iou"] + nodes.data["uh_iou"]              # (B, 3H)
        ingate, outgate, cellgate = iou.chunk(3, dim=1)
        c = torch.sigmoid(ingate) * torch.tanh(cellgate) + nodes.data["fc"]
        h = torch.sigmoid(outgate) * torch.tanh(c)
        return {"h": h, "c": c}

    # ----------------------------------------------------------------------

    def node_data(self, x):
        """Per-node features the UDFs read: input projections and zero states.

        ``uh_iou`` and ``fc`` start at zero, which is their value for a leaf.
        """
        zeros = x.new_zeros(x.shape[0], self.hidden_size)
        return {"wx_iou": self.W_iou(x), "wx_f": self.W_f(x),
                "uh_iou": x.new_zeros(x.shape[0], 3 * self.hidden_size),
                "fc": zeros, "h": zeros, "c": zeros}

    def propagate(self, graph, x, frontiers):
        """Run the cell over ``graph`` frontier by frontier.

        The first frontier (nodes with no children) is updated with
        ``apply_nodes`` alone; each later one pulls its children's messages.
        Features are set inside ``graph.local_scope()``, so the graph can be
        reused.
        """
        with graph.local_scope():
            graph.ndata.update(self.node_data(x))
            graph.apply_nodes(self.apply_node_func, v=frontiers[0])
            for frontier in frontiers[1:]:
                graph.pull(frontier, self.message_func, self.reduce_func,
                           self.apply_node_func)
            return graph.ndata["h"], graph.ndata["c"]

    def forward(self, graph, x, frontiers):
        return self.propagate(graph, x, frontiers)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}"


class NaryTreeLSTMCell(ChildSumTreeLSTMCell):
    r"""N-ary Tree-LSTM cell (Tai et al. 2015, section 3.2).

    Each child position :math:`l = 1, \dots, N` has its own recurrent
    weights, so the cell can tell children apart by their place:

    .. math::

        \begin{array}{ll}
        i_j = \sigma(W^{(i)} x_j + \sum_{l=1}^{N} U^{(i)}_l h_{jl} + b^{(i)}) \\
        f_{jk} = \sigma(W^{(f)} x_j + \sum_{l=1}^{N} U^{(f)}_{kl} h_{jl} + b^{(f)}) \\
        o_j = \sigma(W^{(o)} x_j + \sum_{l=1}^{N} U^{(o)}_l h_{jl} + b^{(o)}) \\
        u_j = \tanh(W^{(u)} x_j + \sum_{l=1}^{N} U^{(u)}_l h_{jl} + b^{(u)}) \\
        c_j = i_j \odot u_j + \sum_{l=1}^{N} f_{jl} \odot c_{jl} \\
        h_j = o_j \odot \tanh(c_j)
        \end{array}

    :math:`h_{jl}, c_{jl}` are the state of node :math:`j`'s :math:`l`-th
    child. Children are placed by their position among their siblings, the
    node feature ``pos`` (:attr:`Hierarchy.child_positions
    <sklstm.hierarchy.Hierarchy>`, i.e. node order). A node
    with fewer than :math:`N` children gets zero states in the missing
    positions: their :math:`U h` terms vanish and so does
    :math:`f_{jl} \odot c_{jl}`, so padding adds nothing.

    Parameters
    ----------
    input_size : int
        Features :math:`X` of a node's input.
    hidden_size : int
        Units :math:`H`.
    n_ary : int
        :math:`N`, the largest number of children of any node.

    Attributes
    ----------
    W_iou, W_f : nn.Linear
        As in :class:`ChildSumTreeLSTMCell`.
    U_iou : nn.Linear
        :math:`[U^{(i)}_l; U^{(o)}_l; U^{(u)}_l]_{l=1..N}`, ``(3H, N H)``, no bias.
    U_f : nn.Linear
        :math:`U^{(f)}_{kl}`, ``(N H, N H)``, no bias: block :math:`(k, l)`
        maps child :math:`l`'s state into child :math:`k`'s forget gate.

    Inputs: graph, x, frontiers
        As :class:`ChildSumTreeLSTMCell`; ``graph.ndata["pos"]`` (int64,
        ``(n_nodes,)``) must hold each node's child position.

    Outputs: h, c
        Each ``(n_nodes, H)``.

    Examples
    --------
    >>> import torch
    >>> import dgl
    >>> g = dgl.graph(([1, 2], [0, 0]), num_nodes=3)
    >>> g.ndata["pos"] = torch.tensor([0, 0, 1])
    >>> cell = NaryTreeLSTMCell(4, 8, n_ary=2)
    >>> h, c = cell(g, torch.randn(3, 4), [torch.tensor([1, 2]), torch.tensor([0])])
    >>> c.shape
    torch.Size([3, 8])
    """

    def __init__(self, input_size, hidden_size, n_ary):
        check_sizes(n_ary=n_ary)
        self.n_ary = n_ary
        super().__init__(input_size, hidden_size)
        self.U_iou = nn.Linear(n_ary * hidden_size, 3 * hidden_size, bias=False)
        self.U_f = nn.Linear(n_ary * hidden_size, n_ary * hidden_size, bias=False)
        self.reset_parameters()

    def message_func(self, edges):
        """Send the child's state and its position: ``h``, ``c`` (E, H), ``pos`` (E,)."""
        return {"h": edges.src["h"], "c": edges.src["c"], "pos": edges.src["pos"]}

    def reduce_func(self, nodes):
        """Place children in their slots (zeros where missing), then gate."""
        B, K, H = nodes.mailbox["h"].shape
        N = self.n_ary
        slots = nodes.mailbox["pos"].unsqueeze(-1).expand(B, K, H)      # (B, K, H)
        zeros = nodes.mailbox["h"].new_zeros(B, N, H)
        h_children = zeros.scatter(1, slots, nodes.mailbox["h"])         # (B, N, H)
        c_children = zeros.scatter(1, slots, nodes.mailbox["c"])         # (B, N, H)
        h_cat = h_children.reshape(B, N * H)                             # (B, N H)
        forgetgate = torch.sigmoid(
            nodes.data["wx_f"].unsqueeze(1) + self.U_f(h_cat).view(B, N, H))  # (B, N, H)
        return {"uh_iou": self.U_iou(h_cat),                              # (B, 3H)
                "fc": (forgetgate * c_children).sum(dim=1)}               # (B, H)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}, n_ary={self.n_ary}"


# --------------------------------------------------------------------------
# the network
# --------------------------------------------------------------------------


class TreeLSTMNet(nn.Module):
    r"""Forecast every node of a hierarchy from the nodes' recent windows.

    1. **Encoder.** One ``nn.LSTM`` shared by all nodes reads each node's
       window (a univariate sequence); its last hidden state plus a learned
       embedding of the node is the node's input,
       :math:`x_j = h^{enc}_{j,T} + e_j`.
    2. **Bottom-up pass.** A Tree-LSTM cell (:class:`ChildSumTreeLSTMCell`
       or :class:`NaryTreeLSTMCell`) runs from the leaves to the root along
       child -> parent edges, so a node's state
       :math:`h^{\uparrow}_j` summarises its whole subtree.
    3. **Top-down pass** (``direction="both"``). A second Child-Sum cell runs
       from the root to the leaves over the reversed edges, with input
       :math:`[x_j; h^{\uparrow}_j]`. Every node has one parent, so this is an
       LSTM step along the path from the root:
       :math:`h^{\downarrow}_j` carries the context of the node's ancestors
       (and through their bottom-up states, of its siblings). The root
       starts from a zero state.
    4. **Heads.** A linear head per group of output nodes (``head_groups``;
       by default each node its own group) maps :math:`h^{\uparrow}_j` (or
       :math:`[h^{\uparrow}_j; h^{\downarrow}_j]`) to its ``horizon`` values.
    5. **Skip** (``skip_steps`` :math:`L > 0`). Each output node of
       ``skip_nodes`` adds a linear function of its own last :math:`L`
       input values,
       :math:`\hat y_j = \text{head}_j(\cdot) + A_j x_{j, T-L+1:T}`, with
       :math:`A_j` of shape ``(L, horizon)`` (one per head group), zero at the start (the
       "highway" of LSTNet, Lai et al. 2018). A linear map of the window can
       be the last value or the seasonal naive forecast, and it scales with
       the window, which a saturating recurrent state does not: the smooth,
       strongly seasonal top of a tree needs that path (see
       :class:`sklstm.TreeLSTMRegressor`).

    The ``N`` samples of a batch are ``N`` copies of the hierarchy's graph
    merged with ``dgl.batch``; the batched graph and its frontiers (the
    hierarchy's ``bottom_up`` and ``top_down`` groups, offset per copy) are
    built once per batch size and cached (not pickled).

    Parameters
    ----------
    hierarchy : sklstm.hierarchy.Hierarchy
        The tree; node ``j`` reads channel ``j`` of the input. The network
        reads its ``graph``, ``bottom_up``, ``top_down`` and
        ``max_children``.
    hidden_size : int
        Units of the encoder and of the tree cells.
    horizon : int, default=1
        Outputs per output node.
    output_nodes : array-like of int, optional
        The nodes to forecast, in output order; default every node.
    cell : {"childsum", "nary"}, default="childsum"
        The bottom-up cell; ``"nary"`` uses the tree's largest number of
        children as :math:`N`.
    direction : {"up", "both"}, default="up"
        Bottom-up only, or bottom-up then top-down.
    num_layers : int, default=1
        Layers of the encoder LSTM.
    dropout : float, default=0.0
        Dropout between encoder layers and before the heads.
    skip_steps : int, default=0
        Steps :math:`L` of each node's own window that its linear skip reads
        (step 5); 0: no skip. Windows must have at least :math:`L` steps.
    skip_nodes : array-like of int, optional
        The output nodes that get a skip (node ids, a subset of
        ``output_nodes``); default every output node.
    head_groups : array-like of int, optional
        Group of each output node, in output order, ``0 .. G - 1``: the
        output nodes of a group share one head and one skip (for example the
        nodes of one level, whose targets are in comparable units). Default:
        every output node its own group.
    encoder_chunk : int, default=2**19
        The most window time steps (windows times steps) the encoder runs
        at once; beyond, it runs in chunks, checkpointed while training
        (see :meth:`encode`), so that a large tree's batch fits in memory.

    Inputs: x
        Tensor of shape :math:`(N, T, V)`: sample, time step, node.

    Outputs: y
        Tensor of shape :math:`(N, K \cdot \text{horizon})` for :math:`K`
        output nodes, node-major: column ``k * horizon + s`` is output node
        ``k``, step ``s + 1``.

    Examples
    --------
    >>> import torch
    >>> from sklstm import Hierarchy
    >>> net = TreeLSTMNet(Hierarchy([-1, 0, 0]), hidden_size=8, horizon=2,
    ...                   direction="both")
    >>> net(torch.randn(5, 12, 3)).shape        # (N, T, n_nodes) -> (N, 3 * 2)
    torch.Size([5, 6])
    """

    def __init__(self, hierarchy, hidden_size, horizon=1, *, output_nodes=None,
                 cell="childsum", direction="up", num_layers=1, dropout=0.0,
                 skip_steps=0, skip_nodes=None, head_groups=None,
                 encoder_chunk=ENCODER_CHUNK):
        super().__init__()
        if cell not in ("childsum", "nary"):
            raise ValueError(f"cell must be 'childsum' or 'nary', got {cell!r}")
        if direction not in ("up", "both"):
            raise ValueError(f"direction must be 'up' or 'both', got {direction!r}")
        if not all(hasattr(hierarchy, name) for name in ("graph", "bottom_up", "top_down")):
            raise TypeError(
                f"TreeLSTMNet expects a sklstm.hierarchy.Hierarchy, got "
                f"{type(hierarchy).__name__}. Build one with Hierarchy(parents).")
        check_sizes(hidden_size=hidden_size, horizon=horizon, num_layers=num_layers,
                    encoder_chunk=encoder_chunk)
        if isinstance(skip_steps, bool) or not isinstance(skip_steps, numbers.Integral) \
                or skip_steps < 0:
            raise ValueError(f"skip_steps must be an int >= 0, got {skip_steps!r}.")
        check_dropout(dropout)
        n_nodes = hierarchy.n_nodes
        output_nodes = (np.arange(n_nodes) if output_nodes is None
                        else np.asarray(output_nodes, dtype=np.int64))
        self.hierarchy = hierarchy
        self.n_nodes = n_nodes
        self.hidden_size = hidden_size
        self.horizon = horizon
        self.cell = cell
        self.direction = direction
        self.register_buffer("output_nodes", torch.from_numpy(output_nodes),
                             persistent=False)
        self.encoder = nn.LSTM(1, hidden_size, num_layers=num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.node_embedding = nn.Parameter(torch.empty(n_nodes, hidden_size))
        if cell == "nary":
            self.up = NaryTreeLSTMCell(hidden_size, hidden_size,
                                       max(1, hierarchy.max_children))
        else:
            self.up = ChildSumTreeLSTMCell(hidden_size, hidden_size)
        features = hidden_size
        if direction == "both":
            self.down = ChildSumTreeLSTMCell(2 * hidden_size, hidden_size)
            features = 2 * hidden_size
        self.dropout = nn.Dropout(dropout)
        groups = (np.arange(len(output_nodes)) if head_groups is None
                  else np.asarray(head_groups, dtype=np.int64))
        n_groups = int(groups.max()) + 1 if len(groups) else 0
        if groups.shape != output_nodes.shape or (groups < 0).any() \
                or len(np.unique(groups)) != n_groups:
            raise ValueError(f"head_groups must give each of the {len(output_nodes)} output "
                             f"nodes a group 0 .. G - 1, every group used; got "
                             f"{groups.tolist()}.")
        self.register_buffer("head_groups", torch.from_numpy(groups), persistent=False)
        self.head_weight = nn.Parameter(torch.empty(n_groups, features, horizon))
        self.head_bias = nn.Parameter(torch.empty(n_groups, horizon))
        skip_nodes = (output_nodes if skip_nodes is None
                      else np.asarray(skip_nodes, dtype=np.int64))
        unknown = np.setdiff1d(skip_nodes, output_nodes)
        if len(unknown):
            raise ValueError(f"skip_nodes must be output nodes; {unknown.tolist()} are not "
                             f"among output_nodes.")
        self.skip_steps = skip_steps if len(skip_nodes) else 0
        # positions of the skip nodes among the outputs
        self.register_buffer("skip_positions", torch.from_numpy(
            np.flatnonzero(np.isin(output_nodes, skip_nodes))), persistent=False)
        # the skip nodes' groups, renumbered 0 .. G' - 1
        skip_groups = np.unique(groups[np.isin(output_nodes, skip_nodes)],
                                return_inverse=True)[1].ravel()
        self.register_buffer("skip_groups", torch.from_numpy(skip_groups.astype(np.int64)),
                             persistent=False)
        if self.skip_steps:
            # zeros: training starts from the tree's forecast alone
            self.skip_weight = nn.Parameter(torch.zeros(
                int(skip_groups.max()) + 1, skip_steps, horizon))
        self.encoder_chunk = encoder_chunk
        self._graphs = {}
        self.reset_parameters()

    def reset_parameters(self):
        """Embeddings :math:`N(0, 0.1^2)`; heads uniform in :math:`\\pm 1/\\sqrt{F}`."""
        nn.init.normal_(self.node_embedding, std=0.1)
        init_uniform_([self.head_weight, self.head_bias], self.head_weight.shape[1])

    def batched_graphs(self, n_copies, device):
        """The bottom-up graph of ``n_copies`` trees and its frontiers (cached).

        Returns
        -------
        up : (DGLGraph, list of Tensor)
            Edges child -> parent; frontiers by height, leaves first.
        down : (DGLGraph, list of Tensor) or None
            Edges parent -> child; frontiers by depth, root first
            (``direction="both"`` only).
        """
        key = (n_copies, str(device))
        if key not in self._graphs:
            dgl = import_dgl()
            h = self.hierarchy
            tree = h.graph                                    # carries ndata["pos"]
            graph = dgl.batch([tree] * n_copies, ndata=["pos"], edata=None).to(device)
            up = (graph, [f.to(device) for f in _frontiers(h.bottom_up, h.n_nodes,
                                                           n_copies)])
            down = None
            if self.direction == "both":
                down = (dgl.reverse(graph, copy_ndata=False),
                        [f.to(device) for f in _frontiers(h.top_down, h.n_nodes,
                                                          n_copies)])
            self._graphs[key] = (up, down)
        return self._graphs[key]

    def encode(self, windows):
        """Last hidden state of the encoder for each window, ``(M, T, 1)`` -> ``(M, H)``.

        Windows are encoded ``encoder_chunk // T`` at a time. While
        gradients are recorded, each chunk is checkpointed: its activations
        are dropped after the forward pass and recomputed in the backward
        one, so the memory of a step holds one chunk's activations rather
        than every window's (``nn.LSTM`` keeps each time step's gates).
        """
        M, T, _ = windows.shape
        per_chunk = max(1, self.encoder_chunk // T)
        if M <= per_chunk:
            return self._last_state(windows)
        chunks = windows.split(per_chunk)
        if torch.is_grad_enabled():
            return torch.cat([checkpoint(self._last_state, chunk, use_reentrant=False)
                              for chunk in chunks])
        return torch.cat([self._last_state(chunk) for chunk in chunks])

    def _last_state(self, windows):
        _, (h_n, _) = self.encoder(windows)
        return h_n[-1]                                                 # (M, H)

    def forward(self, x):
        N, T, V = x.shape
        H = self.hidden_size
        if T < self.skip_steps:
            raise ValueError(f"TreeLSTMNet was built with skip_steps={self.skip_steps}, but "
                             f"the windows have {T} time steps; pass windows of at least "
                             f"{self.skip_steps} steps or build it with fewer skip_steps.")
        windows = x.permute(0, 2, 1).reshape(N * V, T, 1)             # (N V, T, 1)
        inputs = (self.encode(windows).view(N, V, H)
                  + self.node_embedding).reshape(N * V, H)             # (N V, H)
        (graph, up_frontiers), down = self.batched_graphs(N, x.device)
        h_up, _ = self.up(graph, inputs, up_frontiers)                 # (N V, H)
        states = h_up
        if down is not None:
            graph_down, down_frontiers = down
            h_down, _ = self.down(graph_down, torch.cat([inputs, h_up], dim=1),
                                  down_frontiers)                      # (N V, H)
            states = torch.cat([h_up, h_down], dim=1)                  # (N V, 2H)
        states = states.view(N, V, -1)[:, self.output_nodes]           # (N, K, F)
        y = torch.einsum("nkf,kfs->nks", self.dropout(states),
                         self.head_weight[self.head_groups])
        y = y + self.head_bias[self.head_groups]                       # (N, K, horizon)
        if self.skip_steps:
            skip = self.output_nodes[self.skip_positions]
            own = x[:, T - self.skip_steps:, skip]                     # (N, L, K')
            y = y.index_add(1, self.skip_positions,
                            torch.einsum("nlk,kls->nks", own,
                                         self.skip_weight[self.skip_groups]))
        return y.reshape(N, -1)                                        # (N, K horizon)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_graphs"] = {}                 # DGL graphs are rebuilt on demand
        return state

    def extra_repr(self):
        return (f"n_nodes={self.n_nodes}, horizon={self.horizon}, cell={self.cell!r}, "
                f"direction={self.direction!r}, skip_steps={self.skip_steps}")
