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
  then two matmuls: :math:`W^\top \partial z_t` added to the gradients of
  :math:`h_{t-1}` and :math:`x_t` (the driver starts them from the outputs'
  gradients, one copy instead of a strided add per step) and
  :math:`\partial W \mathrel{+}= \partial z_t [h_{t-1}; x_t; 1]^\top` (all
  weight and bias gradients). The peephole and nested kernels first compute,
  in bulk over all steps, every factor of :math:`\partial z_t` that does not
  depend on the recurrence (:math:`\sigma'`, :math:`1 - \tanh^2`, the
  products with the kept activations), so that their steps are a handful of
  in-place products and the matmuls.

The matmuls are most of the time at these sizes (hidden 64, batch 64: a
matmul of a step takes about as long as ten elementwise operations). One
matmul over all steps for :math:`\partial W`, after the loop, measured no
faster than one per step (the per-step matmuls already run near the CPU's
peak, and the whole-sequence one needs its operands copied into a
``(G, T N)`` layout), so the kernels keep one per step.

The equations are those of the cells' one-step ``forward``, which remains the
reference (the tests compare both, values and gradients) and the path used
while tracing or exporting.

Layout. Buffers are time-major and feature-major: step ``t`` of the gate
pre-activations is a ``(G, N)`` matrix, ``G`` gate rows by ``N`` samples, so
every gate block is contiguous (on a strided slice the same elementwise
operations take about twice as long). The cells store their sigmoid gates
first and the candidate last, so one ``sigmoid`` (forward) and one
``sigmoid_backward`` (backward) cover all sigmoid gates of a step; a kernel
may take the blocks in another order (the peephole kernel puts its output
gate, which waits for :math:`c_t`, last), the driver permuting the rows of
the weights and of their gradient. A state
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
def _candidate_scale(G, H, dtype, device, block=-1):
    """``(G, 1)``: 1 for the gate rows, 2 for the rows of block ``block`` (the candidate's)."""
    scale = torch.ones(G // H, H, 1, dtype=dtype, device=device)
    scale[block] = 2.0
    return scale.view(G, 1)


def _double_candidate(w, H, block=-1):
    """A copy of ``w`` ``(G, K)`` with the ``H`` rows of block ``block`` (the candidate's,
    by default the last) doubled."""
    return w * _candidate_scale(w.shape[0], H, w.dtype, w.device, block)


def _reorder(w, blocks):
    """``w`` ``(G, K)`` with its row blocks taken in the order ``blocks`` (a copy)."""
    return w.view(len(blocks), -1, w.shape[1])[list(blocks)].view(w.shape)


def _feature_major(a, out=None):
    """``a`` ``(N, T, H)`` as ``(T, H, N)``: copied into ``out``, or a contiguous tensor.

    From a sample-major ``a`` the copy goes through ``(T, N, H)``: two passes
    whose inner loops stay in cache, about four times faster than one
    transposing copy.
    """
    if a.stride(0) == 1:                                          # already feature-major
        a = a.permute(1, 2, 0)
    else:
        a = a.transpose(0, 1).contiguous().transpose(1, 2)
    return a.contiguous() if out is None else out.copy_(a)


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
    r"""Forward and backward loops of one cell type, gate blocks in the cell's order
    (or in the order :attr:`blocks` gives, the driver permuting the rows of the
    weights and of their gradient).

    ``forward(act, z, w, extras, below, reverse, tanh)`` fills ``act`` (from
    :meth:`activations`) with the activations and the hidden-state rows of
    ``z`` ``(T + 1, H + F + 1, N)`` (slots of :math:`[h; x; 1]`, the ``x`` and
    ``1`` rows already in place), and returns the cell states ``(T, H, N)``
    and the tensors its backward needs. ``w`` is :math:`[W_{hh}^\top, W_{ih},
    b]` ``(G, H + F + 1)``.

    ``backward(saved, act, z, dz_rows, dw, w, extras, below, dcs, reverse)``
    runs the steps in reverse. ``dz_rows`` ``(T + 1, H + F, N)`` holds the
    gradients of the ``[h; x]`` rows of every slot, the ``h`` rows filled in
    with the outputs' gradients (zero where there are none); a step reads the
    gradient of its hidden state from the slot it wrote, complete by then,
    computes :math:`\partial z_t`, and ends with :func:`_backprop_matmuls`,
    which adds to the slot it read and to ``dw``. ``dcs`` are per-step
    ``(H, N)`` contiguous copies of the cell states' gradients, or None. It
    returns the gradients of the extras and of ``below``.
    """

    n_gates = 4
    #: the kernel's gate blocks as indices into the cell's, when they differ
    blocks = None
    #: the candidate's block in the kernel's order
    candidate = -1

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


def _backprop_matmuls(dz, z_src_t, dz_src, w_hx_t, dw):
    r"""The two matmuls of a backward step: :math:`W^\top \partial z` added to the
    ``[h; x]`` gradient of the slot read, :math:`\partial z [h; x; 1]^\top` added to ``dw``.

    ``z_src_t`` is the slot read, transposed ``(N, H + F + 1)``. The slot's
    gradient already holds the output's gradient of the step that wrote it
    (the driver fills them in), so the sum is the complete gradient of
    :math:`h_{t-1}` when the step before in time is processed.
    """
    dz_src.addmm_(w_hx_t, dz)
    dw.addmm_(dz, z_src_t)


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

    def backward(self, saved, act, z, dz_rows, dw, w, extras, below, dcs, reverse):
        c, tc = saved
        T, G, N = act.shape
        H = G // 4
        w_hx_t = w[:, :-1].t()
        i, f, o, g = _blocks(act, 4)
        sig, z_tt, dzr, dh_t, c_t, tc_t = _views(act[:, :3 * H], z.transpose(1, 2), dz_rows,
                                                 dz_rows[:, :H], c, tc)
        dz = act.new_empty(G, N)
        dz_i, dz_f, dz_o, dz_g = dz.unflatten(0, (4, H)).unbind(0)
        dc, dc_next = _pair(act, H, N)
        tmp = act.new_empty(H, N)
        nxt = None
        for t, src, dst in reversed(_steps(T, reverse)):
            dh = dh_t[dst]
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
            _backprop_matmuls(dz, z_tt[src], dzr[src], w_hx_t, dw)
            dc, dc_next, nxt = dc_next, dc, t
        return (), None


class _PeepholeKernel(_Kernel):
    r""":class:`~sklstm.nn.cells.PeepholeLSTMCell`; extras ``(peephole_if, peephole_o)``.

    The kernel's gate blocks are ``(i, f, g, o)``, and the activation buffer
    ``(T, 5H, N)`` keeps :math:`\tanh(c_t)` right after them. One ``sigmoid``
    covers ``i``, ``f`` and (through sigmoid) the candidate; the output gate,
    which waits for :math:`c_t`, and :math:`\tanh(c_t)` then take one
    ``addcmul`` (``[o; 0] += [p_o; s] c_t``, ``s`` 2 through sigmoid, else 1)
    and one ``sigmoid`` together.

    The backward pass computes the factors of :math:`\partial z` that do not
    depend on the recurrence in bulk, over all steps, before its loop:
    :math:`\partial z^o_t = \partial h_t \odot \sigma'(o_t) \tanh(c_t)`,
    :math:`\partial z^{i,f,g}_t = \partial c_t \odot [g_t \sigma'(i_t),
    c_{t-1} \sigma'(f_t), i_t (1 - g_t^2)]` and :math:`\partial c_t =
    \partial h_t \odot q_t + \partial c_{t+1} \odot r_{t+1}`, so a step is
    four elementwise operations and the two matmuls.
    """

    blocks = (0, 1, 3, 2)                                          # i, f, g, o of (i, f, o, g)
    candidate = 2

    def activations(self, T, H, N, like, reverse):
        act = like.new_empty(T, 5 * H, N)
        act[:, 4 * H:] = 0.0                                      # tanh(c) rows: see forward
        return act

    def forward(self, act, z, w, extras, below, reverse, tanh):
        T, N, H = act.shape[0], act.shape[2], act.shape[1] // 5
        p_if = extras[0].unsqueeze(-1)                            # (2, H, 1)
        p_otc = torch.stack([extras[1], torch.full_like(extras[1], 1.0 + tanh.via_sigmoid)])
        p_otc = p_otc.unsqueeze(-1)                               # (2, H, 1): p_o, s
        c = _state(T, H, N, act, reverse)
        gates, sig, i_f, otc, z_t, h_t, c_t = _views(
            act[:, :4 * H], act[:, :tanh.sigmoid_rows(2, H)],
            act[:, :2 * H].unflatten(1, (2, H)), act[:, 3 * H:].unflatten(1, (2, H)), z,
            z[:, :H], c)
        i, f, g, o, tc = _blocks(act, 5)
        o_sig = otc if tanh.via_sigmoid else o                    # what the second sigmoid covers
        for t, src, dst in _steps(T, reverse):
            torch.mm(w, z_t[src], out=gates[t])                   # (4H, N): i, f, g, o
            i_f[t].addcmul_(p_if, c_t[src])                       # p_i c_{t-1}, p_f c_{t-1}
            sig[t].sigmoid_()                                     # i, f (, g)
            tanh.candidate_(g[t])
            torch.mul(f[t], c_t[src], out=c_t[dst]).addcmul_(i[t], g[t])
            otc[t].addcmul_(p_otc, c_t[dst])                      # o sees c_t; s c_t
            o_sig[t].sigmoid_()
            tanh.candidate_(tc[t])                                # tanh(c_t)
            torch.mul(o[t], tc[t], out=h_t[dst])
        return _new(c, reverse), (c,)

    def backward(self, saved, act, z, dz_rows, dw, w, extras, below, dcs, reverse):
        p_i, p_f, p_o = extras[0][0, :, None], extras[0][1, :, None], extras[1][:, None]
        (c,) = saved
        T, N, H = act.shape[0], act.shape[2], act.shape[1] // 5
        w_hx_t = w[:, :-1].t()
        c_old, c_new = _old(c, reverse), _new(c, reverse)
        i, f, g, o, tc = act.unflatten(1, (5, H)).unbind(1)       # (T, H, N) each
        # dz_t = fac_t * (dc_t for i, f, g; dh_t for o): the factors in bulk, and
        # the steps turn them into dz in place
        fac = act.new_empty(T, 4 * H, N)
        fi, ff, fg, fo = fac.unflatten(1, (4, H)).unbind(1)
        torch.addcmul(act[:, :2 * H], act[:, :2 * H], act[:, :2 * H], value=-1.0,
                      out=fac[:, :2 * H])                         # sigma' = y - y^2
        fi.mul_(g)                                                # g sigma'(i)
        ff.mul_(c_old)                                            # c_{t-1} sigma'(f)
        _tanh_backward(i, g, grad_input=fg)                       # i (1 - g^2)
        torch.addcmul(o, o, o, value=-1.0, out=fo).mul_(tc)       # sigma'(o) tanh(c_t)
        # dc_t = dh_t q_t + dc_{t+1} r_{t+1}: through tanh c_t and o's peephole,
        # and from step t + 1 through f and the peepholes of i and f
        q = torch.addcmul(o, _new(z, reverse)[:, :H], tc, value=-1.0)   # o - h tanh c
        q.addcmul_(fo, p_o)
        r = torch.addcmul(f, fi, p_i).addcmul_(ff, p_f)
        fac_t, fifg_t, fo_t, q_t, r_t, z_tt, dzr, dh_t = _views(
            fac, fac[:, :3 * H].unflatten(1, (3, H)), fo, q, r, z.transpose(1, 2), dz_rows,
            dz_rows[:, :H])
        dc, dc_next = _pair(act, H, N)
        nxt = None
        for t, src, dst in reversed(_steps(T, reverse)):
            dh = dh_t[dst]
            fo_t[t].mul_(dh)                                      # dz_o
            torch.mul(dh, q_t[t], out=dc)
            if nxt is not None:
                dc.addcmul_(dc_next, r_t[nxt])
            if dcs is not None:
                dc.add_(dcs[t])
            fifg_t[t].mul_(dc)                                    # dz_i, dz_f, dz_g
            _backprop_matmuls(fac_t[t], z_tt[src], dzr[src], w_hx_t, dw)
            dc, dc_next, nxt = dc_next, dc, t
        # the peepholes' gradients: dz_i c_{t-1}, dz_f c_{t-1}, dz_o c_t, summed
        d_if = (fac[:, :2 * H].unflatten(1, (2, H)) * c_old.unsqueeze(1)).sum((0, 3))
        return (d_if, (fo * c_new).sum((0, 2))), None


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

    def backward(self, saved, act, z, dz_rows, dw, w, extras, below, dcs, reverse):
        c, tc = saved
        T, G, N = act.shape
        H = G // 3
        w_hx_t = w[:, :-1].t()
        i, o, g = _blocks(act, 3)
        sig, z_tt, dzr, dh_t, c_t, tc_t = _views(act[:, :2 * H], z.transpose(1, 2), dz_rows,
                                                 dz_rows[:, :H], c, tc)
        dz = act.new_empty(G, N)
        dz_i, dz_o, dz_g = dz.unflatten(0, (3, H)).unbind(0)
        dc, dc_next = _pair(act, H, N)
        tmp = act.new_empty(H, N)
        nxt = None
        for t, src, dst in reversed(_steps(T, reverse)):
            dh = dh_t[dst]
            _tanh_backward(torch.mul(dh, o[t], out=tmp), tc_t[t], grad_input=dc)
            if nxt is not None:                                   # (1 - i_{t+1}) dc_{t+1}
                dc.add_(dc_next).addcmul_(dc_next, i[nxt], value=-1.0)
            if dcs is not None:
                dc.add_(dcs[t])
            torch.mul(dh, tc_t[t], out=dz_o)
            torch.sub(g[t], c_t[src], out=dz_i).mul_(dc)          # dc (g - c_{t-1})
            _sigmoid_backward(dz[:2 * H], sig[t], grad_input=dz[:2 * H])
            _tanh_backward(torch.mul(dc, i[t], out=dz_g), g[t], grad_input=dz_g)
            _backprop_matmuls(dz, z_tt[src], dzr[src], w_hx_t, dw)
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

    def backward(self, saved, act, z, dz_rows, dw, w, extras, below, dcs, reverse):
        w_1, w_2 = extras[0].unsqueeze(-1)
        c, tc = saved
        T, G, N = act.shape
        H = G // 5
        w_hx_t = w[:, :-1].t()
        i, f, o, d, g = _blocks(act, 5)
        d_below = torch.empty_like(below)
        sig, z_tt, dzr, dh_t, c_t, tc_t, below_t, d_below_t = _views(
            act[:, :4 * H], z.transpose(1, 2), dz_rows, dz_rows[:, :H], c, tc, below, d_below)
        dzs = _pair(act, G, N, split=5)
        dc, dc_next = _pair(act, H, N)
        tmp = act.new_empty(H, N)
        acc_1, acc_2 = act.new_zeros(H, N), act.new_zeros(H, N)
        nxt = None
        for t, src, dst in reversed(_steps(T, reverse)):
            (dz, (dz_i, dz_f, dz_o, dz_d, dz_g)), (_, (_, _, _, dz_d_next, _)) = dzs
            dh = dh_t[dst]
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
            _backprop_matmuls(dz, z_tt[src], dzr[src], w_hx_t, dw)
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

    The backward pass computes, in bulk before its loop, every level's
    factors of :math:`\partial z` that do not depend on the recurrence, in a
    ``(T, 5H, N)`` buffer: ``(i, f, o, g)`` rows :math:`[g \sigma'(i), m_{t-1}
    \sigma'(f), \tanh(m_t) \sigma'(o), i (1 - g^2)]`, and the carry row
    :math:`f` (the gradient reaching :math:`m_{t-1}`), with :math:`q = o
    \odot (1 - \tanh^2 m_t)`. A step multiplies them in place by the
    gradients of the level's output (``o``) and of its update (the rest, two
    blocks at a time), which leaves :math:`\partial z` and the carry there,
    and gets a memory's gradient in one ``addcmul``,
    :math:`\partial m = \partial y \odot q + \mathrm{carry}`.
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

    def forward(self, act, z, w, extras, below, reverse, tanh):
        depth = len(extras)
        T, N, H = act.shape[0] - 1, act.shape[2], act.shape[1] // 5
        levels = [act] + [_state(T, 5 * H, N, act, reverse) for _ in range(depth)]
        inner = [act.new_empty(T, 2 * H + 1, N) for _ in range(depth)]   # [x~; h~; 1]
        for buf in inner:
            buf[:, -1] = 1.0
        tm = act.new_empty(depth + 1, T, H, N)                    # tanh of the new memories
        # per level, per step (time order): gates, sigmoid rows, [i, f] and [g, m]
        # (2, H, N), m before and after, tanh(m), i, f, o, g, the inner input
        # the level writes, whole and its (2, H, N) products (None: innermost)
        steps = sorted(_steps(T, reverse))
        lv = []
        for k, buf in enumerate(levels):
            old = _old(buf, reverse)
            block = buf.view(-1, H, N).unbind(0)                  # 5 per slot: i, f, o, g, m
            gates, sig, i_f, g_m, tm_k = _views(
                old[:, :4 * H], old[:, :tanh.sigmoid_rows(3, H)],
                old[:, :2 * H].unflatten(1, (2, H)), old[:, 3 * H:].unflatten(1, (2, H)), tm[k])
            x_in = x_prod = [None] * T
            if k < depth:
                x_in, x_prod = _views(inner[k], inner[k][:, :2 * H].unflatten(1, (2, H)))
            lv.append([(gates[t], sig[t], i_f[t], g_m[t], block[5 * src + 4], block[5 * dst + 4],
                        tm_k[t], *block[5 * src:5 * src + 4], x_in[t], x_prod[t])
                       for t, src, dst in steps])
        z_t, h_t = _views(z, z[:, :H])
        for t, src, dst in _steps(T, reverse):
            torch.mm(w, z_t[src], out=lv[0][t][0])
            for k in range(depth + 1):
                _, sig, i_f, g_m, m_old, m_new, _, i, f, _, g, x_in, x_prod = lv[k][t]
                sig.sigmoid_()
                tanh.candidate_(g)
                if k == depth:                                    # innermost: plain update
                    torch.mul(f, m_old, out=m_new).addcmul_(i, g)
                    break
                torch.mul(i_f, g_m, out=x_prod)                   # [i g, f m] -> level k + 1
                torch.mm(extras[k], x_in, out=lv[k + 1][t][0])
            for k in range(depth, -1, -1):                        # outputs, innermost first
                m_new, tm_k, _, _, o = lv[k][t][5:10]
                out = h_t[dst] if k == 0 else lv[k - 1][t][5]
                torch.mul(o, tanh(m_new, out=tm_k), out=out)
        return _new(act, reverse)[:, 4 * H:], (*levels[1:], *inner, tm)

    def backward(self, saved, act, z, dz_rows, dw, w, extras, below, dcs, reverse):
        depth = len(extras)
        T, N, H = act.shape[0] - 1, act.shape[2], act.shape[1] // 5
        levels, inner, tm = [act, *saved[:depth]], saved[depth:2 * depth], saved[2 * depth]
        fac = act.new_empty(depth + 1, T, 5 * H, N)
        q = act.new_empty(depth + 1, T, H, N)
        views = []
        for k, buf in enumerate(levels):                          # the factors, in bulk
            old, fk = _old(buf, reverse), fac[k]
            i, f, o, g = old[:, :4 * H].unflatten(1, (4, H)).unbind(1)
            torch.addcmul(old[:, :3 * H], old[:, :3 * H], old[:, :3 * H], value=-1.0,
                          out=fk[:, :3 * H])                      # sigma' = y - y^2
            fk[:, :2 * H].mul_(old[:, 3 * H:])                    # [g, m_{t-1}] sigma'
            fk[:, 2 * H:3 * H].mul_(tm[k])                        # tanh(m_t) sigma'(o)
            _tanh_backward(i, g, grad_input=fk[:, 3 * H:4 * H])   # i (1 - g^2)
            fk[:, 4 * H:] = f                                     # carry: f
            out = _new(z, reverse)[:, :H] if k == 0 else _new(levels[k - 1], reverse)[:, 4 * H:]
            torch.addcmul(o, out, tm[k], value=-1.0, out=q[k])   # o - o tanh^2
            views.append(_views(fk[:, :4 * H], fk[:, 2 * H:3 * H], fk[:, 4 * H:], q[k],
                                fk[:, :2 * H].unflatten(1, (2, H)),
                                fk[:, 3 * H:].unflatten(1, (2, H))))
        w_hx_t = w[:, :-1].t()
        inner_t = [wk[:, :-1].t() for wk in extras]               # (2H, 4H)
        d_inner = [torch.zeros_like(wk) for wk in extras]
        x_in_t = [buf.transpose(1, 2).unbind(0) for buf in inner]
        z_tt, dzr, dh_t = _views(z.transpose(1, 2), dz_rows, dz_rows[:, :H])
        dm = [act.new_empty(H, N) for _ in range(depth + 1)]
        d_in = act.new_empty(2, H, N)                             # [d x~, d h~]
        nxt = None
        for t, src, dst in reversed(_steps(T, reverse)):
            dy = dh_t[dst]
            for k in range(depth + 1):                            # down: o_k, dm_k
                _, dz_o, carry, q_k, _, _ = views[k]
                dz_o[t].mul_(dy)
                if nxt is None:
                    torch.mul(dy, q_k[t], out=dm[k])
                else:
                    torch.addcmul(carry[nxt], dy, q_k[t], out=dm[k])
                if k == 0 and dcs is not None:
                    dm[k].add_(dcs[t])
                dy = dm[k]
            for k in range(depth, -1, -1):                        # up: i_k, f_k, g_k
                _, _, _, _, dz_if, dz_gc = views[k]
                if k == depth:                                    # m = f m_old + i g
                    d_prod = dm[k]
                else:                                             # through [i g, f m_old]
                    dz_next = views[k + 1][0][t]
                    torch.mm(inner_t[k], dz_next, out=d_in.view(2 * H, N))
                    d_inner[k].addmm_(dz_next, x_in_t[k][t])
                    d_prod = d_in
                dz_if[t].mul_(d_prod)                             # i, f
                dz_gc[t].mul_(d_prod)                             # g, and the carry
            _backprop_matmuls(views[0][0][t], z_tt[src], dzr[src], w_hx_t, dw)
            nxt = t
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
    if kernel.blocks is not None:                                 # rows in the kernel's order
        w = _reorder(w, kernel.blocks)
    ext = kernel.prepare(extras)
    tanh = _Tanh(_tanh_via_sigmoid(x), x)
    # the forward loop reads the candidate rows doubled when tanh goes through
    # sigmoid; the backward loop reads the weights as they are
    w_f, ext_f = w, ext
    if tanh.via_sigmoid:
        w_f, ext_f = _double_candidate(w, H, kernel.candidate), kernel.double_candidate(ext, H)
    z = _state(T, H + F + 1, N, x, reverse)                       # slots of [h; x; 1]
    rows = _old(z, reverse)
    rows[:, H:H + F] = x.permute(1, 2, 0)
    rows[:, -1] = 1.0
    below_t = None if below is None else _feature_major(below)
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
        # gradients of [h; x] per slot; the steps add to them, starting from the
        # outputs' gradients (one copy here rather than a strided add per step)
        dz_rows = act.new_zeros(T + 1, H + F, N)
        if dhs is not None:
            _feature_major(dhs, out=_new(dz_rows, reverse)[:, :H])
        dcs = None if dcs is None else _feature_major(dcs).unbind(0)
        dw = torch.zeros_like(w)
        d_ext, d_below = kernel.backward(saved, act, z, dz_rows, dw, w, ext, below, dcs, reverse)
        if kernel.blocks is not None:                             # back to the cell's order
            blocks = kernel.blocks
            dw = _reorder(dw, sorted(range(len(blocks)), key=blocks.__getitem__))
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
