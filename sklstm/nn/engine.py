r"""One time-loop engine that runs any cell of :mod:`sklstm.nn.cells` or :mod:`sklstm.nn.conv`.

* :class:`RecurrentLayer` runs one cell over a sequence in one direction. The
  input projection of all steps is one call before the loop; each step is
  one fused recurrent matmul (or convolution) plus elementwise work.
* :class:`RecurrentStack` stacks layers, with dropout between them and
  optionally a backward direction per layer, and hands each layer the cell
  states of the layer below when its cell asks for them (highway cells).
* :class:`CellRecurrentNet` puts a linear head on the top layer's final
  hidden state, like :class:`~sklstm.nn.FusedRecurrentNet`.

A cell is any module with

* ``project(x)``: the input part of every step at once, ``(N, T, F, ...)`` to
  ``(N, T, G * H, ...)``;
* ``initial_state(x)``: the zero state for a batch like ``x``, a tuple whose
  second entry is the cell state;
* ``forward(xw_t, state, below_t)``: one step, returning ``h_t`` and the new
  state;
* ``uses_below``: whether the step reads ``below_t``, the cell state of the
  layer below at the same step;
* optionally ``sequence(x, below, reverse)``: all steps at once, returning
  the hidden and cell states ``(N, T, H, ...)``. The cells of
  :mod:`sklstm.nn.cells` have one (a whole-sequence kernel, one autograd node
  per layer); :class:`RecurrentLayer` uses it unless told not to, or while
  the module is traced, exported or compiled, when it runs the steps itself.

Features (or channels) are on axis 2 of every sequence, so frames
``(N, T, C, H, W)`` run through the same loop as vectors ``(N, T, F)``.
"""

import numbers

import torch
from torch import nn

from ._checks import check_dropout, check_sizes
from .cells import CIFGLSTMCell, HighwayLSTMCell, LSTMCell, NestedLSTMCell, PeepholeLSTMCell

__all__ = ["RecurrentLayer", "RecurrentStack", "CellRecurrentNet", "CELLS"]


class RecurrentLayer(nn.Module):
    """Run ``cell`` over a sequence, forwards or (``reverse=True``) backwards.

    Parameters
    ----------
    cell : nn.Module
        A cell with ``project``, ``initial_state`` and a one-step ``forward``.
    reverse : bool, default=False
        Process the sequence from the last step to the first.
    fused : bool, default=True
        Run the cell's whole-sequence ``sequence`` when it has one. False
        always runs the step loop below (the reference path).

    Inputs: x, below, keep_cell
        ``x`` of shape ``(N, T, F, ...)``; ``below`` of shape ``(N, T, H, ...)``
        (the lower layer's cell states, read by highway cells) or None;
        ``keep_cell`` whether to return the cell states.

    Outputs: h, c
        Hidden states ``(N, T, H, ...)`` in input order; cell states of the
        same shape when ``keep_cell=True``, else None.
    """

    fused = True          # also the value of layers pickled before the option existed

    def __init__(self, cell, reverse=False, fused=True):
        super().__init__()
        self.cell = cell
        self.reverse = reverse
        self.fused = fused

    def forward(self, x, below=None, keep_cell=False):
        if self.fused and hasattr(self.cell, "sequence") and not _tracing():
            h, c = self.cell.sequence(x, below, self.reverse)
            return h, (c if keep_cell else None)
        T = x.shape[1]
        # one matmul for every step's input projection; unbind (one autograd
        # node) rather than indexing per step, whose backward would write a
        # full-size zero gradient for every step
        xw = self.cell.project(x).unbind(1)                        # T x (N, G*H, ...)
        below = [None] * T if below is None else below.unbind(1)   # T x (N, H, ...)
        state = self.cell.initial_state(x)
        # the step is called directly, not through nn.Module.__call__: no
        # hooks run per step, which saves time in the loop
        step = self.cell.forward
        hs, cs = [None] * T, [None] * T
        for t in (range(T - 1, -1, -1) if self.reverse else range(T)):
            h, state = step(xw[t], state, below[t])
            hs[t] = h
            if keep_cell:
                cs[t] = state[1]
        return torch.stack(hs, 1), (torch.stack(cs, 1) if keep_cell else None)

    def extra_repr(self):
        flags = (["reverse=True"] if self.reverse else []) + ([] if self.fused else ["fused=False"])
        return ", ".join(flags)


def _tracing():
    """Whether the module is being traced (TorchScript, ONNX export) or compiled."""
    compiling = getattr(torch.compiler, "is_compiling", None)     # torch >= 2.3
    return (torch.jit.is_tracing() or torch.jit.is_scripting() or torch.onnx.is_in_onnx_export()
            or (compiling is not None and compiling()))


