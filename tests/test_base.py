"""The contract every regressor gets from SequenceRegressor."""

import io
import pickle

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from skorch.callbacks import Callback

from sklstm import GRURegressor, LSTMRegressor, StackedLSTMRegressor

FAST = dict(max_epochs=15, hidden_size=8, random_state=0)


def test_loss_falls_and_history_is_exposed(seq_data):
    X, y = seq_data
    reg = LSTMRegressor(max_epochs=40, n_iter_no_change=None, random_state=0).fit(X, y)
    assert len(reg.loss_curve_) == reg.n_iter_ == 40
    assert reg.loss_curve_[-1] < 0.2 * reg.loss_curve_[0]
    assert reg.history_ is reg.net_.history
    assert reg.history_[-1, "epoch"] == 40
    assert isinstance(reg.net_.module_, torch.nn.Module)
    assert reg.score(X, y) > 0.8


def test_plateau_stops_training_early(seq_data):
    X, y = seq_data
    reg = LSTMRegressor(max_epochs=500, tol=1.0, n_iter_no_change=3, random_state=0).fit(X, y)
    # a decrease of 1.0 on the standardised loss never happens after the start
    assert reg.n_iter_ <= 5


def test_early_stopping_validates_on_the_tail_and_restores_best(seq_data):
    X, y = seq_data
    reg = LSTMRegressor(max_epochs=60, early_stopping=True, validation_fraction=0.25,
                        n_iter_no_change=5, random_state=0).fit(X, y)
    valid = reg.history_[:, "valid_loss"]
    assert len(valid) == reg.n_iter_
    # the tail (last 24 samples) is the validation set: 72 training samples
    assert reg.history_[-1, "batches", 0, "train_batch_size"] == 32
    assert sum(b["train_batch_size"] for b in reg.history_[-1, "batches"]
               if "train_batch_size" in b) == 72
    # restored weights are those of the best validation epoch
    Xv, stats = reg._model_inputs(X[-24:].astype(np.float32))     # model units
    yv = reg._encode_target(y[-24:, None], stats)
    Xv = torch.as_tensor(Xv)
    with torch.no_grad():
        pred = reg.net_.module_.eval()(Xv).numpy()
    mse = float(np.mean((pred - yv) ** 2))
    assert mse == pytest.approx(min(valid), rel=1e-4)


def test_multi_output_keeps_y_shape(seq_data):
    X, y = seq_data
    Y = np.column_stack([y, 2 * y, -y])
    reg = GRURegressor(**FAST).fit(X, Y)
    assert reg.predict(X).shape == (96, 3)
    reg = GRURegressor(**FAST).fit(X, Y[:, :1])
    assert reg.predict(X).shape == (96, 1)
    assert reg.predict(X).dtype == np.float64


def test_targets_are_standardised_internally(seq_data, float_tol):
    X, y = seq_data
    big = 1e4 * y + 5e5
    a = LSTMRegressor(window_norm=None, **FAST).fit(X, y).predict(X)
    b = LSTMRegressor(window_norm=None, **FAST).fit(X, big).predict(X)
    # Both models train on the same standardised targets; only float32 rounding
    # of the standardised values can differ, so the two agree to float32
    # precision on y's scale (a loose rtol on values near 5e5 would not see it).
    np.testing.assert_allclose((b - 5e5) / 1e4, a, **float_tol(np.float32, scale=np.std(a)))


def test_window_norm_auto_follows_the_data():
    rng = np.random.RandomState(0)
    # a trend: the last value forecasts the next far better than the mean does, and the
    # windows' levels differ far more than a window varies inside
    series = np.arange(200.0) + rng.normal(size=200)
    X = np.lib.stride_tricks.sliding_window_view(series[:-1], 8)[:, :, None]   # (192, 8, 1)
    y = series[8:]
    reg = LSTMRegressor(max_epochs=1, random_state=0).fit(X, y)
    assert reg.window_norm == "auto" and reg.window_norm_ == "last"
    # a seasonal series around a constant level: persistence beats the mean, but every
    # window (two whole seasons) has the same level
    smooth = np.sin(2 * np.pi * np.arange(600) / 12) + 0.1 * rng.normal(size=600)
    Xs = np.lib.stride_tricks.sliding_window_view(smooth[:-1], 24)[:, :, None]
    reg = LSTMRegressor(max_epochs=1, random_state=0).fit(Xs, smooth[24:])
    assert reg.window_norm_ is None
    # regression data: y is not a continuation of the windows
    X = rng.normal(size=(96, 8, 2))
    y = rng.normal(size=96)
    reg = LSTMRegressor(max_epochs=1, random_state=0).fit(X, y)
    assert reg.window_norm_ is None
    # a panel: series at levels 10 to 1,000 whose swings grow with their level
    levels = rng.uniform(10, 1000, size=(96, 1, 2))
    walks = levels * np.exp(np.cumsum(0.05 * rng.normal(size=(96, 8, 2)), axis=1))
    # the resolved mode is the one used: same model as asking for it directly
    for mode, windows in [(None, X), ("relative", walks)]:
        auto = LSTMRegressor(max_epochs=3, random_state=0)
        explicit = LSTMRegressor(window_norm=mode, max_epochs=3, random_state=0)
        y_mode = windows[:, -1, 0] + 0.1 * y if mode == "relative" else y
        auto.fit(windows, y_mode)
        assert auto.window_norm_ == mode
        np.testing.assert_array_equal(auto.predict(windows),
                                      explicit.fit(windows, y_mode).predict(windows))
    # an explicit mode is kept as given
    assert LSTMRegressor(window_norm="mean", max_epochs=1).fit(X, y).window_norm_ == "mean"


