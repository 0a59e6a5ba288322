"""Windows that never materialise: fit and predict read a windows view batch by batch.

The Windower returns a strided view, O(n x features); the estimators gather
each batch's (or chunk's) windows from it and put them in model units there,
so the same model comes out of a view and of its dense copy, bit for bit,
and the windows of all rows never exist at once.
"""

import tracemalloc

import numpy as np
import pandas as pd
import pytest
import torch
from numpy.testing import assert_array_equal
from skorch.dataset import Dataset

from sklstm import (
    CIFGLSTMRegressor,
    ConvLSTMRegressor,
    LSTMRegressor,
    Windower,
    _validation,
    forecast_xy,
)
from sklstm._training import SequenceRows, TailSplit, TensorBatches
from sklstm._window_norm import ChannelMoments, channel_stats
from sklstm.base import SequenceRegressor

FAST = dict(max_epochs=2, hidden_size=4, random_state=0)


def series(n=300, seed=0, gaps=0.0):
    """A trending series and a covariate, float32 ``(n, 2)``; ``y`` is the next value."""
    rng = np.random.RandomState(seed)
    level = 3 * np.sin(np.arange(n) / 5.0) + 0.2 * rng.normal(size=n).cumsum()
    S = np.c_[level, rng.normal(size=n)].astype(np.float32)
    y = np.r_[level[1:], level[-1]]
    if gaps:
        S[rng.uniform(size=S.shape) < gaps] = np.nan
        y[rng.uniform(size=n) < gaps] = np.nan
    return S, y


@pytest.fixture(params=["default", "small"])
def chunks(request, monkeypatch):
    """Default chunks, or chunks of 100 values: many stats chunks and training blocks."""
    if request.param == "small":
        monkeypatch.setattr(_validation, "CHUNK_ELEMENTS", 100)
    return request.param


WEIGHTS = np.random.RandomState(1).uniform(size=300) * (np.arange(300) % 7 != 0)

CASES = {
    "no_norm": (LSTMRegressor, dict(window_norm=None), {}),
    "standard": (LSTMRegressor, dict(window_norm="standard"), {}),
    "mean_target_channel": (LSTMRegressor, dict(window_norm="mean",
                                                window_norm_channels="target"), {}),
    "last": (LSTMRegressor, dict(window_norm="last"), {}),
    "auto": (LSTMRegressor, dict(), {}),
    "mask": (LSTMRegressor, dict(missing="mask", window_norm="standard"), {"gaps": 0.1}),
    "weights": (LSTMRegressor, dict(window_norm="last"), {"weights": True}),
    "conformal_weights": (LSTMRegressor, dict(conformal=True), {"weights": True}),
    "quantiles_conformal": (LSTMRegressor, dict(quantiles=(0.1, 0.9), conformal="absolute"),
                            {}),
    "early_stopping": (LSTMRegressor, dict(early_stopping=True, n_iter_no_change=1,
                                           batch_size=7), {}),
    "custom_cell": (CIFGLSTMRegressor, dict(window_norm="standard"), {}),
}


def _predictions(model, X):
    out = [model.predict(X)]
    if model.conformal or model.quantiles_ is not None:
        out.append(model.predict_interval(X, coverage=0.8))
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_a_view_and_its_dense_copy_give_the_same_model(case, chunks):
    cls, params, data = CASES[case]
    S, y = series(gaps=data.get("gaps", 0.0))
    weight = WEIGHTS if data.get("weights") else None
    view = Windower(window=12).fit_transform(S)
    assert not view.flags.c_contiguous and not view.flags.owndata        # a strided view
    dense = np.array(view)
    a = cls(**FAST, **params).fit(view, y, sample_weight=weight)
    b = cls(**FAST, **params).fit(dense, y, sample_weight=weight)
    assert_array_equal(a._x_loc, b._x_loc)
    assert_array_equal(a._x_scale, b._x_scale)
    for p, q in zip(_predictions(a, view), _predictions(b, dense)):
        assert_array_equal(p, q)
    # predict reads a view as it reads the copy
    for p, q in zip(_predictions(b, view), _predictions(b, dense)):
        assert_array_equal(p, q)


