r"""Whole-sequence kernels for the cells of :mod:`sklstm.nn.cells`.

The engine's step loop (:class:`~sklstm.nn.engine.RecurrentLayer`) records
every elementwise operation of every step for autograd, and autograd replays
them one by one in the backward pass. Here one layer (one direction, all
steps) is a single :class:`torch.autograd.Function` whose forward and
backward run their own loops, with preallocated, in-place operations and no
autograd graph:

* forward: one matmul per step computes every gate's pre-activation,
  recurrent part, input projection and bias at once,
  :math:`z_t = W [h_{t-1}; x_t; 1]` with :math:`W = [W_{hh}^\top, W_{ih}, b]`;
  the rest of the step is elementwise. The activations of every step are
  kept for the backward pass.
* backward: the loop runs the steps in reverse and, per step, computes the
  pre-activation gradient :math:`\partial z_t` from the kept activations,
  then two matmuls: :math:`W^\top \partial z_t` (the gradients of
  :math:`h_{t-1}` and :math:`x_t`) and :math:`\partial W \mathrel{+}=
  \partial z_t [h_{t-1}; x_t; 1]^\top` (all weight and bias gradients).

Everything a step touches is a few ``(H, N)`` tiles, which stay in cache;
no pass over whole-sequence buffers is needed besides copying the input in.

The equations are those of the cells' one-step ``forward``, which remains the
reference (the tests compare both, values and gradients) and the path used
while tracing or exporting.

Layout. Buffers are time-major and feature-major: step ``t`` of the gate
pre-activations is a ``(G, N)`` matrix, ``G`` gate rows by ``N`` samples, so
every gate block is contiguous (on a strided slice the same elementwise
operations take about twice as long). The cells store their sigmoid gates
first and the candidate last, so one ``sigmoid`` (forward) and one
``sigmoid_backward`` (backward) cover all sigmoid gates of a step (the
peephole cell's output gate, which waits for :math:`c_t`, aside). A state
buffer has ``T + 1`` slots: step ``t`` reads slot ``t`` and writes slot
``t + 1`` (forward direction), or reads ``t + 1`` and writes ``t`` (reverse);
the slot read first holds the zero initial state.
"""

import functools
import time

import torch
from torch.autograd.function import once_differentiable

__all__ = ["run_layer", "LSTM", "PEEPHOLE", "CIFG", "HIGHWAY", "NESTED", "TANH_VIA_SIGMOID"]

#: How the forward kernels compute :math:`\tanh`: None (the default) picks
#: :math:`2 \sigma(2x) - 1` for float32 on the CPU when ``torch.tanh`` takes
#: more than twice the time of ``torch.sigmoid`` there (measured once per
#: process: on some CPUs it is 6 to 12 times slower, on others at parity),
#: ``torch.tanh`` otherwise; True or False forces one form for every tensor.
TANH_VIA_SIGMOID = None


def _aten(overload):
    """The operator behind ``overload``, called without its Python wrapper when it has one."""
    return getattr(overload, "_op", overload)


_sigmoid_backward = _aten(torch.ops.aten.sigmoid_backward.grad_input)   # g * y * (1 - y)
_tanh_backward = _aten(torch.ops.aten.tanh_backward.grad_input)         # g * (1 - y * y)


# ------------------------------------------------------------------ helpers

@functools.cache
def _tanh_is_slow():
    """Whether ``torch.tanh`` takes over twice the time of ``torch.sigmoid`` (float32, CPU)."""
    x = torch.randn(64, 256, generator=torch.Generator().manual_seed(0))
    out = torch.empty_like(x)

    def best(op):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(20):
                op(x, out=out)
            times.append(time.perf_counter() - start)
        return min(times)

    best(torch.tanh), best(torch.sigmoid)                         # warm up
    return best(torch.tanh) > 2 * best(torch.sigmoid)


def _tanh_via_sigmoid(x):
    """The form of tanh the kernels use for ``x``'s dtype and device (see TANH_VIA_SIGMOID)."""
    if TANH_VIA_SIGMOID is not None:
        return bool(TANH_VIA_SIGMOID)
    return x.device.type == "cpu" and x.dtype == torch.float32 and _tanh_is_slow()


