"""The custom cells against nn.LSTM and against NumPy transcriptions of their equations."""

import numpy as np
import pytest
import torch

from sklstm.nn.cells import (CIFGLSTMCell, HighwayLSTMCell, LSTMCell, NestedLSTMCell,
                             PeepholeLSTMCell)
from sklstm.nn.engine import CellRecurrentNet, RecurrentLayer, RecurrentStack

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


def test_lstm_cell_matches_numpy(x):
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

def test_peephole_cell_matches_numpy(x):
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
    np.testing.assert_array_equal(run(peep, x), run(plain, x))


# --------------------------------------------------------------------- CIFG

def test_cifg_cell_matches_numpy_with_forget_equal_one_minus_input(x):
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
    torch.testing.assert_close(c_new, (1 - i) * c + i * g, rtol=1e-14, atol=1e-14)


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
def test_nested_cell_matches_numpy(x, depth):
    cell = NestedLSTMCell(F, H, depth=depth)
    np.testing.assert_allclose(run(cell, x), nested_numpy(x, params(cell), depth), rtol=1e-10)


# ------------------------------------------------------------------ highway

def test_highway_cell_matches_numpy(x):
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
    torch.testing.assert_close(net(x), plain(x), rtol=0, atol=0)
    # and the gate is live otherwise: opening it changes the output
    with torch.no_grad():
        net.stack.layers[1][0].cell.bias[3 * H:4 * H] = 5.0
    assert not torch.allclose(net(x), plain(x))


def test_highway_needs_two_layers():
    with pytest.raises(ValueError, match="highway cell needs num_layers >= 2"):
        CellRecurrentNet("highway", F, H, 1, num_layers=1)


@pytest.mark.parametrize("cell", ["peephole", "cifg", "nested", "highway"])
def test_bidirectional_stacks_run_every_cell(x, cell):
    net = CellRecurrentNet(cell, F, H, 2, num_layers=2, bidirectional=True, dropout=0.1)
    out = net(x)
    assert out.shape == (N, 2)
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())