def test_partial_fit_on_views_equals_partial_fit_on_copies(chunks):
    S, y = series()
    view = Windower(window=12).fit_transform(S)
    models = []
    for X in (view, np.array(view)):
        model = LSTMRegressor(**FAST, window_norm="last", conformal=True)
        model.partial_fit(X[:150], y[:150]).partial_fit(X[150:], y[150:])
        models.append(model)
    assert_array_equal(models[0].predict(view), models[1].predict(view))
    assert_array_equal(models[0].predict_interval(view), models[1].predict_interval(view))


def test_float64_windows_are_converted_chunk_by_chunk_as_a_whole_array_would_be(chunks):
    S, y = series()
    view = Windower(window=12).fit_transform(S.astype(np.float64))
    a = LSTMRegressor(**FAST, window_norm="standard").fit(view, y)
    b = LSTMRegressor(**FAST, window_norm="standard").fit(np.array(view, dtype=np.float32), y)
    assert_array_equal(a.predict(view), b.predict(view))


def test_panel_windows_in_any_memory_layout_give_the_same_model():
    rng = np.random.RandomState(0)
    table = pd.DataFrame({"sid": np.repeat(["a", "b", "c"], 80),
                          "sales": rng.normal(size=240).cumsum().astype(np.float32)})
    X, y = forecast_xy(table, horizon=2, target="sales", series_id="sid")
    windows = Windower(window=8, series_id="sid").fit_transform(X)
    fortran = np.asfortranarray(windows)
    a = LSTMRegressor(**FAST, window_norm="standard").fit(windows, y)
    # a dense array does not know its series: it gets the panel's "auto" step explicitly
    b = LSTMRegressor(**FAST, window_norm="standard", lr=a.lr_,
                      weight_decay=a.weight_decay_).fit(fortran, y)
    assert_array_equal(a.predict(windows), b.predict(fortran))


def test_frame_windows_view_and_copy_give_the_same_model(chunks):
    rng = np.random.RandomState(0)
    frames = rng.uniform(size=(60, 4, 4)).astype(np.float32)          # (time, H, W)
    view = np.lib.stride_tricks.sliding_window_view(frames, 3, axis=0)   # (58, H, W, T)
    view = np.moveaxis(view, -1, 1)                                      # (58, T, H, W)
    y = frames[3:].mean(axis=(1, 2))
    view = view[:-1]
    params = dict(max_epochs=1, hidden_channels=2, random_state=0, window_norm="standard")
    a = ConvLSTMRegressor(**params).fit(view, y)
    b = ConvLSTMRegressor(**params).fit(np.array(view), y)
    assert_array_equal(a.predict(view), b.predict(np.array(view)))


def test_batches_from_a_view_are_the_batches_of_the_dense_inputs(monkeypatch):
    """Same permutation, same batches, whatever the block size or the last batch's size."""
    rng = np.random.RandomState(0)
    view = Windower(window=5).fit_transform(rng.normal(size=(103, 2)).astype(np.float32))
    y = torch.from_numpy(rng.normal(size=(103, 2)).astype(np.float32))

    def prepare(batch):                  # any row-wise map to model units
        return (batch - batch[:, -1:]) * np.float32(2)

    for elements in (10, 150, 10**6):    # blocks of 1 batch, 2 batches, everything
        monkeypatch.setattr(_validation, "CHUNK_ELEMENTS", elements)
        rows = SequenceRows(view, y, prepare)
        dense = Dataset(torch.from_numpy(prepare(np.array(view))), y)
        for shuffle in (True, False):
            torch.manual_seed(0)
            got = list(TensorBatches(rows, batch_size=7, shuffle=shuffle))
            torch.manual_seed(0)
            want = list(TensorBatches(dense, batch_size=7, shuffle=shuffle))
            assert len(got) == len(want) == len(TensorBatches(rows, batch_size=7)) == 15
            for (xa, ya), (xb, yb) in zip(got, want):
                assert torch.equal(xa, xb) and torch.equal(ya, yb)
        train, valid = TailSplit(0.2)(rows)
        assert isinstance(train, SequenceRows) and (len(train), len(valid)) == (82, 21)
        assert torch.equal(list(TensorBatches(valid, 64))[0][0],
                           torch.from_numpy(prepare(np.array(view[82:]))))


