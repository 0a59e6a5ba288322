"""The custom cells against nn.LSTM and against NumPy transcriptions of their equations.

The engine runs a layer of these cells through its whole-sequence kernel
(:mod:`sklstm.nn._fused_cells`); the one-step ``forward`` of each cell is the
reference it is compared with, values and gradients. The kernels compute tanh
in one of two forms chosen per CPU; the tests run both.

Two different computations of the same value are compared with tolerances
scaled to the dtype (about 1e-12 relative in float64, 1e-5 in float32):
vectorised kernels round differently for different shapes and CPUs.
"""

import math

import numpy as np
import pytest
import torch

from sklstm.nn import _fused_cells
from sklstm.nn._init import init_uniform_
from sklstm.nn.cells import (
    CIFGLSTMCell,
    HighwayLSTMCell,
    LSTMCell,
    NestedLSTMCell,
    PeepholeLSTMCell,
)
from sklstm.nn.conv import ConvLSTMCell
from sklstm.nn.engine import CELLS, CellRecurrentNet, RecurrentLayer, RecurrentStack
from sklstm.nn.quantized import QATLSTMNet

N, T, F, H = 3, 5, 2, 4


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def params(cell):
    return {k: v.detach().double().numpy() for k, v in cell.named_parameters()}


def split(a, n):
    return np.split(a, n, axis=-1)


@pytest.fixture
def x():
    torch.manual_seed(0)
    return torch.randn(N, T, F)


@pytest.fixture(params=["tanh", "via_sigmoid"])
def tanh_form(request, monkeypatch):
    """Run the kernels with one form of tanh (by default the CPU decides which)."""
    monkeypatch.setattr(_fused_cells, "TANH_VIA_SIGMOID", request.param == "via_sigmoid")
    return request.param


def run(cell, x, below=None):
    """Run ``cell`` through the engine in float64; return all hidden states."""
    cell = cell.double()
    h, _ = RecurrentLayer(cell)(x.double(), None if below is None else below.double())
    return h.detach().numpy()


# ----------------------------------------------------------- the plain LSTM

def lstm_from_torch(rnn):
    """An engine LSTMCell with nn.LSTM's weights: (i, f, g, o) -> (i, f, o, g)."""
    cell = LSTMCell(rnn.input_size, rnn.hidden_size)
    order = torch.cat([torch.arange(0, 2 * H), torch.arange(3 * H, 4 * H),
                       torch.arange(2 * H, 3 * H)])
    with torch.no_grad():
        cell.weight_ih.copy_(rnn.weight_ih_l0[order])
        cell.weight_hh.copy_(rnn.weight_hh_l0[order].t())
        cell.bias.copy_((rnn.bias_ih_l0 + rnn.bias_hh_l0)[order])
    return cell


