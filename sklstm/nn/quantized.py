r"""Quantization-aware LSTM: fake quantization for training, integer weights for use.

Two modules share one time loop (:func:`lstm_loop`):

* :class:`QATLSTMNet` trains float weights through *fake quantization*: every
  forward pass rounds the weights to ``bits``-bit integers times a per-row
  scale and back, and the backward pass treats the rounding as the identity
  (the straight-through estimator of Hubara et al. 2016). Gate
  pre-activations and hidden states are fake-quantized too, at
  ``activation_bits``, with ranges from :class:`ActivationObserver`.
* :class:`IntegerLSTMNet` holds only what a deployed model needs: the weights
  as integers (``int8``, or 4-bit and 2-bit values packed two and four per
  byte), their ``float16`` scales, the biases and the frozen activation
  ranges. Its forward pass unpacks and dequantizes the weights and runs the
  same loop, so it reproduces the training module's eval-mode output.

Weights (symmetric, per output row :math:`r`, :math:`q_{max} = 2^{b-1} - 1`):

.. math::

    s_r = \frac{\max_k |W_{rk}|}{q_{max}}, \qquad
    Q_{rk} = \mathrm{clamp}\big(\lfloor W_{rk} / s_r \rceil, -q_{max}, q_{max}\big),
    \qquad \hat{W}_{rk} = s_r Q_{rk}

with :math:`s_r` rounded to ``float16`` (as stored), so :math:`|W - \hat{W}|
\le s_r / 2` up to that rounding. Two bits give the ternary values
:math:`\{-1, 0, 1\}`.

Activations (affine, per tensor, range :math:`[lo, hi] \ni 0` from the
observer, :math:`n = 2^{b} - 1` steps):

.. math::

    s = \frac{hi - lo}{n}, \qquad
    \hat{x} = s \, \big\lfloor \mathrm{clamp}(x, lo', hi') / s \big\rceil

where :math:`lo' = -s \lfloor -lo / s \rceil` and :math:`hi' = lo' + n s` put
zero exactly on the grid. The gradient passes where :math:`lo' \le x \le hi'`
and is zero outside (clipped straight-through estimator).

The LSTM step (gate order i, f, o, g so that one sigmoid covers three gates):

.. math::

    \begin{array}{ll}
    z_t = \mathrm{fq}\big(\hat{W}_x x_t + \hat{W}_h h_{t-1} + b\big) \\
    i_t, f_t, o_t = \sigma(z_t^{i}), \sigma(z_t^{f}), \sigma(z_t^{o}), \quad
    g_t = \tanh(z_t^{g}) = 2 \sigma(2 z_t^{g}) - 1 \\
    c_t = f_t \odot c_{t-1} + i_t \odot g_t \\
    h_t = \mathrm{fq}\big(o_t \odot \tanh(c_t)\big)
    \end{array}
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import check_dropout, check_sizes
from ._init import init_uniform_

__all__ = [
    "quantize_weight", "dequantize_weight", "fake_quantize_weight", "pack_int",
    "unpack_int", "ActivationObserver", "QATLSTMNet", "IntegerLSTMNet", "lstm_loop",
]

#: Bit widths the weights may use; 4 and 2 bits are packed into bytes.
WEIGHT_BITS = (8, 4, 2)


def _qmax(bits):
    return 2 ** (bits - 1) - 1


def _row_scale(weight, bits):
    """Per-row symmetric scale, rounded to float16 as it is stored. Shape ``(R, 1)``.

    The scale is at least the smallest normal float16, 2**-14: a row whose
    largest weight is below ``qmax * 2**-14`` (0.0078 at 8 bits) uses fewer
    than ``qmax`` levels rather than a subnormal scale.
    """
    amax = weight.detach().abs().amax(dim=1, keepdim=True)
    scale = (amax / _qmax(bits)).clamp_min(2.0 ** -14)   # smallest normal float16
    return scale.half().float()


def quantize_weight(weight, bits):
    """Quantize a 2-D weight per row: integers and their scales.

    Parameters
    ----------
    weight : Tensor of shape (R, K)
    bits : {8, 4, 2}

    Returns
    -------
    q : int8 Tensor of shape (R, K)
        Values in ``[-(2**(bits-1) - 1), 2**(bits-1) - 1]``.
    scale : float16 Tensor of shape (R,)

    Examples
    --------
    >>> import torch
    >>> q, scale = quantize_weight(torch.tensor([[0.5, -1.0], [0.1, 0.2]]), bits=8)
    >>> q
    tensor([[  64, -127],
            [  64,  127]], dtype=torch.int8)
    """
    scale = _row_scale(weight, bits)
    q = torch.round(weight.detach() / scale).clamp_(-_qmax(bits), _qmax(bits))
    return q.to(torch.int8), scale.squeeze(1).half()


def dequantize_weight(q, scale):
    """``q * scale`` per row, as float32: the inverse of :func:`quantize_weight`."""
    return q.float() * scale.float().unsqueeze(1)


def fake_quantize_weight(weight, bits):
    """Round ``weight`` to its quantized values; the gradient passes unchanged.

    The forward value is ``dequantize_weight(*quantize_weight(weight, bits))``;
    the backward pass is the identity (straight-through estimator).
    """
    scale = _row_scale(weight, bits)
    rounded = torch.round(weight / scale).clamp(-_qmax(bits), _qmax(bits)) * scale
    return weight + (rounded - weight).detach()


def pack_int(q, bits):
    """Pack signed ``bits``-bit integers into bytes.

    Parameters
    ----------
    q : int8 Tensor
        Values in ``[-(2**(bits-1)), 2**(bits-1) - 1]``.
    bits : {8, 4, 2}
        8 returns ``q`` itself (flattened); 4 and 2 store two and four values
        per ``uint8``, the first value in the lowest bits.

    Returns
    -------
    packed : 1-D Tensor, int8 (8 bits) or uint8, of ``ceil(q.numel() * bits / 8)`` bytes

    Examples
    --------
    >>> import torch
    >>> q = torch.tensor([-1, 0, 1, -2, 3], dtype=torch.int8)
    >>> packed = pack_int(q, 4)
    >>> packed.numel()
    3
    >>> unpack_int(packed, 4, q.shape).tolist()
    [-1, 0, 1, -2, 3]
    """
    q = q.reshape(-1)
    if bits == 8:
        return q.clone()
    per_byte = 8 // bits
    offset = 2 ** (bits - 1)
    unsigned = (q.to(torch.int16) + offset).to(torch.uint8)        # [0, 2**bits)
    pad = (-unsigned.numel()) % per_byte
    unsigned = torch.cat([unsigned, unsigned.new_zeros(pad)]).reshape(-1, per_byte)
    shifts = torch.arange(0, 8, bits, dtype=torch.uint8, device=q.device)
    return (unsigned << shifts).sum(dim=1, dtype=torch.uint8)


def unpack_int(packed, bits, shape):
    """Inverse of :func:`pack_int`: the int8 values, in ``shape``."""
    shape = torch.Size(shape)
    if bits == 8:
        return packed.reshape(shape)
    shifts = torch.arange(0, 8, bits, dtype=torch.uint8, device=packed.device)
    unsigned = (packed.unsqueeze(1) >> shifts) & (2 ** bits - 1)   # (bytes, per_byte)
    values = unsigned.reshape(-1)[:shape.numel()].to(torch.int8) - 2 ** (bits - 1)
    return values.reshape(shape)


def _activation_grid(lo, hi, bits):
    """Step and clamp bounds of the affine grid over ``[lo, hi]``, zero on the grid."""
    levels = 2 ** bits - 1
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    step = max(hi - lo, 1e-8) / levels
    low = -step * round(-lo / step)
    return step, low, low + levels * step


class _ActivationQuantizer:
    """Fake-quantize to a fixed grid; the clipped straight-through estimator backward."""

    def __init__(self, lo, hi, bits):
        self.step, self.low, self.high = _activation_grid(lo, hi, bits)
        self.inv_step = 1.0 / self.step

    def __call__(self, x):
        x = x.clamp(self.low, self.high)
        rounded = torch.round(x * self.inv_step) * self.step
        return rounded if not x.requires_grad else x + (rounded - x).detach()


def _identity(x):
    return x


class ActivationObserver(nn.Module):
    """Tracks the range of an activation, then freezes it.

    For the first ``warmup`` training forward passes the observer only
    watches: it records the minimum and maximum of each pass and keeps an
    exponential moving average of them (the first pass sets them). After
    ``warmup`` passes the range is frozen and activations are
    fake-quantized to ``bits`` bits over it, in training and in eval mode. In
    eval mode an observer that has watched at least one pass quantizes over
    its current range; one that has seen nothing passes values through.

    Parameters
    ----------
    bits : int
        Activation bit width.
    warmup : int
        Training forward passes before the range freezes.
    momentum : float, default=0.1
        Weight of the newest pass in the moving average.

    Attributes
    ----------
    range : Tensor of shape (2,)
        ``[lo, hi]`` (a buffer, saved in the state dict).
    passes : Tensor
        Training passes observed so far (a buffer).
    """

    def __init__(self, bits, warmup, momentum=0.1):
        super().__init__()
        self.bits = bits
        self.warmup = warmup
        self.momentum = momentum
        self.register_buffer("range", torch.zeros(2))
        self.register_buffer("passes", torch.zeros((), dtype=torch.long))
        self._seen = None

    @property
    def frozen(self):
        return int(self.passes) >= self.warmup

    def quantizer(self):
        """The function to apply to this activation in this pass (None: leave it)."""
        if self.training and not self.frozen:
            self._seen = None
            return self._watch
        if int(self.passes) == 0:
            return None
        lo, hi = self.range.tolist()
        return _ActivationQuantizer(lo, hi, self.bits)

    def _watch(self, x):
        lo, hi = x.detach().aminmax()
        seen = torch.stack([lo, hi])
        if self._seen is None:
            self._seen = seen
        else:
            self._seen = torch.stack([torch.minimum(self._seen[0], lo),
                                      torch.maximum(self._seen[1], hi)])
        return x

    def commit(self):
        """End a training pass: fold the pass's range into the average."""
        if self._seen is None:
            return
        with torch.no_grad():
            if int(self.passes) == 0:
                self.range.copy_(self._seen)
            else:
                self.range.lerp_(self._seen, self.momentum)
            self.passes += 1
        self._seen = None

    def extra_repr(self):
        return f"bits={self.bits}, warmup={self.warmup}"