def test_input_channels_are_standardised_internally(seq_data, float_tol):
    X, y = seq_data
    big = X.copy()
    big[:, :, 1] *= 1e6
    a = LSTMRegressor(window_norm=None, **FAST).fit(X, y).predict(X)
    b = LSTMRegressor(window_norm=None, **FAST).fit(big, y).predict(big)
    # the model sees the same standardised channels, up to float32 rounding of
    # the scaled input (measured over seeds 0-4: at most 2e-7 of max |a|)
    np.testing.assert_allclose(b, a, **float_tol(np.float32, scale=np.abs(a).max()))


def test_fit_is_deterministic_and_leaves_global_rng_alone(seq_data):
    X, y = seq_data
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    p1 = StackedLSTMRegressor(dropout=0.3, **FAST).fit(X, y).predict(X)
    assert torch.equal(torch.random.get_rng_state(), state)
    p2 = StackedLSTMRegressor(dropout=0.3, **FAST).fit(X, y).predict(X)
    np.testing.assert_array_equal(p1, p2)
    p3 = StackedLSTMRegressor(dropout=0.3, **{**FAST, "random_state": 1}).fit(X, y).predict(X)
    assert not np.allclose(p1, p3)


def test_partial_fit_continues_training(seq_data):
    X, y = seq_data
    reg = LSTMRegressor(random_state=0)
    for _ in range(3):
        reg.partial_fit(X, y)
    assert reg.n_iter_ == 3 and len(reg.loss_curve_) == 3
    before = reg.loss_curve_[-1]
    for _ in range(20):
        reg.partial_fit(X, y)
    assert reg.n_iter_ == 23
    assert reg.loss_curve_[-1] < before
    # the same calls from the same seed give the same model
    again = LSTMRegressor(random_state=0)
    for _ in range(23):
        again.partial_fit(X, y)
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))
    with pytest.raises(ValueError, match="y has 2 outputs, but LSTMRegressor was started with 1"):
        reg.partial_fit(X, np.column_stack([y, y]))


@pytest.mark.parametrize("dump, load", [
    (lambda est, f: pickle.dump(est, f), pickle.load),
    (lambda est, f: joblib.dump(est, f), joblib.load),
])
def test_pickle_and_joblib_round_trips_are_exact(seq_data, dump, load):
    X, y = seq_data
    reg = LSTMRegressor(**FAST).fit(X, y)
    buffer = io.BytesIO()
    dump(reg, buffer)
    buffer.seek(0)
    restored = load(buffer)
    np.testing.assert_array_equal(restored.predict(X), reg.predict(X))


def test_skorch_options_pass_through(seq_data):
    X, y = seq_data

    class CountEpochs(Callback):
        def __init__(self):
            self.count = 0

        def on_epoch_end(self, net, **kwargs):
            self.count += 1

    counter = CountEpochs()
    reg = LSTMRegressor(callbacks=[("count", counter)], optimizer=torch.optim.SGD,
                        lr=0.05, n_iter_no_change=None, **{**FAST, "max_epochs": 4})
    reg.fit(X, y)
    assert counter.count == 0  # the estimator's parameter is not modified
    assert dict(reg.net_.callbacks_)["count"].count == 4
    assert isinstance(reg.net_.optimizer_, torch.optim.SGD)


@pytest.mark.parametrize("name, expected", [
    ("adam", torch.optim.Adam),
    ("adamw", torch.optim.AdamW),
    ("sgd", torch.optim.SGD),
    ("rmsprop", torch.optim.RMSprop),
    (torch.optim.NAdam, torch.optim.NAdam),
])
def test_optimizer_and_weight_decay_reach_skorch(seq_data, name, expected):
    X, y = seq_data
    reg = LSTMRegressor(optimizer=name, lr=0.003, weight_decay=0.02,
                        **{**FAST, "max_epochs": 2}).fit(X, y)
    optimizer = reg.net_.optimizer_
    assert type(optimizer) is expected
    assert len(optimizer.param_groups) == 1
    group = optimizer.param_groups[0]
    assert group["weight_decay"] == 0.02
    assert group["lr"] == 0.003
    # every trainable weight of the module is under that optimizer
    assert {id(p) for p in group["params"]} == {id(p) for p in reg.net_.module_.parameters()}