def test_channel_statistics_merged_over_chunks_match_numpy(float_tol):
    rng = np.random.RandomState(0)
    X = (rng.normal(size=(500, 6, 3)) * [1.0, 10.0, 0.01] + [0.0, 1e3, -5.0]).astype(np.float32)
    gappy = X.copy()
    gappy[rng.uniform(size=X.shape) < 0.1] = np.nan
    gappy[:200, :, 2] = np.nan                    # no value in the first chunks
    # np.nanvar keeps float32 input's deviations in float32: float32 tolerance there
    for data, dtype, mean, std in ((X, np.float64, np.mean, np.std),
                                   (gappy, np.float32, np.nanmean, np.nanstd)):
        want = (mean(data, axis=(0, 1), dtype=np.float64),
                std(data, axis=(0, 1), dtype=np.float64))
        moments = ChannelMoments()
        for start in range(0, 500, 37):
            moments.add(data[start:start + 37])
        for got, expected in zip(moments.result(), want):
            np.testing.assert_allclose(got, expected, **float_tol(dtype))
        # one chunk gives numpy's statistics exactly
        one = ChannelMoments()
        one.add(data)
        for got, expected in zip(one.result(), want):
            assert_array_equal(got, expected)
    # a channel never observed: nothing to centre
    gappy[:, :, 2] = np.nan
    loc, scale = channel_stats(gappy)
    assert loc[2] == 0.0 and scale[2] == 1.0


def test_a_bad_value_in_any_chunk_is_found(monkeypatch):
    monkeypatch.setattr(_validation, "CHUNK_ELEMENTS", 100)
    S, y = series()
    # windows that end at rows 11, ..., 299 (the Windower itself refuses infinity)
    view = np.lib.stride_tricks.sliding_window_view(S, 12, axis=0).transpose(0, 2, 1)
    y = y[11:]
    S[-1, 0] = np.inf                      # in the last chunk only
    with pytest.raises(ValueError, match="Input X contains infinity"):
        LSTMRegressor(max_epochs=1).fit(view, y)
    S[-1, 0] = np.nan
    with pytest.raises(ValueError, match=r"Input X contains NaN\. .*missing='mask'"):
        LSTMRegressor(max_epochs=1).fit(view, y)
    model = LSTMRegressor(max_epochs=1, missing="mask").fit(view, y)
    gappy = np.array(view)
    gappy[[5, 250], :, 0] = np.nan         # no target value in two windows, far apart
    with pytest.raises(ValueError, match=r"2 window\(s\).*\(rows 5, 250\)"):
        model.predict(gappy)


class _TimeMean(torch.nn.Module):
    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.head = torch.nn.Linear(n_features, n_outputs)

    def forward(self, x):                 # (batch, T, features) -> (batch, n_outputs)
        return self.head(x.mean(dim=1))


class _MeanRegressor(SequenceRegressor):
    """A variant with a cheap module: the data path under test is the base's alone."""

    def _build_module(self, input_shape, n_outputs):
        return _TimeMean(input_shape[-1], n_outputs)


def _traced_peak(fn):
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("params", [dict(), dict(missing="mask", conformal=True,
                                                  early_stopping=True)],
                         ids=["defaults", "mask_conformal_early_stopping"])
def test_fit_and_predict_never_hold_the_windows(params):
    """200k steps, window 168: the windows would be 134 MB of float32.

    NumPy's allocations are traced (torch's are not; a batch is a NumPy array
    until it becomes a tensor). Measured peaks: fit 10.2 MB with the defaults
    and 11.9 MB with the mask, calibration and validation tail; predict 10.3
    and 13.6 MB. What remains is O(n): targets, window statistics, outputs
    (8 bytes per row each), and one chunk of windows. Before, fit held every
    window in model units, over 134 MB.
    """
    steps, window = 200_000, 168
    rng = np.random.RandomState(0)
    s = (0.1 * rng.normal(size=steps).cumsum() + np.sin(np.arange(steps) / 4.0))
    s = s.astype(np.float32)[:, np.newaxis]
    X = Windower(window=window).fit_transform(s)
    y = np.r_[s[1:, 0], s[-1, 0]]
    materialised = steps * window * 4
    model = _MeanRegressor(batch_size=1024, max_epochs=1, n_iter_no_change=None,
                           random_state=0, **params)
    model.fit(X[:2000], y[:2000])                    # imports and caches, untraced
    _, fit_peak = _traced_peak(lambda: model.fit(X, y))
    prediction, predict_peak = _traced_peak(lambda: model.predict(X))
    assert prediction.shape == (steps,) and np.isfinite(prediction).all()
    assert fit_peak < 24e6 < materialised / 5
    assert predict_peak < 24e6