class RecurrentStack(nn.Module):
    """Layers of :class:`RecurrentLayer`, optionally bidirectional.

    Parameters
    ----------
    make_cell : callable
        ``make_cell(layer, input_size, hidden_size)`` returns the cell of
        ``layer`` (0-based).
    input_size : int
        Features (channels) in.
    hidden_size : int or sequence of int
        Units (channels) per direction: one number for every layer, or one
        per layer (``num_layers`` is then its length).
    num_layers : int, default=1
    dropout : float, default=0.0
        Dropout on the input of every layer but the first.
    bidirectional : bool, default=False
        Each layer also runs backwards; the layer above reads both directions.

    Inputs: x
        ``(N, T, F, ...)``.

    Outputs: h
        ``(N, T, D * H, ...)``, the top layer's hidden states, forward
        direction first.
    """

    def __init__(self, make_cell, input_size, hidden_size, num_layers=1, dropout=0.0,
                 bidirectional=False):
        super().__init__()
        check_sizes(input_size=input_size)
        if isinstance(hidden_size, numbers.Integral):
            check_sizes(hidden_size=hidden_size, num_layers=num_layers)
            sizes = [hidden_size] * num_layers
        else:
            sizes = list(hidden_size)
            if not sizes:
                raise ValueError("hidden_size must be an int >= 1 or a non-empty sequence "
                                 "of them (one per layer), got an empty sequence.")
            check_sizes(**{f"hidden_size[{k}]": size for k, size in enumerate(sizes)})
        check_dropout(dropout)
        self.hidden_sizes = sizes
        self.num_directions = 2 if bidirectional else 1
        self.layers = nn.ModuleList()
        size = input_size
        for layer, hidden in enumerate(sizes):
            self.layers.append(nn.ModuleList(
                RecurrentLayer(make_cell(layer, size, hidden), reverse=bool(d))
                for d in range(self.num_directions)))
            size = self.num_directions * hidden
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        below = [None] * self.num_directions
        for index, directions in enumerate(self.layers):
            if index > 0:
                x = self.dropout(x)
            keep = index + 1 < len(self.layers) and self.layers[index + 1][0].cell.uses_below
            outputs = [layer(x, below[d], keep) for d, layer in enumerate(directions)]
            # (N, T, D * H, ...); one direction is passed as it is: a copy would
            # undo the layout the cell's kernel returned, and the layer above
            # reads it back in that layout
            x = torch.cat([h for h, _ in outputs], dim=2) if len(outputs) > 1 else outputs[0][0]
            below = [c for _, c in outputs]
        return x


def _highway_cell(layer, input_size, hidden_size):
    cell = HighwayLSTMCell if layer > 0 else LSTMCell
    return cell(input_size, hidden_size)


#: Cell name -> ``make_cell(layer, input_size, hidden_size, **kwargs)``.
CELLS = {
    "lstm": lambda layer, i, h: LSTMCell(i, h),
    "peephole": lambda layer, i, h: PeepholeLSTMCell(i, h),
    "cifg": lambda layer, i, h: CIFGLSTMCell(i, h),
    "nested": lambda layer, i, h, depth=1: NestedLSTMCell(i, h, depth=depth),
    "highway": _highway_cell,
}


class CellRecurrentNet(nn.Module):
    r"""A :class:`RecurrentStack` of custom cells with a linear head.

    .. math::

        \hat{y} = W_o \, \mathrm{dropout}(h_T^{(L)}) + b_o

    Parameters
    ----------
    cell : {"lstm", "peephole", "cifg", "nested", "highway"}
        Which cell; ``"highway"`` puts a plain LSTM cell in the first layer
        and highway cells above it, so it needs ``num_layers >= 2``.
    input_size, hidden_size, output_size : int
    num_layers : int, default=1
    dropout : float, default=0.0
        Between layers and before the head.
    bidirectional : bool, default=False
    **cell_params
        Passed to the cell (``depth`` for ``"nested"``).

    Inputs: x
        ``(N, T, H_{in})``.

    Outputs: y
        ``(N, H_{out})``.

    Examples
    --------
    >>> import torch
    >>> net = CellRecurrentNet("peephole", 3, 8, 2, num_layers=2, bidirectional=True)
    >>> net(torch.zeros(4, 10, 3)).shape
    torch.Size([4, 2])
    """

    def __init__(self, cell, input_size, hidden_size, output_size, *, num_layers=1,
                 dropout=0.0, bidirectional=False, **cell_params):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        check_sizes(input_size=input_size, hidden_size=hidden_size,
                    output_size=output_size, num_layers=num_layers)
        check_dropout(dropout)
        if cell == "highway" and num_layers < 2:
            raise ValueError(
                f"the highway cell needs num_layers >= 2 (its depth gate links a layer "
                f"to the one below), got num_layers={num_layers}")
        make = CELLS[cell]
        self.cell = cell
        self.hidden_size = hidden_size
        self.stack = RecurrentStack(
            lambda layer, i, h: make(layer, i, h, **cell_params), input_size, hidden_size,
            num_layers=num_layers, dropout=dropout, bidirectional=bidirectional)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.stack.num_directions * hidden_size, output_size)

    def forward(self, x):
        h = self.stack(x)                                          # (N, T, D * H)
        H = self.hidden_size
        features = h[:, -1, :H]                                    # forward ends at T-1
        if self.stack.num_directions == 2:
            features = torch.cat([features, h[:, 0, H:]], dim=1)   # backward ends at 0
        return self.head(self.dropout(features))                   # (N, H_out)

    def extra_repr(self):
        return f"cell={self.cell!r}"