def test_weight_decay_shrinks_the_weights(seq_data):
    X, y = seq_data

    def weight_norm(weight_decay):
        reg = LSTMRegressor(optimizer="sgd", lr=0.05, weight_decay=weight_decay,
                            n_iter_no_change=None, **FAST).fit(X, y)
        return sum(float(p.detach().norm() ** 2) for p in reg.net_.module_.parameters())

    # an L2 penalty this strong pulls every weight towards zero: the squared
    # norm ratio is 0.0099-0.0100 over seeds 0-9
    assert weight_norm(1.0) < 0.5 * weight_norm(0.0)


def test_verbose_prints_a_per_epoch_log(seq_data, capsys):
    X, y = seq_data
    LSTMRegressor(verbose=1, n_iter_no_change=None, **{**FAST, "max_epochs": 3}).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and out.count("\n") >= 4
    LSTMRegressor(verbose=0, **{**FAST, "max_epochs": 3}).fit(X, y)
    assert capsys.readouterr() == ("", "")


def test_verbose_2_adds_a_progress_bar(seq_data, capsys):
    from skorch.callbacks import ProgressBar

    X, y = seq_data
    reg = LSTMRegressor(verbose=2, n_iter_no_change=None, **{**FAST, "max_epochs": 2}).fit(X, y)
    assert any(isinstance(cb, ProgressBar) for _, cb in reg.net_.callbacks_)
    captured = capsys.readouterr()
    assert "train_loss" in captured.out             # the per-epoch log of verbose=1
    assert "it/s" in captured.err                   # the bar, one per epoch (tqdm, stderr)
    reg = LSTMRegressor(verbose=1, **{**FAST, "max_epochs": 1}).fit(X, y)
    assert not any(isinstance(cb, ProgressBar) for _, cb in reg.net_.callbacks_)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("X, y, error, match", [
    (np.ones(10), np.ones(10), ValueError, "Expected 2D array, got 1D array"),
    (np.ones((10, 3, 2, 2)), np.ones(10), ValueError,
     r"LSTMRegressor expects X of shape \(n_samples, n_timesteps\) or "
     r"\(n_samples, n_timesteps, n_features\), got an array with 4 dimensions"),
    (np.full((10, 3), np.nan), np.ones(10), ValueError, "Input X contains NaN"),
    (np.full((10, 3), np.inf), np.ones(10), ValueError, "Input X contains infinity"),
    (np.ones((10, 3)), np.r_[np.ones(9), np.nan], ValueError, "Input y contains NaN"),
    (np.empty((0, 3)), np.empty(0), ValueError, "0 sample"),
    (np.empty((5, 0, 2)), np.ones(5), ValueError, "empty axis"),
    (np.ones((10, 3)), np.ones(9), ValueError, "inconsistent numbers of samples: \\[10, 9\\]"),
    (sp.csr_matrix(np.ones((10, 3))), np.ones(10), TypeError,
     r"got a sparse X \(csr_matrix\).*X.toarray\(\)"),
    (np.ones((10, 3)), sp.csr_matrix(np.ones((10, 1))), TypeError, "got a sparse y"),
    (np.array([["a", "b"]] * 4), np.ones(4), ValueError, "could not convert string to float"),
    (np.ones((4, 3)), np.array(["x", "y", "z", "w"]), ValueError, "could not convert"),
    (np.ones((4, 3)), None, ValueError, "requires y to be passed"),
    (np.ones((4, 3)) + 1j, np.ones(4), ValueError, "Complex data not supported"),
])
def test_bad_input_is_worded(X, y, error, match):
    with pytest.raises(error, match=match):
        LSTMRegressor(max_epochs=1).fit(X, y)


def test_sequence_shape_at_predict_must_match_fit(seq_data):
    X, y = seq_data  # (96, 8, 2)
    reg = LSTMRegressor(**FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"X has sequences of shape \(8, 3\).*fitted on "
                                         r"sequences of shape \(8, 2\)"):
        reg.predict(np.ones((4, 8, 3)))
    with pytest.raises(ValueError, match=r"shape \(5, 2\).*shape \(8, 2\)"):
        reg.predict(np.ones((4, 5, 2)))
    uni = LSTMRegressor(**FAST).fit(X[:, :, 0], y)
    with pytest.raises(ValueError, match="X has 5 features, but LSTMRegressor is expecting 8"):
        uni.predict(np.ones((4, 5)))
    # (n, T) and (n, T, 1) are the same univariate sequences
    np.testing.assert_array_equal(uni.predict(X[:4, :, :1]), uni.predict(X[:4, :, 0]))