class _Tanh:
    r"""The tanh of a forward loop: ``torch.tanh``, or :math:`2 \sigma(2x) - 1`.

    With ``via_sigmoid`` the candidate rows of the weights are doubled before
    the loop, so that one ``sigmoid`` call covers the gates and the candidate
    (:meth:`sigmoid_rows`) and :meth:`candidate_` maps :math:`\sigma(2z)` to
    :math:`\tanh(z)`; otherwise :meth:`candidate_` applies ``tanh_``.
    """

    def __init__(self, via_sigmoid, like):
        self.via_sigmoid = via_sigmoid
        self._minus_one = like.new_full((), -1.0)

    def sigmoid_rows(self, n_gates, H):
        """End of the rows one ``sigmoid`` covers: the gates, and the candidate if included."""
        return (n_gates + self.via_sigmoid) * H

    def candidate_(self, g):
        """``tanh`` of the candidate in place, once the sigmoid of :meth:`sigmoid_rows` ran."""
        if self.via_sigmoid:
            return torch.add(self._minus_one, g, alpha=2.0, out=g)
        return g.tanh_()

    def apply_(self, g):
        """``tanh`` of the candidate in place, on its own."""
        if self.via_sigmoid:
            g.sigmoid_()
        return self.candidate_(g)

    def __call__(self, x, out):
        if self.via_sigmoid:                                      # x + x: no scalar tensor
            torch.add(x, x, out=out).sigmoid_()
            return torch.add(self._minus_one, out, alpha=2.0, out=out)
        return torch.tanh(x, out=out)


@functools.cache
def _candidate_scale(G, H, dtype, device):
    """``(G, 1)``: 1 for the gate rows, 2 for the last ``H`` rows (the candidate's)."""
    scale = torch.ones(G, 1, dtype=dtype, device=device)
    scale[-H:] = 2.0
    return scale


def _double_candidate(w, H):
    """A copy of ``w`` ``(G, K)`` with its last ``H`` rows (the candidate's) doubled."""
    return w * _candidate_scale(w.shape[0], H, w.dtype, w.device)


def _steps(T, reverse):
    """``(t, src, dst)`` per step, in processing order: step ``t`` reads slot ``src``,
    writes slot ``dst``."""
    if reverse:
        return [(t, t + 1, t) for t in range(T - 1, -1, -1)]
    return [(t, t, t + 1) for t in range(T)]


def _new(buffer, reverse):
    """The slots written by steps ``0..T-1``, in time order: a ``(T, ...)`` view."""
    return buffer[:-1] if reverse else buffer[1:]


def _old(buffer, reverse):
    """The slots read by steps ``0..T-1`` (the previous state), in time order."""
    return buffer[1:] if reverse else buffer[:-1]


def _state(T, H, N, like, reverse):
    """A ``(T + 1, H, N)`` state buffer whose initial slot is zero."""
    buf = like.new_empty(T + 1, H, N)
    buf[-1 if reverse else 0] = 0.0
    return buf


def _views(*buffers):
    """Per-step views (``unbind``) of time-major buffers: one tuple per buffer.

    Views made in one call cost about half of indexing a step inside the
    loop, and a step touches a dozen of them.
    """
    return [buf.unbind(0) for buf in buffers]


def _blocks(buf, n):
    """Per-step views of the ``n`` row blocks of ``buf`` ``(T, n * H, N)``: ``n`` tuples."""
    if buf.is_contiguous():                                       # one call for all of them
        views = buf.view(buf.shape[0] * n, -1, buf.shape[2]).unbind(0)
        return [views[k::n] for k in range(n)]
    return [block.unbind(0) for block in buf.unflatten(1, (n, -1)).unbind(1)]


def _pair(like, *shape, split=None):
    """Two buffers for a quantity carried from one backward step to the next,
    each with its ``split`` row blocks as views when ``split`` is given."""
    bufs = like.new_empty(*shape), like.new_empty(*shape)
    if split is None:
        return bufs
    return [(buf, buf.unflatten(0, (split, -1)).unbind(0)) for buf in bufs]


# ------------------------------------------------------------------ kernels