def test_engine_lstm_matches_nn_lstm_forward_and_gradients(x):
    torch.manual_seed(1)
    rnn = torch.nn.LSTM(F, H, batch_first=True)
    cell = lstm_from_torch(rnn)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    ref, _ = rnn(xa)
    out, _ = RecurrentLayer(cell)(xb)
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)
    weights = torch.randn_like(ref)
    (ref * weights).sum().backward()
    (out * weights).sum().backward()
    torch.testing.assert_close(xb.grad, xa.grad, atol=1e-5, rtol=1e-5)
    grad_hh = cell.weight_hh.grad.t()
    torch.testing.assert_close(grad_hh[:2 * H], rnn.weight_hh_l0.grad[:2 * H],
                               atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(grad_hh[2 * H:3 * H], rnn.weight_hh_l0.grad[3 * H:],
                               atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(cell.bias.grad[3 * H:], rnn.bias_ih_l0.grad[2 * H:3 * H],
                               atol=1e-5, rtol=1e-5)


def test_reverse_layer_and_bidirectional_stack_match_nn_lstm(x):
    torch.manual_seed(2)
    rnn = torch.nn.LSTM(F, H, num_layers=2, batch_first=True, bidirectional=True)
    cells = {}
    for layer in range(2):
        for suffix in ["", "_reverse"]:
            single = torch.nn.LSTM(F if layer == 0 else 2 * H, H, batch_first=True)
            with torch.no_grad():
                for name in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]:
                    getattr(single, f"{name}_l0").copy_(getattr(rnn, f"{name}_l{layer}{suffix}"))
            cells[layer, suffix] = lstm_from_torch(single)
    stack = RecurrentStack(lambda layer, i, h: cells.pop((layer, "")) if (layer, "") in cells
                           else cells.pop((layer, "_reverse")), F, H, num_layers=2,
                           bidirectional=True)
    ref, _ = rnn(x)
    torch.testing.assert_close(stack(x), ref, atol=1e-5, rtol=1e-5)


def test_lstm_cell_matches_numpy(x, tanh_form):
    cell = LSTMCell(F, H)
    p = params(cell)
    h = c = np.zeros((N, H))
    expected = []
    for t in range(T):
        z = x[:, t].double().numpy() @ p["weight_ih"].T + h @ p["weight_hh"] + p["bias"]
        i, f, o, g = split(z, 4)
        c = sig(f) * c + sig(i) * np.tanh(g)
        h = sig(o) * np.tanh(c)
        expected.append(h)
    np.testing.assert_allclose(run(cell, x), np.stack(expected, 1), rtol=1e-10)


# ----------------------------------------------------------------- peephole

def test_peephole_cell_matches_numpy(x, tanh_form):
    cell = PeepholeLSTMCell(F, H)
    p = params(cell)
    p_i, p_f = p["peephole_if"]
    h = c = np.zeros((N, H))
    expected = []
    for t in range(T):
        z = x[:, t].double().numpy() @ p["weight_ih"].T + h @ p["weight_hh"] + p["bias"]
        zi, zf, zo, zg = split(z, 4)
        i = sig(zi + p_i * c)
        f = sig(zf + p_f * c)
        c = f * c + i * np.tanh(zg)
        o = sig(zo + p["peephole_o"] * c)          # the output gate sees c_t
        h = o * np.tanh(c)
        expected.append(h)
    np.testing.assert_allclose(run(cell, x), np.stack(expected, 1), rtol=1e-10)


def test_peephole_with_zero_peepholes_is_the_plain_lstm(x):
    peep = PeepholeLSTMCell(F, H)
    plain = LSTMCell(F, H)
    with torch.no_grad():
        peep.peephole_if.zero_()
        peep.peephole_o.zero_()
        for name in ["weight_ih", "weight_hh", "bias"]:
            getattr(plain, name).copy_(getattr(peep, name))
    # two code paths (the peephole step has extra addcmul's): float64 ulps, not bits
    np.testing.assert_allclose(run(peep, x), run(plain, x), rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------- CIFG

def test_cifg_cell_matches_numpy_with_forget_equal_one_minus_input(x, tanh_form):
    cell = CIFGLSTMCell(F, H)
    assert cell.weight_ih.shape == (3 * H, F)       # no forget-gate weights
    p = params(cell)
    h = c = np.zeros((N, H))
    expected = []
    for t in range(T):
        z = x[:, t].double().numpy() @ p["weight_ih"].T + h @ p["weight_hh"] + p["bias"]
        zi, zo, zg = split(z, 3)
        i = sig(zi)
        f = 1.0 - i
        c = f * c + i * np.tanh(zg)
        h = sig(zo) * np.tanh(c)
        expected.append(h)
    np.testing.assert_allclose(run(cell, x), np.stack(expected, 1), rtol=1e-10)


def test_cifg_update_is_exactly_the_coupled_convex_combination():
    cell = CIFGLSTMCell(F, H).double()
    torch.manual_seed(3)
    xw = torch.randn(N, 3 * H, dtype=torch.float64)
    h, c = torch.randn(N, H, dtype=torch.float64), torch.randn(N, H, dtype=torch.float64)
    _, (_, c_new) = cell(xw, (h, c))
    gates = xw + h @ cell.weight_hh
    i, g = torch.sigmoid(gates[:, :H]), torch.tanh(gates[:, 2 * H:])
    torch.testing.assert_close(c_new, (1 - i) * c + i * g, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------- nested

def nested_numpy(x, p, depth):
    h = np.zeros((N, H))
    memories = [np.zeros((N, H)) for _ in range(depth + 1)]
    expected = []

    def level(k, z):
        zi, zf, zo, zg = split(z, 4)
        i, f, o, g = sig(zi), sig(zf), sig(zo), np.tanh(zg)
        if k == depth:
            c = f * memories[k] + i * g
        else:
            inner_x, inner_h = i * g, f * memories[k]            # x~ = i g, h~ = f c
            z_inner = (np.concatenate([inner_x, inner_h], 1) @ p[f"inner_weight.{k}"].T
                       + p[f"inner_bias.{k}"])
            c = level(k + 1, z_inner)                             # c = h~ of the inner cell
        new[k] = c
        return o * np.tanh(c)

    for t in range(T):
        z = x[:, t].double().numpy() @ p["weight_ih"].T + h @ p["weight_hh"] + p["bias"]
        new = [None] * (depth + 1)
        h = level(0, z)
        memories = new
        expected.append(h)
    return np.stack(expected, 1)


@pytest.mark.parametrize("depth", [1, 2])
def test_nested_cell_matches_numpy(x, depth, tanh_form):
    cell = NestedLSTMCell(F, H, depth=depth)
    np.testing.assert_allclose(run(cell, x), nested_numpy(x, params(cell), depth), rtol=1e-10)


# ------------------------------------------------------------------ highway

def test_highway_cell_matches_numpy(x, tanh_form):
    torch.manual_seed(4)
    below = torch.randn(N, T, H)
    cell = HighwayLSTMCell(F, H)
    p = params(cell)
    w1, w2 = p["depth_weight"]
    h = c = np.zeros((N, H))
    expected = []
    for t in range(T):
        c_below = below[:, t].double().numpy()
        z = x[:, t].double().numpy() @ p["weight_ih"].T + h @ p["weight_hh"] + p["bias"]
        zi, zf, zo, zd, zg = split(z, 5)
        d = sig(zd + w1 * c + w2 * c_below)
        c = d * c_below + sig(zf) * c + sig(zi) * np.tanh(zg)
        h = sig(zo) * np.tanh(c)
        expected.append(h)
    np.testing.assert_allclose(run(cell, x, below), np.stack(expected, 1), rtol=1e-10)


def test_highway_with_shut_depth_gate_is_a_stacked_lstm(x):
    torch.manual_seed(5)
    net = CellRecurrentNet("highway", F, H, 1, num_layers=3)
    plain = CellRecurrentNet("lstm", F, H, 1, num_layers=3)
    keep = torch.cat([torch.arange(0, 3 * H), torch.arange(4 * H, 5 * H)])   # drop d rows
    with torch.no_grad():
        for layer in range(3):
            src = net.stack.layers[layer][0].cell
            dst = plain.stack.layers[layer][0].cell
            if layer > 0:
                src.bias[3 * H:4 * H] = -1e4            # d = sigmoid(-1e4) = 0
                src = {"weight_ih": src.weight_ih[keep], "weight_hh": src.weight_hh[:, keep],
                       "bias": src.bias[keep]}
            else:
                src = dict(src.named_parameters())
            for name in ["weight_ih", "weight_hh", "bias"]:
                getattr(dst, name).copy_(src[name])
        plain.head.load_state_dict(net.head.state_dict())
    # different GEMM shapes (5H vs 4H gate rows): equal up to float32 rounding
    torch.testing.assert_close(net(x), plain(x), rtol=1e-5, atol=1e-6)
    # and the gate is live otherwise: opening it changes the output
    with torch.no_grad():
        net.stack.layers[1][0].cell.bias[3 * H:4 * H] = 5.0
    assert not torch.allclose(net(x), plain(x))


def test_highway_needs_two_layers():
    with pytest.raises(ValueError, match="highway cell needs num_layers >= 2"):
        CellRecurrentNet("highway", F, H, 1, num_layers=1)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_gradients_of_every_cell_match_finite_differences(cell):
    """Backward through a 2-layer bidirectional stack, for inputs and every parameter."""
    torch.manual_seed(6)
    net = CellRecurrentNet(cell, F, 3, 2, num_layers=2, bidirectional=True).double()
    names = [name for name, _ in net.named_parameters()]
    params = [p.detach().clone().requires_grad_() for p in net.parameters()]
    x = torch.randn(2, 4, F, dtype=torch.float64, requires_grad=True)

    def forward(x, *params):
        return torch.func.functional_call(net, dict(zip(names, params)), (x,))

    # central differences in float64 (eps 1e-6 leaves errors ~1e-10) along random
    # directions, against the analytical vector-Jacobian products (fast mode)
    assert torch.autograd.gradcheck(forward, (x, *params), eps=1e-6, atol=1e-8, rtol=1e-6,
                                    fast_mode=True)
    # and every parameter reaches the output (no block silently unused)
    forward(x, *params).sum().backward()
    for name, p in zip(names, params):
        assert p.grad.abs().max() > 0, name


@pytest.mark.parametrize("cell", ["peephole", "cifg", "nested", "highway"])
def test_dropout_acts_in_training_only(x, cell):
    torch.manual_seed(7)
    net = CellRecurrentNet(cell, F, H, 2, num_layers=2, bidirectional=True, dropout=0.5)
    train_a, train_b = net(x), net(x)
    assert not torch.equal(train_a, train_b)
    net.eval()
    torch.testing.assert_close(net(x), net(x), rtol=0, atol=0)   # the same computation


# ------------------------------------------------- whole-sequence kernels

KERNEL_CELLS = {
    "lstm": lambda: LSTMCell(F, H),
    "peephole": lambda: PeepholeLSTMCell(F, H),
    "cifg": lambda: CIFGLSTMCell(F, H),
    "nested": lambda: NestedLSTMCell(F, H),
    "nested-depth-2": lambda: NestedLSTMCell(F, H, depth=2),
    "highway": lambda: HighwayLSTMCell(F, H),
}


def layer_run(layer, x, below, weights):
    """``h``, ``c`` and the gradients of ``sum(h w_h) + sum(c w_c)``: inputs, every parameter."""
    layer.zero_grad()
    x = x.clone().requires_grad_()
    below = None if below is None else below.clone().requires_grad_()
    h, c = layer(x, below, keep_cell=True)
    ((h * weights[0]).sum() + (c * weights[1]).sum()).backward()
    grads = {"x": x.grad, **{name: p.grad for name, p in layer.named_parameters()}}
    if below is not None:
        grads["below"] = below.grad
    return h.detach(), c.detach(), grads, h.grad_fn


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("name", sorted(KERNEL_CELLS))
def test_kernel_matches_the_step_loop_in_float32(name, reverse, tanh_form, float_tol):
    """Values and gradients (both outputs, inputs, ``below``, parameters) of the two paths."""
    torch.manual_seed(10)
    cell = KERNEL_CELLS[name]()
    steps = 7
    x = torch.randn(N, steps, F)
    below = torch.randn(N, steps, H) if cell.uses_below else None
    weights = torch.randn(2, N, steps, H)
    h, c, grads, node = layer_run(RecurrentLayer(cell, reverse=reverse), x, below, weights)
    assert "_Layer" in type(node).__name__                    # one autograd node per layer
    h_ref, c_ref, grads_ref, _ = layer_run(RecurrentLayer(cell, reverse=reverse, fused=False),
                                           x, below, weights)
    np.testing.assert_allclose(h, h_ref, **float_tol(np.float32, scale=h_ref.abs().max()))
    np.testing.assert_allclose(c, c_ref, **float_tol(np.float32, scale=c_ref.abs().max()))
    assert grads.keys() == grads_ref.keys()
    for key, ref in grads_ref.items():
        np.testing.assert_allclose(grads[key], ref, err_msg=key,
                                   **float_tol(np.float32, scale=ref.abs().max()))


@pytest.mark.parametrize("output", ["h", "c"])
@pytest.mark.parametrize("name", sorted(KERNEL_CELLS))
def test_kernel_gradients_through_one_output(name, output, float_tol):
    """Only ``h`` or only ``c`` reaches the loss (the other output gets no gradient):
    the same gradients as the step loop."""
    torch.manual_seed(12)
    cell = KERNEL_CELLS[name]()
    x = torch.randn(N, 6, F)
    below = torch.randn(N, 6, H) if cell.uses_below else None
    weights = torch.randn(2, N, 6, H)
    weights[0 if output == "c" else 1] = 0.0

    def grads(fused):
        layer = RecurrentLayer(cell, fused=fused)
        layer.zero_grad()
        h, c = layer(x, below, keep_cell=True)
        ((h if output == "h" else c) * weights[output == "c"]).sum().backward()
        return {name: p.grad.clone() for name, p in layer.named_parameters()}

    ref = grads(False)
    for key, value in grads(True).items():
        np.testing.assert_allclose(value, ref[key], err_msg=key,
                                   **float_tol(np.float32, scale=ref[key].abs().max()))


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("name", sorted(KERNEL_CELLS))
def test_kernel_gradients_match_finite_differences(name, reverse, tanh_form):
    """gradcheck of the whole-sequence Function in float64, full Jacobian, both outputs."""
    torch.manual_seed(11)
    layer = RecurrentLayer(KERNEL_CELLS[name]().double(), reverse=reverse)
    names = [name for name, _ in layer.named_parameters()]
    params = [p.detach().clone().requires_grad_() for p in layer.parameters()]
    x = torch.randn(2, 3, F, dtype=torch.float64, requires_grad=True)
    below = torch.randn(2, 3, H, dtype=torch.float64, requires_grad=True)
    below = below if layer.cell.uses_below else None

    def forward(x, below, *params):
        return torch.func.functional_call(layer, dict(zip(names, params)), (x, below, True))

    # central differences in float64 (eps 1e-6 leaves errors ~1e-10)
    assert torch.autograd.gradcheck(forward, (x, below, *params), eps=1e-6, atol=1e-8,
                                    rtol=1e-6)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_kernel_stack_matches_the_step_loop(x, cell, float_tol):
    """A 2-layer bidirectional network: output and every parameter's gradient, both paths;
    without gradients the kernel runs the same forward computation."""
    torch.manual_seed(13)
    net = CellRecurrentNet(cell, F, H, 2, num_layers=2, bidirectional=True)
    layers = [layer for directions in net.stack.layers for layer in directions]
    weights = torch.randn(N, 2)
    runs = []
    for fused in [True, False]:
        for layer in layers:
            layer.fused = fused
        net.zero_grad()
        out = net(x)
        (out * weights).sum().backward()
        runs.append((out.detach(), {name: p.grad.clone() for name, p in net.named_parameters()}))
    (out, grads), (out_ref, grads_ref) = runs
    np.testing.assert_allclose(out, out_ref, **float_tol(np.float32, scale=out_ref.abs().max()))
    for name, ref in grads_ref.items():
        np.testing.assert_allclose(grads[name], ref, err_msg=name,
                                   **float_tol(np.float32, scale=ref.abs().max()))
    for layer in layers:
        layer.fused = True
    with torch.no_grad():
        assert torch.equal(net(x), out)


@pytest.mark.filterwarnings("ignore:`torch.jit.trace:DeprecationWarning")
def test_kernel_leaves_the_step_loop_to_tracing_and_export(x):
    torch.manual_seed(12)
    net = CellRecurrentNet("peephole", F, H, 2, num_layers=2, bidirectional=True)
    traced = torch.jit.trace(net, x)
    assert "PythonOp" not in str(traced.graph)               # the plain step operations
    torch.testing.assert_close(traced(x), net(x), rtol=1e-5, atol=1e-6)


def test_tanh_form_is_chosen_per_dtype_without_touching_the_global_rng(monkeypatch):
    monkeypatch.setattr(_fused_cells, "TANH_VIA_SIGMOID", None)
    state = torch.random.get_rng_state()
    assert isinstance(_fused_cells._tanh_via_sigmoid(torch.zeros(1)), bool)   # measured
    assert torch.equal(torch.random.get_rng_state(), state)
    assert not _fused_cells._tanh_via_sigmoid(torch.zeros(1, dtype=torch.float64))


# ------------------------------------------------------------ shared checks

@pytest.mark.parametrize("kwargs, match", [
    ({"hidden_size": 0}, r"hidden_size must be an int >= 1, got 0"),
    ({"input_size": 2.5}, r"input_size must be an int >= 1, got 2\.5"),
    ({"num_layers": True}, r"num_layers must be an int >= 1, got True"),
    ({"output_size": -1}, r"output_size must be an int >= 1, got -1"),
    ({"dropout": 1.0}, r"dropout must be in \[0, 1\), got 1\.0"),
    ({"dropout": "0.1"}, r"dropout must be in \[0, 1\), got '0\.1'"),
])
def test_networks_run_the_shared_checks(kwargs, match):
    args = {"input_size": F, "hidden_size": H, "output_size": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        CellRecurrentNet("peephole", **args)
    with pytest.raises(ValueError, match=match):
        QATLSTMNet(**args)


def test_stack_takes_one_size_per_layer_and_checks_each():
    stack = RecurrentStack(lambda layer, i, h: LSTMCell(i, h), F, [3, 5], bidirectional=True)
    assert [d[0].cell.input_size for d in stack.layers] == [F, 6]
    assert stack(torch.zeros(N, T, F)).shape == (N, T, 10)
    with pytest.raises(ValueError, match=r"hidden_size\[1\] must be an int >= 1, got 0"):
        RecurrentStack(lambda layer, i, h: LSTMCell(i, h), F, [3, 0])
    with pytest.raises(ValueError, match="non-empty sequence"):
        RecurrentStack(lambda layer, i, h: LSTMCell(i, h), F, [])


def test_one_initialisation_law_for_every_network():
    """U(-1/sqrt(k), 1/sqrt(k)) with k the fan-in (the hidden size for a cell), as nn.LSTM."""
    torch.manual_seed(8)
    hidden = 64
    bound = 1 / math.sqrt(hidden)
    tensors = [*LSTMCell(3, hidden).parameters(), *PeepholeLSTMCell(3, hidden).parameters(),
               *QATLSTMNet(3, hidden, 1).weights,
               ConvLSTMCell(2, hidden, 3, (4, 4)).peephole_weight,
               *torch.nn.LSTM(3, hidden).parameters()]
    values = torch.cat([t.detach().flatten() for t in tensors])
    assert values.abs().max() <= bound
    # uniform: mean 0, variance bound**2 / 3, within 5 standard errors
    n = values.numel()
    assert abs(float(values.mean())) < 5 * bound / math.sqrt(3 * n)
    assert abs(float(values.var()) / (bound ** 2 / 3) - 1) < 5 * math.sqrt(0.8 / n)
    conv = ConvLSTMCell(2, 4, 3, (4, 4)).conv_h.weight                 # fan-in 4 * 3 * 3
    assert conv.abs().max() <= 1 / 6 and conv.abs().max() > 0.9 / 6


def test_init_helper_fills_modules_and_tensor_lists():
    torch.manual_seed(9)
    linear, extra = torch.nn.Linear(5, 7), torch.empty(100)
    init_uniform_(linear, 4)
    init_uniform_([extra], 100)
    assert linear.weight.abs().max() <= 0.5 and linear.bias.abs().max() <= 0.5
    assert extra.abs().max() <= 0.1 and extra.abs().max() > 0.09
