"""Windower + regressor inside GridSearchCV and cross_validate, numpy and pandas."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate
from sklearn.pipeline import Pipeline

from sklstm import GRURegressor, LSTMRegressor, Windower, forecast_xy
from sklstm.datasets import load_nile


@pytest.fixture(params=["numpy", "pandas"])
def nile_xy(request):
    series = load_nile()
    X, y = forecast_xy(series, horizon=2)
    if request.param == "numpy":
        return X.to_numpy(), y.to_numpy()
    return X, y


def test_grid_search_over_window_and_hidden_size(nile_xy):
    X, y = nile_xy
    pipe = Pipeline([("win", Windower()), ("m", LSTMRegressor(max_epochs=5, random_state=0))])
    search = GridSearchCV(pipe, {"win__window": [4, 8], "m__hidden_size": [4, 8]},
                          cv=TimeSeriesSplit(3), scoring="neg_root_mean_squared_error")
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.predict(X[:5]).shape == (5, 2)
    if isinstance(X, pd.DataFrame):
        assert list(search.best_estimator_[0].feature_names_in_) == ["volume"]


def test_cross_validate_with_time_series_split(nile_xy):
    X, y = nile_xy
    pipe = Pipeline([("win", Windower(window=6)), ("m", GRURegressor(max_epochs=5, random_state=0))])
    scores = cross_validate(pipe, X, y, cv=TimeSeriesSplit(2), scoring="r2")
    assert len(scores["test_score"]) == 2