def test_predict_before_fit_says_so():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError, match="not fitted yet"):
        LSTMRegressor().predict(np.ones((2, 3)))


@pytest.mark.parametrize("params, match", [
    ({"hidden_size": 0}, r"hidden_size=0; expected an int in \[1, inf\]"),
    ({"num_layers": 1.5}, r"num_layers=1.5; expected an int"),
    ({"dropout": 1.0}, r"dropout=1.0; expected a float in \[0.0, 1.0\)"),
    ({"lr": 0}, r"lr=0; expected one of 'auto' or a float > 0"),
    ({"weight_decay": -1}, r"weight_decay=-1; expected one of 'auto' or a float >= 0"),
    ({"max_epochs": -1}, r"max_epochs=-1"),
    ({"batch_size": 0}, r"batch_size=0"),
    ({"optimizer": "adagrad"}, r"optimizer='adagrad'; expected one of 'adam', 'adamw', "
                               r"'sgd', 'rmsprop' or a torch.optim.Optimizer subclass"),
    ({"weight_decay": -0.1}, r"weight_decay=-0.1"),
    ({"tol": -1.0}, r"tol=-1.0"),
    ({"early_stopping": 1}, r"early_stopping=1; expected one of True, False"),
    ({"validation_fraction": 1.0}, r"validation_fraction=1.0; expected a float in \(0.0, 1.0\)"),
    ({"n_iter_no_change": 0}, r"n_iter_no_change=0; expected an int in \[1, inf\] or None"),
    ({"callbacks": "progress"}, r"callbacks='progress'; expected one of None or a list"),
    ({"device": "tpu"}, r"device='tpu'; expected one of 'cpu', 'cuda', 'auto' or 'cuda:N'"),
    ({"device": "cuda:x"}, r"device='cuda:x'; expected one of 'cpu', 'cuda', 'auto' or 'cuda:N'"),
    ({"device": "cuda:"}, r"device='cuda:'; expected one of"),
    ({"device": "cuda:-1"}, r"device='cuda:-1'; expected one of"),
    ({"verbose": -1}, r"verbose=-1"),
    ({"random_state": "seed"},
     r"random_state='seed'; expected one of None or an int in \[0, 2\*\*32\)"),
])
def test_bad_parameters_are_named(seq_data, params, match):
    X, y = seq_data
    with pytest.raises(ValueError, match=match):
        LSTMRegressor(**params).fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA message")
def test_cuda_without_a_gpu_is_a_clear_error(seq_data):
    X, y = seq_data
    with pytest.raises(ValueError, match="device='cuda' but CUDA is not available"):
        LSTMRegressor(device="cuda").fit(X, y)
    with pytest.raises(ValueError, match=r"LSTMRegressor: device='cuda:1' but CUDA is not "
                                         r"available on this machine\. Use device='cpu'"):
        LSTMRegressor(device="cuda:1").fit(X, y)
    # "auto" falls back to the CPU
    reg = LSTMRegressor(device="auto", **FAST).fit(X, y)
    assert reg.net_.device == "cpu"


def test_early_stopping_needs_two_samples():
    with pytest.raises(ValueError, match=r"leaves 1 validation and 0 training sample\(s\); "
                                         r"both need at least one\. Pass more samples"):
        LSTMRegressor(early_stopping=True, max_epochs=1).fit(np.ones((1, 3)), np.ones(1))


def test_generated_init_has_a_real_signature():
    import inspect
    sig = inspect.signature(StackedLSTMRegressor)
    assert sig.parameters["num_layers"].default == 2
    assert list(sig.parameters) == list(inspect.signature(LSTMRegressor).parameters)
    assert StackedLSTMRegressor(16, 3).get_params()["num_layers"] == 3
    assert repr(StackedLSTMRegressor(hidden_size=8)) == "StackedLSTMRegressor(hidden_size=8)"
    with pytest.raises(TypeError):
        StackedLSTMRegressor(bogus=1)


@pytest.mark.parametrize("n", [1, 7, 256, 300])
def test_a_prediction_does_not_depend_on_its_batch(seq_data, n):
    X, y = seq_data
    X = np.concatenate([X] * 4)[:n]
    reg = LSTMRegressor(**FAST).fit(X, y[: len(X)] if n <= 96 else np.resize(y, n))
    full = reg.predict(X)
    one_by_one = np.array([reg.predict(X[i:i + 1])[0] for i in range(0, n, max(1, n // 9))])
    np.testing.assert_array_equal(full[::max(1, n // 9)], one_by_one)