class _Kernel:
    r"""Forward and backward loops of one cell type, gate blocks in the cell's order.

    ``forward(act, z, w, extras, below, reverse, tanh)`` fills ``act`` (from
    :meth:`activations`) with the activations and the hidden-state rows of
    ``z`` ``(T + 1, H + F + 1, N)`` (slots of :math:`[h; x; 1]`, the ``x`` and
    ``1`` rows already in place), and returns the cell states ``(T, H, N)``
    and the tensors its backward needs. ``w`` is :math:`[W_{hh}^\top, W_{ih},
    b]` ``(G, H + F + 1)``.

    ``backward(saved, act, z, dz_rows, dw, w, extras, below, dhs, dcs,
    reverse)`` runs the steps in reverse. A step completes the gradient of
    its hidden state (:func:`_complete_dh`), computes :math:`\partial z_t`,
    and ends with :func:`_backprop_matmuls`, which writes the gradient of the
    ``[h; x]`` rows of the slot it read into ``dz_rows`` ``(T + 1, H + F,
    N)`` and adds to ``dw``. ``dhs`` and ``dcs`` are per-step ``(H, N)``
    views of the outputs' gradients, or None. It returns the gradients of the
    extras and of ``below``.
    """

    n_gates = 4

    def prepare(self, extras):
        """The cell's extra parameters as the kernel reads them."""
        return extras

    def restore(self, grads):
        """Gradients of the extra parameters, as the cell holds them."""
        return grads

    def double_candidate(self, extras, H):
        """The extras as the forward loop reads them when tanh goes through sigmoid."""
        return extras

    def activations(self, T, H, N, like, reverse):
        """The buffer ``forward`` keeps the activations in: ``(T, G, N)``."""
        return like.new_empty(T, self.n_gates * H, N)


def _complete_dh(dh, dhs, t, first):
    """The hidden state's gradient of step ``t``, in place in ``dh``.

    ``dh`` holds the recurrent part, written by the step after (none for the
    step processed first); the output's gradient ``dhs[t]`` is added.
    """
    if first:
        return dh.zero_() if dhs is None else dh.copy_(dhs[t])
    return dh if dhs is None else dh.add_(dhs[t])


def _backprop_matmuls(dz, z_src, dz_src, w_hx_t, dw):
    r"""The two matmuls of a backward step: :math:`W^\top \partial z` into the
    ``[h; x]`` gradient of the slot read, :math:`\partial z [h; x; 1]^\top` into ``dw``."""
    torch.mm(w_hx_t, dz, out=dz_src)
    dw.addmm_(dz, z_src.t())


class _LSTMKernel(_Kernel):
    """:class:`~sklstm.nn.cells.LSTMCell`: gate blocks ``(i, f, o, g)``."""

    def forward(self, act, z, w, extras, below, reverse, tanh):
        T, G, N = act.shape
        H = G // 4
        c, tc = _state(T, H, N, act, reverse), act.new_empty(T, H, N)
        act_t, sig, z_t, h_t, c_t, tc_t = _views(act, act[:, :tanh.sigmoid_rows(3, H)], z,
                                                 z[:, :H], c, tc)
        i, f, o, g = _blocks(act, 4)
        for t, src, dst in _steps(T, reverse):
            torch.mm(w, z_t[src], out=act_t[t])                   # (4H, N): i, f, o, g
            sig[t].sigmoid_()
            tanh.candidate_(g[t])
            torch.mul(f[t], c_t[src], out=c_t[dst]).addcmul_(i[t], g[t])
            torch.mul(o[t], tanh(c_t[dst], out=tc_t[t]), out=h_t[dst])
        return _new(c, reverse), (c, tc)

    def backward(self, saved, act, z, dz_rows, dw, w, extras, below, dhs, dcs, reverse):
        c, tc = saved
        T, G, N = act.shape
        H = G // 4
        w_hx_t = w[:, :-1].t()
        i, f, o, g = _blocks(act, 4)
        sig, z_t, dzr, dh_t, c_t, tc_t = _views(act[:, :3 * H], z, dz_rows, dz_rows[:, :H], c, tc)
        dz = act.new_empty(G, N)
        dz_i, dz_f, dz_o, dz_g = dz.unflatten(0, (4, H)).unbind(0)
        dc, dc_next = _pair(act, H, N)
        tmp = act.new_empty(H, N)
        nxt = None
        for t, src, dst in reversed(_steps(T, reverse)):
            dh = _complete_dh(dh_t[dst], dhs, t, nxt is None)
            # dc = dh o (1 - tanh^2 c) + f_{t+1} dc_{t+1} (+ the output's gradient)
            _tanh_backward(torch.mul(dh, o[t], out=tmp), tc_t[t], grad_input=dc)
            if nxt is not None:
                dc.addcmul_(dc_next, f[nxt])
            if dcs is not None:
                dc.add_(dcs[t])
            # i, f, o in one sigmoid backward; g through tanh
            torch.mul(dc, g[t], out=dz_i)
            torch.mul(dc, c_t[src], out=dz_f)
            torch.mul(dh, tc_t[t], out=dz_o)
            _sigmoid_backward(dz[:3 * H], sig[t], grad_input=dz[:3 * H])
            _tanh_backward(torch.mul(dc, i[t], out=dz_g), g[t], grad_input=dz_g)
            _backprop_matmuls(dz, z_t[src], dzr[src], w_hx_t, dw)
            dc, dc_next, nxt = dc_next, dc, t
        return (), None