def lstm_loop(x, weight, bias, gate_q=None, hidden_q=None):
    """Run one LSTM layer over ``x`` with (de)quantized weights.

    Parameters
    ----------
    x : Tensor of shape (N, T, F)
    weight : Tensor of shape (4H, F + H)
        ``[W_x | W_h]``, gate rows in the order i, f, o, g.
    bias : Tensor of shape (4H,)
    gate_q, hidden_q : callable or None
        Applied to the gate pre-activations ``(N, 4H)`` and to the hidden
        state ``(N, H)`` at every step; ``None`` leaves them in float. When
        both are ``None`` the layer runs on PyTorch's fused LSTM kernel
        instead of the Python time loop (same equations, float32 rounding
        apart).

    Returns
    -------
    h : Tensor of shape (N, T, H)
    """
    if gate_q is None and hidden_q is None:
        return _fused_lstm(x, weight, bias)
    gate_q, hidden_q = gate_q or _identity, hidden_q or _identity
    n_in = x.shape[2]
    H = weight.shape[0] // 4
    xw = F.linear(x, weight[:, :n_in], bias).unbind(1)           # T x (N, 4H)
    w_h = weight[:, n_in:].t().contiguous()                       # (H, 4H)
    # One sigmoid covers every block, the candidate block at twice its input,
    # because tanh(z) = 2 sigmoid(2 z) - 1 and torch.tanh is the slow kernel
    # on CPU. The two tanh's are folded into addcmul's (no scalar tensors):
    #   c = f c + i (2 s_g - 1) = (f c - i) + 2 i s_g
    #   h = o (2 sigmoid(2 c) - 1) = 2 o sigmoid(2 c) - o
    doubled = torch.ones(4 * H, dtype=x.dtype, device=x.device)
    doubled[3 * H:] = 2.0
    h = c = x.new_zeros(x.shape[0], H)
    hs = []
    for xw_t in xw:
        z = gate_q(torch.addmm(xw_t, h, w_h))                     # (N, 4H)
        i, f, o, s_g = torch.sigmoid(z * doubled).chunk(4, 1)
        c = torch.addcmul(torch.addcmul(-i, f, c), i, s_g, value=2)
        h = hidden_q(torch.addcmul(-o, o, torch.sigmoid(c + c), value=2))
        hs.append(h)
    return torch.stack(hs, 1)


