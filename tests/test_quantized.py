"""QuantizedLSTMRegressor and the quantization primitives of sklstm.nn.quantized."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.linear_model import RidgeCV

from sklstm import LSTMRegressor, QuantizedLSTMRegressor, Windower, forecast_xy
from sklstm.datasets import load_sunspots
from sklstm.nn.quantized import (
    ActivationObserver,
    QATLSTMNet,
    _activation_grid,
    dequantize_weight,
    fake_quantize_weight,
    pack_int,
    quantize_weight,
    unpack_int,
)

BITS = [8, 4, 2]
QUANTIZED_VS_RIDGE = 1.1    # worst over seeds 0-9: 1.04
QUANTIZED_VS_FLOAT = 1.35   # worst over seeds 0-9: 1.24


def small_data(n=80, T=10, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, 2))
    return X, X[:, -1, 0] + 0.5 * X[:, -3, 1]


@pytest.mark.parametrize("bits", BITS)
def test_round_trip_error_is_at_most_half_a_step(bits):
    # rows of very different size (all above the float16 scale floor, see _row_scale)
    w = torch.randn(64, 33) * torch.logspace(-1, 1, 64).unsqueeze(1)
    q, scale = quantize_weight(w, bits)
    qmax = 2 ** (bits - 1) - 1
    assert q.dtype == torch.int8 and scale.dtype == torch.float16
    assert int(q.abs().max()) == qmax
    step = scale.float().unsqueeze(1)
    error = (w - dequantize_weight(q, scale)).abs()
    # half a step, plus what the float16 rounding of the scale moves the top value
    slack = qmax * step * 2.0 ** -11
    assert torch.all(error <= step / 2 + slack + 1e-7)
    # the row maximum is reproduced up to that rounding
    top = w.abs().argmax(dim=1)
    np.testing.assert_allclose(dequantize_weight(q, scale).gather(1, top[:, None]).abs(),
                               w.abs().gather(1, top[:, None]), rtol=2 ** -10)


def test_two_bits_are_ternary():
    q, _ = quantize_weight(torch.randn(16, 40), 2)
    assert set(q.unique().tolist()) <= {-1, 0, 1}


@pytest.mark.parametrize("bits", BITS)
def test_fake_quantize_forward_matches_quantize_and_gradient_passes_straight(bits):
    w = torch.randn(12, 7, requires_grad=True)
    out = fake_quantize_weight(w, bits)
    torch.testing.assert_close(out.detach(), dequantize_weight(*quantize_weight(w, bits)))
    upstream = torch.randn(12, 7)
    out.backward(upstream)
    torch.testing.assert_close(w.grad, upstream)          # identity, not round's zero gradient


@pytest.mark.parametrize("bits", [4, 2])
@pytest.mark.parametrize("n", [1, 7, 64, 131])
def test_packed_values_unpack_to_the_same_integers(bits, n):
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    q = torch.randint(low, high + 1, (n,), dtype=torch.int8)
    packed = pack_int(q, bits)
    assert packed.dtype == torch.uint8
    assert packed.numel() == -(-n * bits // 8)
    assert torch.equal(unpack_int(packed, bits, (n,)), q)


def test_pack_layout_first_value_in_low_bits():
    # 4 bits: 1 -> 9, -2 -> 6 (offset 8); byte = 9 | 6 << 4
    assert pack_int(torch.tensor([1, -2], dtype=torch.int8), 4).tolist() == [9 | 6 << 4]
    # 2 bits: -1, 0, 1, -2 -> 1, 2, 3, 0 (offset 2)
    assert pack_int(torch.tensor([-1, 0, 1, -2], dtype=torch.int8), 2).tolist() == [
        1 | 2 << 2 | 3 << 4 | 0 << 6]


def test_activation_grid_holds_zero_and_covers_the_range():
    step, low, high = _activation_grid(-0.3, 1.7, 8)
    assert low <= -0.3 + step and high >= 1.7 - step
    assert abs(round(-low / step) - (-low / step)) < 1e-9         # zero is a grid point
    assert round((high - low) / step) == 255


def test_observer_watches_then_freezes():
    obs = ActivationObserver(bits=8, warmup=3).train()
    for scale in [1.0, 2.0, 4.0]:
        quantize = obs.quantizer()
        x = torch.linspace(-scale, scale, 50)
        assert torch.equal(quantize(x), x)                       # watching only
        obs.commit()
    assert obs.frozen and int(obs.passes) == 3
    frozen = obs.range.clone()
    quantize = obs.quantizer()
    y = quantize(torch.linspace(-10, 10, 50))
    obs.commit()
    assert torch.equal(obs.range, frozen)                        # no longer moves
    step, low, high = _activation_grid(*frozen.tolist(), 8)
    assert abs(low - frozen[0]) <= step / 2 and abs(high - frozen[1]) <= step / 2
    assert y.max() <= high + 1e-6 and y.min() >= low - 1e-6
    assert len(torch.unique(y)) <= 256
    np.testing.assert_allclose((y / step).numpy(), np.round((y / step).numpy()), atol=1e-3)


@pytest.mark.parametrize("bits", BITS)
def test_training_changes_the_float_weights_at_every_bit_width(bits):
    X, y = small_data()
    reg = QuantizedLSTMRegressor(bits=bits, hidden_size=8, random_state=0).partial_fit(X, y)
    before = [p.detach().clone() for p in reg.net_.module_.parameters()]
    for _ in range(3):
        reg.partial_fit(X, y)
    after = list(reg.net_.module_.parameters())
    assert all(not torch.equal(b, a) for b, a in zip(before, after))
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]


@pytest.mark.parametrize("bits", BITS)
@pytest.mark.parametrize("activation_bits", [8, None])
def test_predict_runs_the_integer_model_and_matches_the_fake_quant_forward(bits, activation_bits):
    X, y = small_data()
    reg = QuantizedLSTMRegressor(bits=bits, activation_bits=activation_bits, hidden_size=8,
                                 num_layers=2, max_epochs=4, activation_warmup=5,
                                 random_state=0).fit(X, y)
    integer = reg.quantized_module_
    assert not list(integer.parameters())
    for name, tensor in integer.state_dict().items():
        if name.endswith("weight_packed"):
            assert tensor.dtype == (torch.int8 if bits == 8 else torch.uint8)
    # the training network in eval mode (fake quantization) gives the same outputs
    fake = reg._forward(X, method="forward")
    reg.quantized_module_, keep = reg.net_.module_, integer
    expected = reg._forward(X)
    reg.quantized_module_ = keep
    np.testing.assert_allclose(fake, expected, rtol=1e-5, atol=1e-5)
    # predict does not read the float training weights
    pred = reg.predict(X)
    with torch.no_grad():
        for p in reg.net_.module_.parameters():
            p.add_(1.0)
    np.testing.assert_array_equal(reg.predict(X), pred)


def test_quantized_state_dict_round_trips_through_integer_model():
    X, y = small_data()
    # no window normalisation: the target then maps back with the y scaler alone
    reg = QuantizedLSTMRegressor(bits=4, hidden_size=8, max_epochs=3, window_norm=None,
                                 random_state=0).fit(X, y)
    state = reg.quantized_state_dict()
    assert {"layers.0.weight_packed", "layers.0.weight_scale", "layers.0.bias",
            "layers.0.gate_range", "layers.0.hidden_range", "head.weight_packed",
            "head.weight_scale", "head.bias"} <= set(state)
    fresh = QATLSTMNet(2, 8, 1, bits=4).to_integer()
    fresh.load_state_dict(state)
    with torch.no_grad():
        out = fresh(torch.as_tensor(reg._model_inputs(X.astype(np.float32))[0]))
    np.testing.assert_allclose(reg._y_scaler.inverse_transform(out.numpy()).ravel(),
                               reg.predict(X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("bits", BITS)
@pytest.mark.parametrize("activation_bits", [8, None])
def test_exportable_form_computes_what_the_integer_network_does(bits, activation_bits):
    torch.manual_seed(0)
    net = QATLSTMNet(2, 5, 3, num_layers=2, bits=bits, activation_bits=activation_bits,
                     activation_warmup=1)
    net(torch.randn(8, 6, 2))                     # one training pass: ranges freeze
    integer = net.eval().to_integer().eval()
    traceable = integer.exportable()
    # no value of the traceable form is read out of a tensor: no shape buffers
    assert not any(name.endswith("weight_shape") for name, _ in traceable.named_buffers())
    x = torch.randn(4, 6, 2)
    with torch.no_grad():
        # the same operations on the same float32 values, unpacked once instead of per call
        torch.testing.assert_close(traceable(x), integer(x), rtol=1e-6, atol=1e-6)


def test_pickle_round_trip_keeps_predictions_exact():
    X, y = small_data()
    reg = QuantizedLSTMRegressor(bits=2, hidden_size=8, max_epochs=3, random_state=0).fit(X, y)
    clone = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(clone.predict(X), reg.predict(X))


@pytest.mark.parametrize("bits, limit", [(8, 0.27), (4, 0.14), (2, 0.08)])
def test_weight_bytes_against_float32_lstm(bits, limit):
    X, y = small_data()
    reg = QuantizedLSTMRegressor(bits=bits, hidden_size=64, max_epochs=1).fit(X[:, :, :1], y)
    size = reg.model_size()
    # (4H x (1 + H)) matrix + (1 x H) head, bits each; two bytes of scale per row
    rows, values = 4 * 64 + 1, 4 * 64 * 65 + 64
    assert size["weight_bytes"] == -(-256 * 65 * bits // 8) + -(-64 * bits // 8) + 2 * rows
    assert size["fp32_weight_bytes"] == 4 * values
    assert size["weight_ratio"] <= limit


@pytest.mark.parametrize("bits", BITS)
@pytest.mark.parametrize("activation_bits", [8, None])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_model_size_totals_count_every_stored_tensor(bits, activation_bits, num_layers):
    X, y = small_data(n=16)                                  # 2 input features
    H = 6
    reg = QuantizedLSTMRegressor(bits=bits, activation_bits=activation_bits, hidden_size=H,
                                 num_layers=num_layers, max_epochs=1).fit(X, y)
    size = reg.model_size()
    # matrices [W_x | W_h] of every layer, then the head (1 x H)
    shapes = [(4 * H, 2 + H)] + [(4 * H, 2 * H)] * (num_layers - 1) + [(1, H)]
    packed = sum(-(-rows * cols * bits // 8) for rows, cols in shapes)
    scales = 2 * sum(rows for rows, _ in shapes)             # one float16 per row
    biases = 4 * (4 * H * num_layers + 1)                    # float32
    ranges = 0 if activation_bits is None else 4 * 2 * 2 * num_layers   # [lo, hi] x 2
    assert size["weight_bytes"] == packed + scales
    assert size["total_bytes"] == packed + scales + biases + ranges
    # the float32 LSTM: W_ih, W_hh and two biases per layer, then the head
    fp32_weights = 4 * sum(rows * cols for rows, cols in shapes)
    assert size["fp32_weight_bytes"] == fp32_weights
    assert size["fp32_total_bytes"] == fp32_weights + 4 * (2 * 4 * H * num_layers + 1)
    assert size["weight_ratio"] == size["weight_bytes"] / fp32_weights
    # and total_bytes is what the deployable state dict holds, shapes aside
    state = reg.quantized_state_dict()
    assert size["total_bytes"] == sum(t.nbytes for k, t in state.items()
                                      if not k.endswith("weight_shape"))


def test_four_bit_model_on_sunspots_against_ridge_on_lags_and_the_float_lstm():
    """On sunspots the 4-bit model is about as good as ridge on lags, not better.

    Over seeds 0-9 the 4-bit model's RMSE is 0.80-1.04 x ridge's (it loses to
    ridge at seed 2) and 0.94-1.24 x the float LSTM's: what is asserted is that
    4-bit quantization costs little against both, with those worst cases as
    margins.
    """
    X, y = forecast_xy(load_sunspots(), horizon=1)
    Xw, y = Windower(window=20).fit_transform(X), np.ravel(y)
    n = 60

    def rmse(pred):
        return np.sqrt(np.mean((pred - y[-n:]) ** 2))

    params = dict(max_epochs=60, window_norm="last", random_state=0)
    quantized = QuantizedLSTMRegressor(bits=4, **params).fit(Xw[:-n], y[:-n])
    floating = LSTMRegressor(**params).fit(Xw[:-n], y[:-n])
    # the strongest cheap baseline: ridge on the same 20 lags
    ridge = RidgeCV(alphas=np.logspace(-3, 6, 19)).fit(Xw[:-n, :, 0], y[:-n])
    q_rmse = rmse(quantized.predict(Xw[-n:]))
    assert rmse(ridge.predict(Xw[-n:, :, 0])) < 0.6 * rmse(Xw[-n:, -1, 0])   # ridge: 0.58
    assert q_rmse < QUANTIZED_VS_RIDGE * rmse(ridge.predict(Xw[-n:, :, 0]))
    assert q_rmse < QUANTIZED_VS_FLOAT * rmse(floating.predict(Xw[-n:]))


@pytest.mark.parametrize("params, match", [
    ({"bits": 3}, r"bits.*one of.*8.*4.*2"),
    ({"activation_bits": 1}, r"activation_bits=1; expected an int in \[2, 16\] or None"),
    ({"activation_bits": 8.0}, r"activation_bits.*int"),
    ({"activation_warmup": 0}, r"activation_warmup=0; expected an int in \[1, inf\]"),
])
def test_bad_parameters_are_reported(params, match):
    X, y = small_data(n=20)
    with pytest.raises(ValueError, match=match):
        QuantizedLSTMRegressor(**params).fit(X, y)