class _PeepholeKernel(_Kernel):
    """:class:`~sklstm.nn.cells.PeepholeLSTMCell`; extras ``(peephole_if, peephole_o)``."""

    def forward(self, act, z, w, extras, below, reverse, tanh):
        p_if, p_o = extras[0].unsqueeze(-1), extras[1].unsqueeze(-1)   # (2, H, 1), (H, 1)
        T, G, N = act.shape
        H = G // 4
        c, tc = _state(T, H, N, act, reverse), act.new_empty(T, H, N)
        act_t, sig, i_f, z_t, h_t, c_t, tc_t = _views(
            act, act[:, :2 * H], act[:, :2 * H].unflatten(1, (2, H)), z, z[:, :H], c, tc)
        i, f, o, g = _blocks(act, 4)
        for t, src, dst in _steps(T, reverse):
            torch.mm(w, z_t[src], out=act_t[t])                   # (4H, N): i, f, o, g
            i_f[t].addcmul_(p_if, c_t[src])                       # p_i c_{t-1}, p_f c_{t-1}
            sig[t].sigmoid_()
            tanh.apply_(g[t])
            torch.mul(f[t], c_t[src], out=c_t[dst]).addcmul_(i[t], g[t])
            o[t].addcmul_(p_o, c_t[dst]).sigmoid_()               # the output gate sees c_t
            torch.mul(o[t], tanh(c_t[dst], out=tc_t[t]), out=h_t[dst])
        return _new(c, reverse), (c, tc)

    def backward(self, saved, act, z, dz_rows, dw, w, extras, below, dhs, dcs, reverse):
        p_i, p_f, p_o = extras[0][0, :, None], extras[0][1, :, None], extras[1][:, None]
        c, tc = saved
        T, G, N = act.shape
        H = G // 4
        w_hx_t = w[:, :-1].t()
        i, f, o, g = _blocks(act, 4)
        sig, z_t, dzr, dh_t, c_t, tc_t = _views(act[:, :2 * H], z, dz_rows, dz_rows[:, :H], c, tc)
        dzs = _pair(act, G, N, split=4)
        dc, dc_next = _pair(act, H, N)
        tmp = act.new_empty(H, N)
        acc_if, acc_o = act.new_zeros(2, H, N), act.new_zeros(H, N)
        nxt = None
        for t, src, dst in reversed(_steps(T, reverse)):
            (dz, (dz_i, dz_f, dz_o, dz_g)), (_, (dz_i_next, dz_f_next, _, _)) = dzs
            dh = _complete_dh(dh_t[dst], dhs, t, nxt is None)
            _sigmoid_backward(torch.mul(dh, tc_t[t], out=dz_o), o[t], grad_input=dz_o)
            # dc: through tanh c_t, through o_t (p_o), and from step t + 1 through
            # f_{t+1} and the peepholes of i_{t+1} and f_{t+1}
            _tanh_backward(torch.mul(dh, o[t], out=tmp), tc_t[t], grad_input=dc)
            dc.addcmul_(dz_o, p_o)
            if nxt is not None:
                dc.addcmul_(dc_next, f[nxt]).addcmul_(dz_i_next, p_i).addcmul_(dz_f_next, p_f)
            if dcs is not None:
                dc.add_(dcs[t])
            torch.mul(dc, g[t], out=dz_i)
            torch.mul(dc, c_t[src], out=dz_f)
            _sigmoid_backward(dz[:2 * H], sig[t], grad_input=dz[:2 * H])
            _tanh_backward(torch.mul(dc, i[t], out=dz_g), g[t], grad_input=dz_g)
            acc_if.addcmul_(dz[:2 * H].view(2, H, N), c_t[src])
            acc_o.addcmul_(dz_o, c_t[dst])
            _backprop_matmuls(dz, z_t[src], dzr[src], w_hx_t, dw)
            dzs.reverse()
            dc, dc_next, nxt = dc_next, dc, t
        return (acc_if.sum(2), acc_o.sum(1)), None