def _fused_lstm(x, weight, bias):
    """:func:`lstm_loop` without activation quantization, on ``torch.lstm``."""
    return _torch_lstm(x, *_torch_lstm_params(weight, bias, x.shape[2]))


def _torch_lstm_params(weight, bias, n_in):
    """``[W_x | W_h]`` and ``b`` in gate order i, f, o, g -> torch's parameters.

    Returns ``W_ih (4H, F)``, ``W_hh (4H, H)``, ``b_ih``, ``b_hh`` in torch's gate
    order i, f, g, o; ``b_ih`` holds the whole bias and ``b_hh`` is zero.
    """
    H = weight.shape[0] // 4
    ifgo = torch.cat([torch.arange(2 * H), torch.arange(3 * H, 4 * H),
                      torch.arange(2 * H, 3 * H)]).to(weight.device)
    weight, bias = weight[ifgo], bias[ifgo]
    return weight[:, :n_in], weight[:, n_in:], bias, torch.zeros_like(bias)


def _torch_lstm(x, weight_ih, weight_hh, bias_ih, bias_hh):
    """One unidirectional LSTM layer over batch-first ``x``: hidden states ``(N, T, H)``."""
    h0 = x.new_zeros(1, x.shape[0], weight_hh.shape[1])
    h, _, _ = torch.lstm(x, (h0, h0), [weight_ih, weight_hh, bias_ih, bias_hh],
                         has_biases=True, num_layers=1, dropout=0.0, train=False,
                         bidirectional=False, batch_first=True)
    return h


