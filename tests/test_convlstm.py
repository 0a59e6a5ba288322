"""ConvLSTMRegressor: frames in, frames out, and next-frame skill."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import RidgeCV

from sklstm import ConvLSTMRegressor
from sklstm.datasets import make_moving_blobs
from sklstm.nn.conv import ConvLSTMCell, ConvLSTMNet


def mse(a, b):
    return float(np.mean((a - b) ** 2))


def test_next_frame_beats_ridge_on_the_flattened_frames():
    """Translation-equivariant gates learn the motion from few samples on a larger grid.

    Ridge regression on the flattened frames, the strongest cheap baseline,
    must learn each position's motion separately: with 200 training
    sequences of 16x16 frames it stays well behind.
    """
    X, y = make_moving_blobs(400, n_timesteps=4, grid=16, random_state=0)
    X_train, X_test, y_train, y_test = X[:200], X[200:], y[:200], y[200:]
    conv = ConvLSTMRegressor(max_epochs=30, random_state=0).fit(X_train, y_train)
    pred = conv.predict(X_test)
    assert pred.shape == y_test.shape
    ridge = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(X_train.reshape(200, -1),
                                                       y_train.reshape(200, -1))
    ridge_pred = ridge.predict(X_test.reshape(200, -1)).reshape(y_test.shape)
    # persistence (the last frame) is far behind both: about 0.0057 here
    assert mse(ridge_pred, y_test) < mse(X_test[:, -1], y_test)
    # ConvLSTM / ridge MSE over seeds 0-9 (data and model): 0.19-0.42
    assert mse(pred, y_test) < 0.6 * mse(ridge_pred, y_test)


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
    # matmuls against 3x3 convolutions with zero padding: float64 rounding apart
    torch.testing.assert_close(net(x), fast, rtol=1e-12, atol=1e-12)


def test_window_norm_pools_time_and_space_per_channel():
    """Statistics per window and channel over time and space, the target on channel 0.

    An affine map per window and channel, ``a X + b``, leaves the normalised
    windows unchanged, so the prediction moves with channel 0's map only:
    ``predict(a X + b) = a_0 predict(X) + b_0``. A map that varies over the
    grid is not undone (the statistics pool space), so it changes predictions.
    """
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 4, 2, 5, 5))                    # (n, T, C, H, W)
    y = X[:, -1, 0].mean(axis=(1, 2)) + 0.5 * X[:, -1, 1].mean(axis=(1, 2))
    reg = ConvLSTMRegressor(window_norm="standard", hidden_channels=3, max_epochs=3,
                            random_state=0).fit(X, y)
    a = rng.uniform(0.5, 4.0, size=(40, 1, 2, 1, 1))
    b = rng.uniform(-50, 50, size=(40, 1, 2, 1, 1))
    pred = reg.predict(X)
    moved = reg.predict(a * X + b)
    # the network runs in float32 on windows rounded differently: float32 scale
    np.testing.assert_allclose(moved, a[:, 0, 0, 0, 0] * pred + b[:, 0, 0, 0, 0],
                               rtol=1e-4, atol=1e-4 * np.abs(moved).max())
    ramp = np.linspace(-1, 1, 5)[None, None, None, :, None]   # varies over rows
    assert np.abs(reg.predict(X + ramp) - pred).max() > 1e-3


# ----------------------------------------------------------------- dropout

def test_dropout_between_layers_and_before_the_head_in_training_only():
    torch.manual_seed(0)
    net = ConvLSTMNet(1, (5, 5), [3, 3], 2, dropout=0.5)
    assert net.stack.dropout.p == 0.5 and net.dropout.p == 0.5
    x = torch.randn(4, 3, 1, 5, 5)
    assert not torch.equal(net(x), net(x))                    # fresh masks each pass
    net.eval()
    eval_out = net(x)
    torch.testing.assert_close(net(x), eval_out, rtol=0, atol=0)   # the same computation
    plain = ConvLSTMNet(1, (5, 5), [3, 3], 2).eval()
    plain.load_state_dict(net.state_dict())
    # eval mode is dropout-free: the same weights without dropout give the same output
    torch.testing.assert_close(plain(x), eval_out, rtol=0, atol=0)


def test_regressor_passes_dropout_to_the_module():
    X, y = make_moving_blobs(24, n_timesteps=3, grid=5, random_state=0)
    reg = ConvLSTMRegressor(dropout=0.3, hidden_channels=[2, 2], max_epochs=1,
                            random_state=0).fit(X, y)
    module = reg.net_.module_
    assert module.stack.dropout.p == 0.3 and module.dropout.p == 0.3
    # predict runs in eval mode: no dropout, the same computation twice
    np.testing.assert_array_equal(reg.predict(X), reg.predict(X))
    with pytest.raises(ValueError, match="dropout"):
        ConvLSTMRegressor(dropout=1.0).fit(X, y)


# ----------------------------------------------------------------- peephole

def test_without_peepholes_the_module_has_none_and_still_learns():
    X, y = make_moving_blobs(200, n_timesteps=4, grid=8, random_state=0)
    reg = ConvLSTMRegressor(peephole=False, max_epochs=15, n_iter_no_change=None,
                            random_state=0).fit(X, y)
    names = [name for name, _ in reg.net_.module_.named_parameters()]
    assert not any("peephole" in name for name in names)
    with_peep = ConvLSTMRegressor(max_epochs=1, random_state=0).fit(X, y)
    assert any("peephole" in n for n, _ in with_peep.net_.module_.named_parameters())
    # last / first epoch's training loss over seeds 0-9: 0.026-0.043
    assert reg.loss_curve_[-1] < 0.1 * reg.loss_curve_[0]


# ------------------------------------------------------------- partial_fit

def test_partial_fit_with_frame_targets_checks_later_targets():
    X, y = make_moving_blobs(20, n_timesteps=3, grid=6, random_state=0)
    reg = ConvLSTMRegressor(hidden_channels=2, random_state=0).partial_fit(X, y)
    reg.partial_fit(X, y)                                     # same frames: one more epoch
    assert len(reg.loss_curve_) == 2
    assert reg.predict(X).shape == (20, 6, 6)
    with pytest.raises(ValueError, match=r"y frames have shape \(5, 5\), but "
                                         r"ConvLSTMRegressor was started with \(6, 6\)"):
        reg.partial_fit(X, y[:, :5, :5])
    with pytest.raises(ValueError, match=r"y has 3 outputs, but ConvLSTMRegressor was "
                                         r"started with 36"):
        reg.partial_fit(X, y[:, 0, :3])
    with pytest.raises(ValueError, match=r"X has sequences of shape \(3, 5, 5\).*fitted on "
                                         r"sequences of shape \(3, 6, 6\)"):
        reg.partial_fit(X[:, :, :5, :5], y)
    assert len(reg.loss_curve_) == 2                          # no failed call trained


# ---------------------------------------------------------- make_moving_blobs

def centroids(frames):
    """Centre of mass (row, column) of each frame, over the last two axes."""
    grid = np.arange(frames.shape[-1])
    mass = frames.sum(axis=(-2, -1))
    rows = (frames.sum(axis=-1) * grid).sum(axis=-1) / mass
    cols = (frames.sum(axis=-2) * grid).sum(axis=-1) / mass
    return np.stack([rows, cols], axis=-1)


def test_make_moving_blobs_moves_one_blob_in_a_straight_line():
    # a narrow blob, so the border does not bias its centre of mass
    X, y = make_moving_blobs(50, n_timesteps=5, grid=20, sigma=0.6, speed=1.5,
                             random_state=0)
    assert X.shape == (50, 5, 20, 20) and y.shape == (50, 20, 20)
    assert X.min() >= 0 and X.max() <= 1
    path = centroids(np.concatenate([X, y[:, None]], axis=1))        # (n, T + 1, 2)
    steps = np.diff(path, axis=1)
    # a blob sampled on the grid has its centre of mass within ~0.02 of its centre
    np.testing.assert_allclose(np.linalg.norm(steps, axis=2), 1.5, atol=0.05)
    assert np.abs(steps - steps[:, :1]).max() < 0.05                 # constant velocity
    assert (path > 0.5).all() and (path < 19.5).all()                # stays inside


def test_make_moving_blobs_is_seeded_and_noise_is_on_inputs_only():
    X, y = make_moving_blobs(10, n_timesteps=3, grid=8, random_state=3)
    X2, y2 = make_moving_blobs(10, n_timesteps=3, grid=8, random_state=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    noisy, y_noisy = make_moving_blobs(10, n_timesteps=3, grid=8, noise=0.1, random_state=3)
    np.testing.assert_array_equal(y_noisy, y)
    assert 0.08 < (noisy - X).std() < 0.12
    assert not np.array_equal(make_moving_blobs(10, grid=8, random_state=4)[0][:, :3], X)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_samples": 0}, r"n_samples=0; expected an int in \[1, inf\]"),
    ({"grid": 2.5}, r"grid=2\.5"),
    ({"sigma": 0.0}, r"sigma=0\.0; expected a float in \(0, inf\)"),
    ({"speed": -1.0}, r"speed=-1\.0"),
    ({"noise": -0.1}, r"noise=-0\.1"),
])
def test_make_moving_blobs_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_moving_blobs(**kwargs)