class _CIFGKernel(_Kernel):
    """:class:`~sklstm.nn.cells.CIFGLSTMCell`: gate blocks ``(i, o, g)``."""

    n_gates = 3

    def forward(self, act, z, w, extras, below, reverse, tanh):
        T, G, N = act.shape
        H = G // 3
        c, tc = _state(T, H, N, act, reverse), act.new_empty(T, H, N)
        act_t, sig, z_t, h_t, c_t, tc_t = _views(act, act[:, :tanh.sigmoid_rows(2, H)], z,
                                                 z[:, :H], c, tc)
        i, o, g = _blocks(act, 3)
        for t, src, dst in _steps(T, reverse):
            torch.mm(w, z_t[src], out=act_t[t])                   # (3H, N): i, o, g
            sig[t].sigmoid_()
            tanh.candidate_(g[t])
            torch.lerp(c_t[src], g[t], i[t], out=c_t[dst])        # (1 - i) c + i g
            torch.mul(o[t], tanh(c_t[dst], out=tc_t[t]), out=h_t[dst])
        return _new(c, reverse), (c, tc)

    def backward(self, saved, act, z, dz_rows, dw, w, extras, below, dhs, dcs, reverse):
        c, tc = saved
        T, G, N = act.shape
        H = G // 3
        w_hx_t = w[:, :-1].t()
        i, o, g = _blocks(act, 3)
        sig, z_t, dzr, dh_t, c_t, tc_t = _views(act[:, :2 * H], z, dz_rows, dz_rows[:, :H], c, tc)
        dz = act.new_empty(G, N)
        dz_i, dz_o, dz_g = dz.unflatten(0, (3, H)).unbind(0)
        dc, dc_next = _pair(act, H, N)
        tmp = act.new_empty(H, N)
        nxt = None
        for t, src, dst in reversed(_steps(T, reverse)):
            dh = _complete_dh(dh_t[dst], dhs, t, nxt is None)
            _tanh_backward(torch.mul(dh, o[t], out=tmp), tc_t[t], grad_input=dc)
            if nxt is not None:                                   # (1 - i_{t+1}) dc_{t+1}
                dc.add_(dc_next).addcmul_(dc_next, i[nxt], value=-1.0)
            if dcs is not None:
                dc.add_(dcs[t])
            torch.mul(dh, tc_t[t], out=dz_o)
            torch.sub(g[t], c_t[src], out=dz_i).mul_(dc)          # dc (g - c_{t-1})
            _sigmoid_backward(dz[:2 * H], sig[t], grad_input=dz[:2 * H])
            _tanh_backward(torch.mul(dc, i[t], out=dz_g), g[t], grad_input=dz_g)
            _backprop_matmuls(dz, z_t[src], dzr[src], w_hx_t, dw)
            dc, dc_next, nxt = dc_next, dc, t
        return (), None


class _HighwayKernel(_Kernel):
    """:class:`~sklstm.nn.cells.HighwayLSTMCell`: gate blocks ``(i, f, o, d, g)``; extras
    ``(depth_weight,)``; reads ``below`` ``(T, H, N)``."""

    n_gates = 5

    def forward(self, act, z, w, extras, below, reverse, tanh):
        w_1, w_2 = extras[0].unsqueeze(-1)                        # (H, 1) each
        T, G, N = act.shape
        H = G // 5
        c, tc = _state(T, H, N, act, reverse), act.new_empty(T, H, N)
        act_t, sig, z_t, h_t, c_t, tc_t, below_t = _views(
            act, act[:, :tanh.sigmoid_rows(4, H)], z, z[:, :H], c, tc, below)
        i, f, o, d, g = _blocks(act, 5)
        for t, src, dst in _steps(T, reverse):
            torch.mm(w, z_t[src], out=act_t[t])                   # (5H, N): i, f, o, d, g
            d[t].addcmul_(w_1, c_t[src]).addcmul_(w_2, below_t[t])
            sig[t].sigmoid_()
            tanh.candidate_(g[t])
            c_new = torch.mul(f[t], c_t[src], out=c_t[dst]).addcmul_(i[t], g[t])
            c_new.addcmul_(d[t], below_t[t])
            torch.mul(o[t], tanh(c_new, out=tc_t[t]), out=h_t[dst])
        return _new(c, reverse), (c, tc)

    def backward(self, saved, act, z, dz_rows, dw, w, extras, below, dhs, dcs, reverse):
        w_1, w_2 = extras[0].unsqueeze(-1)
        c, tc = saved
        T, G, N = act.shape
        H = G // 5
        w_hx_t = w[:, :-1].t()
        i, f, o, d, g = _blocks(act, 5)
        d_below = torch.empty_like(below)
        sig, z_t, dzr, dh_t, c_t, tc_t, below_t, d_below_t = _views(
            act[:, :4 * H], z, dz_rows, dz_rows[:, :H], c, tc, below, d_below)
        dzs = _pair(act, G, N, split=5)
        dc, dc_next = _pair(act, H, N)
        tmp = act.new_empty(H, N)
        acc_1, acc_2 = act.new_zeros(H, N), act.new_zeros(H, N)
        nxt = None
        for t, src, dst in reversed(_steps(T, reverse)):
            (dz, (dz_i, dz_f, dz_o, dz_d, dz_g)), (_, (_, _, _, dz_d_next, _)) = dzs
            dh = _complete_dh(dh_t[dst], dhs, t, nxt is None)
            _tanh_backward(torch.mul(dh, o[t], out=tmp), tc_t[t], grad_input=dc)
            if nxt is not None:                                   # through f_{t+1} and d_{t+1}
                dc.addcmul_(dc_next, f[nxt]).addcmul_(dz_d_next, w_1)
            if dcs is not None:
                dc.add_(dcs[t])
            torch.mul(dc, g[t], out=dz_i)
            torch.mul(dc, c_t[src], out=dz_f)
            torch.mul(dh, tc_t[t], out=dz_o)
            torch.mul(dc, below_t[t], out=dz_d)
            _sigmoid_backward(dz[:4 * H], sig[t], grad_input=dz[:4 * H])
            _tanh_backward(torch.mul(dc, i[t], out=dz_g), g[t], grad_input=dz_g)
            torch.mul(dc, d[t], out=d_below_t[t]).addcmul_(dz_d, w_2)
            acc_1.addcmul_(dz_d, c_t[src])
            acc_2.addcmul_(dz_d, below_t[t])
            _backprop_matmuls(dz, z_t[src], dzr[src], w_hx_t, dw)
            dzs.reverse()
            dc, dc_next, nxt = dc_next, dc, t
        return (torch.stack([acc_1.sum(1), acc_2.sum(1)]),), d_below