def _check_bits(bits, activation_bits):
    if bits not in WEIGHT_BITS:
        raise ValueError(f"bits must be one of {WEIGHT_BITS}, got {bits!r}")
    if activation_bits is not None and not (isinstance(activation_bits, int)
                                            and 2 <= activation_bits <= 16):
        raise ValueError(f"activation_bits must be None or an int in [2, 16], "
                         f"got {activation_bits!r}")


class QATLSTMNet(nn.Module):
    r"""LSTM regression network trained with fake-quantized weights and activations.

    Parameters
    ----------
    input_size, hidden_size, output_size : int
    num_layers : int, default=1
    dropout : float, default=0.0
        Between layers and before the head.
    bits : {8, 4, 2}, default=8
        Weight bit width (every weight matrix, the head included).
    activation_bits : int or None, default=8
        Bit width of gate pre-activations and hidden states; ``None`` keeps
        activations in float32.
    activation_warmup : int, default=100
        Training passes the activation observers watch before freezing.

    Inputs: x
        ``(N, T, H_{in})``.

    Outputs: y
        ``(N, H_{out})``, from the top layer's last hidden state.

    Examples
    --------
    >>> import torch
    >>> net = QATLSTMNet(3, 8, 2, bits=4)
    >>> net(torch.zeros(5, 10, 3)).shape
    torch.Size([5, 2])
    >>> net.to_integer()(torch.zeros(5, 10, 3)).shape
    torch.Size([5, 2])
    """

    def __init__(self, input_size, hidden_size, output_size, *, num_layers=1, dropout=0.0,
                 bits=8, activation_bits=8, activation_warmup=100):
        super().__init__()
        check_sizes(input_size=input_size, hidden_size=hidden_size,
                    output_size=output_size, num_layers=num_layers)
        check_dropout(dropout)
        _check_bits(bits, activation_bits)
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.num_layers, self.bits, self.activation_bits = num_layers, bits, activation_bits
        H = hidden_size
        self.weights = nn.ParameterList(
            nn.Parameter(torch.empty(4 * H, (input_size if layer == 0 else H) + H))
            for layer in range(num_layers))
        self.biases = nn.ParameterList(
            nn.Parameter(torch.empty(4 * H)) for _ in range(num_layers))
        init_uniform_([*self.weights, *self.biases], H)      # as torch.nn.LSTM
        self.head = nn.Linear(H, output_size)                 # the same law, fan-in H
        self.dropout = nn.Dropout(dropout)
        n_observers = 2 * num_layers if activation_bits is not None else 0
        self.observers = nn.ModuleList(
            ActivationObserver(activation_bits, activation_warmup) for _ in range(n_observers))

    def _quantizers(self, layer):
        if self.activation_bits is None:
            return None, None
        return (self.observers[2 * layer].quantizer(),
                self.observers[2 * layer + 1].quantizer())

    def forward(self, x):
        h = x
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            if layer > 0:
                h = self.dropout(h)
            h = lstm_loop(h, fake_quantize_weight(weight, self.bits), bias,
                          *self._quantizers(layer))
        if self.training:
            for observer in self.observers:
                observer.commit()
        head = fake_quantize_weight(self.head.weight, self.bits)
        return F.linear(self.dropout(h[:, -1]), head, self.head.bias)      # (N, H_out)

    def to_integer(self):
        """The deployable :class:`IntegerLSTMNet` of the current weights."""
        net = IntegerLSTMNet(self.input_size, self.hidden_size, self.output_size,
                             num_layers=self.num_layers, bits=self.bits,
                             activation_bits=self.activation_bits)
        state = {}
        matrices = [(f"layers.{i}.weight", w) for i, w in enumerate(self.weights)]
        matrices.append(("head.weight", self.head.weight))
        for name, weight in matrices:
            q, scale = quantize_weight(weight, self.bits)
            state[name + "_packed"] = pack_int(q, self.bits)
            state[name + "_scale"] = scale
            state[name + "_shape"] = torch.tensor(weight.shape)
        for i, bias in enumerate(self.biases):
            state[f"layers.{i}.bias"] = bias.detach().clone()
        state["head.bias"] = self.head.bias.detach().clone()
        for i, observer in enumerate(self.observers):
            kind = "gate" if i % 2 == 0 else "hidden"
            seen = observer.range if int(observer.passes) else torch.full_like(observer.range,
                                                                               float("nan"))
            state[f"layers.{i // 2}.{kind}_range"] = seen.detach().clone()
        net.load_state_dict(state)
        return net.to(self.head.weight.device)

    def extra_repr(self):
        return f"bits={self.bits}, activation_bits={self.activation_bits}"


