"""ConvLSTMRegressor: frames in, frames out, and next-frame skill."""

import numpy as np
import pytest
import torch

from sklstm import ConvLSTMRegressor, LSTMRegressor
from sklstm.datasets import make_moving_blobs
from sklstm.nn.conv import ConvLSTMCell, ConvLSTMNet


def mse(a, b):
    return float(np.mean((a - b) ** 2))


def test_next_frame_beats_persistence_and_a_flattened_lstm():
    X, y = make_moving_blobs(800, n_timesteps=6, grid=12, random_state=0)
    X_train, X_test, y_train, y_test = X[:600], X[600:], y[:600], y[600:]
    conv = ConvLSTMRegressor(max_epochs=40, random_state=0).fit(X_train, y_train)
    pred = conv.predict(X_test)
    assert pred.shape == y_test.shape
    flat = LSTMRegressor(max_epochs=40, random_state=0).fit(
        X_train.reshape(600, 6, -1), y_train.reshape(600, -1))
    flat_pred = flat.predict(X_test.reshape(200, 6, -1)).reshape(y_test.shape)
    persistence = X_test[:, -1]
    assert mse(pred, y_test) < 0.5 * mse(persistence, y_test)
    assert mse(pred, y_test) < 0.5 * mse(flat_pred, y_test)


@pytest.mark.parametrize("x_shape, y_shape", [
    ((12, 4, 5, 6), (12, 5, 6)),          # (n, T, H, W) -> frames
    ((12, 4, 2, 5, 6), (12, 2, 5, 6)),    # (n, T, C, H, W) -> multi-channel frames
    ((12, 4, 2, 5, 6), (12,)),            # frames -> a scalar
    ((12, 4, 5, 6), (12, 3)),             # frames -> a vector
    ((12, 4, 3), (12,)),                  # plain sequences: features as channels
    ((12, 4), (12, 2)),
])
def test_layouts_in_and_out(x_shape, y_shape):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=x_shape), rng.normal(size=y_shape)
    reg = ConvLSTMRegressor(max_epochs=2, hidden_channels=[3, 4], random_state=0).fit(X, y)
    assert reg.predict(X).shape == y_shape
    assert len(reg.net_.module_.cells) == 2


def test_grid_and_frame_errors_are_clear():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(10, 4, 6, 6))
    reg = ConvLSTMRegressor(max_epochs=1).fit(X, X[:, -1])
    with pytest.raises(ValueError, match=r"X has sequences of shape \(4, 6, 7\).*fitted on "
                                         r"sequences of shape \(4, 6, 6\)"):
        reg.predict(rng.normal(size=(2, 4, 6, 7)))
    with pytest.raises(ValueError, match=r"y frames have grid \(5, 5\), but X frames have "
                                         r"grid \(6, 6\)"):
        ConvLSTMRegressor(max_epochs=1).fit(X, np.zeros((10, 5, 5)))
    with pytest.raises(ValueError, match="got an array with 6 dimensions"):
        ConvLSTMRegressor(max_epochs=1).fit(np.zeros((4, 2, 1, 1, 3, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"kernel_size=2; expected an odd int >= 1\.$"):
        ConvLSTMRegressor(kernel_size=2).fit(X, X[:, -1])
    with pytest.raises(ValueError, match=r"hidden_channels=\[\]; expected an int >= 1 or a "
                                         r"non-empty list of them\.$"):
        ConvLSTMRegressor(hidden_channels=[]).fit(X, X[:, -1])


def test_cell_follows_the_paper_equations():
    torch.manual_seed(0)
    cell = ConvLSTMCell(2, 3, 3, (5, 5)).double()
    x = torch.randn(4, 2, 5, 5, dtype=torch.float64)
    h, c = torch.randn(2, 4, 3, 5, 5, dtype=torch.float64)
    W_c = cell.peephole_weight
    conv = (cell.conv_x(x) + cell.conv_h(h)).chunk(4, dim=1)
    i = torch.sigmoid(conv[0] + W_c[0] * c)
    f = torch.sigmoid(conv[1] + W_c[1] * c)
    c_new = f * c + i * torch.tanh(conv[3])
    o = torch.sigmoid(conv[2] + W_c[2] * c_new)
    h_new, (_, c_out) = cell(cell.project(x[:, None])[:, 0], (h, c))
    torch.testing.assert_close(c_out, c_new)
    torch.testing.assert_close(h_new, o * torch.tanh(c_new))
    assert not hasattr(ConvLSTMCell(2, 3, 3, (5, 5), peephole=False), "peephole_weight")


def test_one_by_one_grid_runs_as_matmuls_with_the_same_result():
    torch.manual_seed(0)
    net = ConvLSTMNet(3, (1, 1), [4, 5], 2).double()
    x = torch.randn(4, 6, 3, 1, 1, dtype=torch.float64)
    fast = net(x)
    for cell in net.cells:
        cell.pointwise = False
    torch.testing.assert_close(net(x), fast, rtol=1e-12, atol=1e-12)


def test_window_norm_pools_time_and_space_per_channel():
    X, y = make_moving_blobs(60, n_timesteps=4, grid=6, random_state=0)
    reg = ConvLSTMRegressor(window_norm="standard", max_epochs=2, random_state=0)
    pred = reg.fit(10 * X + 3, 10 * y + 3).predict(10 * X + 3)
    assert pred.shape == y.shape and np.isfinite(pred).all()