class _NestedKernel(_Kernel):
    r""":class:`~sklstm.nn.cells.NestedLSTMCell` of any depth; gate blocks ``(i, f, o, g)``.

    Extras: the ``inner_weight`` of every inner level, then their
    ``inner_bias``; the kernel joins them as ``[W_k, b_k]``, read by a matmul
    with :math:`[\tilde{x}; \tilde{h}; 1]` like the outer level's. Every
    level keeps a ``(T + 1, 5H, N)`` buffer (level 0's is the activation
    buffer): the slot a step reads holds that step's gates followed by the
    level's memory before the step, :math:`m^k_{t-1}`, and the step writes
    the new memory into the slot it writes. The inner input
    :math:`[i \odot g, f \odot m]` is then one product of ``[i, f]`` with
    ``[g, m]``.
    """

    def prepare(self, extras):
        depth = len(extras) // 2
        return [torch.cat([w, b[:, None]], 1) for w, b in zip(extras[:depth], extras[depth:])]

    def restore(self, grads):
        return [dw[:, :-1] for dw in grads] + [dw[:, -1] for dw in grads]

    def double_candidate(self, extras, H):
        return [_double_candidate(w, H) for w in extras]

    def activations(self, T, H, N, like, reverse):
        return _state(T, 5 * H, N, like, reverse)

    @staticmethod
    def _levels(levels, inner, tm, reverse, n_sigmoid):
        """Per level, per step: gates, sigmoid rows, ``[i, f]``, ``[g, m]``, ``m`` before
        and after the step, ``tanh(m)``, ``i, f, o, g``, and the inner input the level
        writes (None for the innermost). Views are indexed by the step ``t``."""
        T, H = levels[0].shape[0] - 1, levels[0].shape[1] // 5
        out = []
        for k, buf in enumerate(levels):
            old, new = _old(buf, reverse), _new(buf, reverse)
            gates = old[:, :4 * H]
            per_step = _views(gates, gates[:, :n_sigmoid * H], old[:, :2 * H], old[:, 3 * H:],
                              old[:, 4 * H:], new[:, 4 * H:], tm[k])
            per_step += _blocks(gates, 4)
            per_step.append(inner[k].unbind(0) if k < len(inner) else [None] * T)
            out.append([tuple(views[t] for views in per_step) for t in range(T)])
        return out

    def forward(self, act, z, w, extras, below, reverse, tanh):
        depth = len(extras)
        T, N, H = act.shape[0] - 1, act.shape[2], act.shape[1] // 5
        levels = [act] + [_state(T, 5 * H, N, act, reverse) for _ in range(depth)]
        inner = [act.new_empty(T, 2 * H + 1, N) for _ in range(depth)]   # [x~; h~; 1]
        for buf in inner:
            buf[:, -1] = 1.0
        tm = [act.new_empty(T, H, N) for _ in range(depth + 1)]   # tanh of the new memories
        lv = self._levels(levels, inner, tm, reverse, tanh.sigmoid_rows(3, 1))
        z_t, h_t = _views(z, z[:, :H])
        for t, src, dst in _steps(T, reverse):
            torch.mm(w, z_t[src], out=lv[0][t][0])
            for k in range(depth + 1):
                _, sig, i_f, g_m, m_old, m_new, _, i, f, _, g, x_in = lv[k][t]
                sig.sigmoid_()
                tanh.candidate_(g)
                if k == depth:                                    # innermost: plain update
                    torch.mul(f, m_old, out=m_new).addcmul_(i, g)
                    break
                torch.mul(i_f, g_m, out=x_in[:2 * H])             # [i g, f m] -> level k + 1
                torch.mm(extras[k], x_in, out=lv[k + 1][t][0])
            for k in range(depth, -1, -1):                        # outputs, innermost first
                m_new, tm_k, _, _, o = lv[k][t][5:10]
                out = h_t[dst] if k == 0 else lv[k - 1][t][5]
                torch.mul(o, tanh(m_new, out=tm_k), out=out)
        return _new(act, reverse)[:, 4 * H:], (*levels[1:], *inner, *tm)

    def backward(self, saved, act, z, dz_rows, dw, w, extras, below, dhs, dcs, reverse):
        depth = len(extras)
        T, N, H = act.shape[0] - 1, act.shape[2], act.shape[1] // 5
        levels = [act, *saved[:depth]]
        inner, tm = saved[depth:2 * depth], saved[2 * depth:]
        lv = self._levels(levels, inner, tm, reverse, 3)
        w_hx_t = w[:, :-1].t()
        inner_t = [wk[:, :-1].t() for wk in extras]               # (2H, 4H)
        d_inner = [torch.zeros_like(wk) for wk in extras]
        z_t, dzr, dh_t = _views(z, dz_rows, dz_rows[:, :H])
        dz = [act.new_empty(4 * H, N) for _ in range(depth + 1)]
        dz_b = [buf.unflatten(0, (4, H)).unbind(0) for buf in dz]
        dm = [act.new_empty(H, N) for _ in range(depth + 1)]
        carry = [act.new_empty(H, N) for _ in range(depth + 1)]
        d_in = act.new_empty(2 * H, N)
        d_x, d_h = d_in[:H], d_in[H:]
        tmp = act.new_empty(H, N)
        first = True
        for t, src, dst in reversed(_steps(T, reverse)):
            dy = _complete_dh(dh_t[dst], dhs, t, first)
            for k in range(depth + 1):                            # down: o_k, dm_k
                tm_k, o = lv[k][t][6], lv[k][t][9]
                torch.mul(dy, tm_k, out=dz_b[k][2])
                _tanh_backward(torch.mul(dy, o, out=tmp), tm_k, grad_input=dm[k])
                if not first:
                    dm[k].add_(carry[k])
                if k == 0 and dcs is not None:
                    dm[k].add_(dcs[t])
                dy = dm[k]
            for k in range(depth, -1, -1):                        # up: i_k, f_k, g_k
                _, sig, _, g_m, m_old, _, _, i, f, _, g, x_in = lv[k][t]
                dz_i, dz_f, _, dz_g = dz_b[k]
                if k == depth:                                    # m = f m_old + i g
                    torch.mul(dm[k], g, out=dz_i)
                    torch.mul(dm[k], m_old, out=dz_f)
                    torch.mul(dm[k], i, out=dz_g)
                    torch.mul(dm[k], f, out=carry[k])
                else:                                             # through [i g, f m_old]
                    torch.mm(inner_t[k], dz[k + 1], out=d_in)
                    d_inner[k].addmm_(dz[k + 1], x_in.t())
                    torch.mul(d_in, g_m, out=dz[k][:2 * H])
                    torch.mul(d_x, i, out=dz_g)
                    torch.mul(d_h, f, out=carry[k])
                _sigmoid_backward(dz[k][:3 * H], sig, grad_input=dz[k][:3 * H])
                _tanh_backward(dz_g, g, grad_input=dz_g)
            _backprop_matmuls(dz[0], z_t[src], dzr[src], w_hx_t, dw)
            first = False
        return d_inner, None