class _Buffers(nn.Module):
    """A named group of buffers (one layer's integer weights, scales, bias, ranges)."""

    def __init__(self, **tensors):
        super().__init__()
        for name, tensor in tensors.items():
            self.register_buffer(name, tensor)


class IntegerLSTMNet(nn.Module):
    """Inference-only LSTM network on packed integer weights.

    Built by :meth:`QATLSTMNet.to_integer`. Its state dict holds, per layer
    ``l``, ``layers.l.weight_packed`` (int8, or uint8 with 4-/2-bit values
    packed), ``layers.l.weight_scale`` (float16, one per row),
    ``layers.l.bias`` (float32) and, with activation quantization,
    ``layers.l.gate_range`` and ``layers.l.hidden_range`` (float32 ``[lo,
    hi]``, NaN when never observed); the head has ``head.weight_packed``,
    ``head.weight_scale`` and ``head.bias``. No float copy of a weight matrix
    is kept: each forward pass unpacks and dequantizes them.

    Its forward pass reads shapes and activation ranges out of buffers, which
    tracing exporters cannot follow; :meth:`exportable` gives the same
    computation in a form that ``torch.onnx.export`` traces.

    Parameters
    ----------
    input_size, hidden_size, output_size, num_layers, bits, activation_bits
        As in :class:`QATLSTMNet`.
    """

    def __init__(self, input_size, hidden_size, output_size, *, num_layers=1, bits=8,
                 activation_bits=8):
        super().__init__()
        check_sizes(input_size=input_size, hidden_size=hidden_size,
                    output_size=output_size, num_layers=num_layers)
        _check_bits(bits, activation_bits)
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.num_layers, self.bits, self.activation_bits = num_layers, bits, activation_bits
        H = hidden_size
        self.layers = nn.ModuleList()
        for layer in range(num_layers):
            ranges = {} if activation_bits is None else {
                "gate_range": torch.zeros(2), "hidden_range": torch.zeros(2)}
            self.layers.append(_Buffers(
                **self._weight_buffers(4 * H, (input_size if layer == 0 else H) + H),
                bias=torch.zeros(4 * H), **ranges))
        self.head = _Buffers(**self._weight_buffers(output_size, H),
                             bias=torch.zeros(output_size))

    def _weight_buffers(self, rows, cols):
        dtype = torch.int8 if self.bits == 8 else torch.uint8
        return {"weight_packed": torch.zeros(-(-rows * cols * self.bits // 8), dtype=dtype),
                "weight_scale": torch.ones(rows, dtype=torch.half),
                "weight_shape": torch.tensor([rows, cols])}

    def _weight(self, group):
        """Unpacked, dequantized float32 weight of a buffer group."""
        q = unpack_int(group.weight_packed, self.bits, group.weight_shape.tolist())
        return dequantize_weight(q, group.weight_scale)

    def _quantizer(self, group, kind):
        if self.activation_bits is None:
            return None
        lo, hi = getattr(group, kind).tolist()
        if math.isnan(lo):
            return None
        return _ActivationQuantizer(lo, hi, self.activation_bits)

    def forward(self, x):
        h = x
        for group in self.layers:
            h = lstm_loop(h, self._weight(group), group.bias,
                          self._quantizer(group, "gate_range"),
                          self._quantizer(group, "hidden_range"))
        return F.linear(h[:, -1], self._weight(self.head), self.head.bias)

    def exportable(self):
        """This network's forward pass in a form that ONNX exporters can trace.

        Returns
        -------
        module : nn.Module
            Same inputs and outputs as this network; its buffers hold the
            dequantized weights and the biases, and the frozen activation
            grids are constants of its code.
        """
        return _TraceableIntegerLSTMNet(self)

    def weight_bytes(self):
        """Bytes of the integer weight matrices and their scales."""
        groups = list(self.layers) + [self.head]
        return sum(g.weight_packed.nbytes + g.weight_scale.nbytes for g in groups)

    def total_bytes(self):
        """Bytes of everything a deployed model needs: weights, scales, biases, ranges."""
        return sum(t.nbytes for name, t in self.named_buffers()
                   if not name.endswith("weight_shape"))

    def extra_repr(self):
        return (f"{self.input_size}, {self.hidden_size}, {self.output_size}, "
                f"num_layers={self.num_layers}, bits={self.bits}, "
                f"activation_bits={self.activation_bits}")


class _TraceableIntegerLSTMNet(nn.Module):
    """:class:`IntegerLSTMNet`'s forward pass with no value read out of a tensor.

    Tracing exporters see symbolic tensors: they cannot take a weight's shape
    from the ``weight_shape`` buffer, nor decide from the range buffers whether
    and how to quantize an activation. Here the weights are unpacked and
    dequantized once, into float32 buffers (the exporters fold the
    dequantization into constants in any case), and the activation
    quantizers are built once from the ranges, with Python numbers. A layer
    without activation quantization holds torch's LSTM parameters directly,
    so that the TorchScript exporter can read their shapes and emit an ONNX
    ``LSTM`` node.
    """

    def __init__(self, net):
        super().__init__()
        self.layers = nn.ModuleList()
        self._quantizers = []
        with torch.no_grad():
            for layer, group in enumerate(net.layers):
                gate_q = net._quantizer(group, "gate_range")
                hidden_q = net._quantizer(group, "hidden_range")
                weight = net._weight(group)
                n_in = net.input_size if layer == 0 else net.hidden_size
                if gate_q is None and hidden_q is None:
                    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
                    tensors = _torch_lstm_params(weight, group.bias, n_in)
                    self.layers.append(_Buffers(**{n: t.clone() for n, t in zip(names, tensors)}))
                else:
                    self.layers.append(_Buffers(weight=weight, bias=group.bias.clone()))
                self._quantizers.append((gate_q, hidden_q))
            self.head = _Buffers(weight=net._weight(net.head), bias=net.head.bias.clone())

    def forward(self, x):
        h = x
        for group, (gate_q, hidden_q) in zip(self.layers, self._quantizers):
            if gate_q is None and hidden_q is None:
                h = _torch_lstm(h, group.weight_ih, group.weight_hh, group.bias_ih,
                                group.bias_hh)                                 # (N, T, H)
            else:
                h = lstm_loop(h, group.weight, group.bias, gate_q, hidden_q)  # (N, T, H)
        return F.linear(h[:, -1], self.head.weight, self.head.bias)            # (N, H_out)