LSTM, PEEPHOLE, CIFG, HIGHWAY, NESTED = (
    _LSTMKernel(), _PeepholeKernel(), _CIFGKernel(), _HighwayKernel(), _NestedKernel())


# ------------------------------------------------------------------- driver

def _forward(kernel, reverse, x, below, weight_ih, bias, weight_hh, extras):
    """Run ``kernel`` over ``x``.

    Returns ``h`` and ``c`` ``(N, T, H)``, then what backward needs: the
    joined weights, ``below``, the activations and ``z`` buffers; the extras
    as the kernel reads them; the kernel's own tensors.
    """
    N, T, F = x.shape
    H = weight_hh.shape[0]
    w = torch.cat([weight_hh.t(), weight_ih, bias[:, None]], 1)   # (G, H + F + 1)
    ext = kernel.prepare(extras)
    tanh = _Tanh(_tanh_via_sigmoid(x), x)
    # the forward loop reads the candidate rows doubled when tanh goes through
    # sigmoid; the backward loop reads the weights as they are
    w_f, ext_f = w, ext
    if tanh.via_sigmoid:
        w_f, ext_f = _double_candidate(w, H), kernel.double_candidate(ext, H)
    z = _state(T, H + F + 1, N, x, reverse)                       # slots of [h; x; 1]
    rows = _old(z, reverse)
    rows[:, H:H + F] = x.permute(1, 2, 0)
    rows[:, -1] = 1.0
    below_t = None if below is None else below.permute(1, 2, 0).contiguous()
    act = kernel.activations(T, H, N, x, reverse)
    cs, saved = kernel.forward(act, z, w_f, ext_f, below_t, reverse, tanh)
    hs = _new(z, reverse)[:, :H].permute(2, 0, 1)                 # (N, T, H) view
    return hs, cs.permute(2, 0, 1), (w, below_t, act, z), ext, saved


class _Layer(torch.autograd.Function):
    """One layer, one direction, as a single autograd node."""

    @staticmethod
    def forward(ctx, kernel, reverse, x, below, weight_ih, bias, weight_hh, *extras):
        ctx.set_materialize_grads(False)
        hs, cs, buffers, ext, saved = _forward(kernel, reverse, x, below, weight_ih, bias,
                                               weight_hh, extras)
        ctx.kernel, ctx.reverse, ctx.n_extras = kernel, reverse, len(ext)
        ctx.save_for_backward(*buffers, *ext, *saved)
        return hs, cs

    @staticmethod
    @once_differentiable
    def backward(ctx, dhs, dcs):
        kernel, reverse = ctx.kernel, ctx.reverse
        w, below, act, z, *rest = ctx.saved_tensors
        ext, saved = rest[:ctx.n_extras], rest[ctx.n_extras:]
        T, N = z.shape[0] - 1, z.shape[2]
        H = w.shape[0] // kernel.n_gates
        F = w.shape[1] - H - 1
        dz_rows = act.new_empty(T + 1, H + F, N)                  # gradients of [h; x] per slot
        dhs = None if dhs is None else dhs.permute(1, 2, 0).unbind(0)   # (H, N) per step
        dcs = None if dcs is None else dcs.permute(1, 2, 0).unbind(0)
        dw = torch.zeros_like(w)
        d_ext, d_below = kernel.backward(saved, act, z, dz_rows, dw, w, ext, below, dhs, dcs,
                                         reverse)
        need = ctx.needs_input_grad          # kernel, reverse, x, below, weights..., extras...
        dx = _old(dz_rows, reverse)[:, H:].permute(2, 0, 1) if need[2] else None
        d_below = d_below.permute(2, 0, 1) if need[3] and d_below is not None else None
        return (None, None, dx, d_below, dw[:, H:H + F], dw[:, -1], dw[:, :H].t(),
                *kernel.restore(d_ext))


def run_layer(kernel, reverse, x, below, weight_ih, bias, weight_hh, *extras):
    """Run one cell over ``x`` ``(N, T, F)``; return ``h`` and ``c``, both ``(N, T, H)``.

    When gradients are required the layer is one :class:`_Layer` node;
    otherwise the same forward loop runs and keeps nothing. ``below`` is the
    lower layer's ``c`` for highway cells, else None.
    """
    tensors = (x, below, weight_ih, bias, weight_hh, *extras)
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors):
        return _Layer.apply(kernel, reverse, *tensors)
    with torch.no_grad():
        hs, cs, *_ = _forward(kernel, reverse, *tensors[:5], tensors[5:])
    return hs, cs
