"""The ``sklstm`` command line.

``sklstm compare`` cross-validates the recurrent regressors on a series (a
bundled dataset or a CSV file) with :class:`~sklearn.model_selection.TimeSeriesSplit`
and prints a leaderboard, with naive baselines scored on the same folds::

    sklstm compare                                  # sunspots, all variants
    sklstm compare --data nile --variants lstm gru --cv 4
    sklstm compare --data prices.csv --target close --horizon 3 --plot cv.png

``python -m sklstm`` runs the same command. Progress goes to stderr, the
leaderboard to stdout. Mistakes in the arguments or the data end the command
with a one-line ``sklstm: error: ...`` message and exit status 2.
"""

import argparse
import importlib.util
import os
import sys
import time

import numpy as np
import pandas as pd
import torch
from sklearn.base import clone
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from . import (
    AttentionLSTMRegressor,
    BiLSTMRegressor,
    ConvLSTMRegressor,
    CIFGLSTMRegressor,
    GRURegressor,
    HighwayLSTMRegressor,
    LSTMRegressor,
    NestedLSTMRegressor,
    PeepholeLSTMRegressor,
    QuantizedLSTMRegressor,
    StackedLSTMRegressor,
    TreeLSTMRegressor,
    Windower,
    forecast_xy,
)
from .datasets import DATASETS, load_series

__all__ = [
    "VARIANTS",
    "DEFAULT_VARIANTS",
    "main",
    "build_parser",
    "load_data",
    "default_window",
    "make_pipeline",
    "naive_forecast",
    "seasonal_naive_forecast",
    "cross_validate_models",
    "leaderboard",
    "format_leaderboard",
    "plot_last_fold",
    "InputError",
]

#: Short names accepted by ``--variants``, mapped to the regressor classes.
VARIANTS = {
    "lstm": LSTMRegressor,
    "gru": GRURegressor,
    "bilstm": BiLSTMRegressor,
    "stacked": StackedLSTMRegressor,
    "peephole": PeepholeLSTMRegressor,
    "cifg": CIFGLSTMRegressor,
    "nested": NestedLSTMRegressor,
    "highway": HighwayLSTMRegressor,
    "attention": AttentionLSTMRegressor,
    "convlstm": ConvLSTMRegressor,
    "quantized": QuantizedLSTMRegressor,
    "tree": TreeLSTMRegressor,
}

#: Compared when ``--variants`` is not given: the fused variants, which keep
#: the default run near a minute on two cores.
DEFAULT_VARIANTS = ["lstm", "gru", "bilstm", "stacked"]

NAIVE = "naive (last value)"


class InputError(Exception):
    """A mistake in the command's arguments or data (reported, no traceback)."""


# --------------------------------------------------------------------------
# baselines
# --------------------------------------------------------------------------


def naive_forecast(series, rows, horizon):
    """Forecast every horizon step as the last observed value.

    Parameters
    ----------
    series : array-like of shape (n_samples,)
        The target series; row ``t`` of ``forecast_xy``'s output is time ``t``.
    rows : array-like of int
        Forecast origins (row indices of ``X``).
    horizon : int
        Steps ahead.

    Returns
    -------
    y_pred : ndarray of shape (len(rows), horizon)
        ``series[t]`` repeated for each step.

    Examples
    --------
    >>> naive_forecast([1.0, 2.0, 3.0], [1, 2], horizon=2)
    array([[2., 2.],
           [3., 3.]])
    """
    values = np.asarray(series, dtype=np.float64).ravel()
    rows = np.asarray(rows, dtype=np.intp)
    return np.repeat(values[rows, np.newaxis], horizon, axis=1)


def seasonal_naive_forecast(series, rows, horizon, m):
    """Forecast each step as the value one season before the target time.

    Step ``k`` (1-based) from origin ``t`` targets time ``t + k`` and is
    forecast as ``series[t + k - m]``; for ``k > m`` that time is not yet
    observed, so whole seasons are stepped back until it is
    (``series[t + k - m * ceil(k / m)]``). Where that falls before the start of
    the series the last value ``series[t]`` is used.

    Parameters
    ----------
    series : array-like of shape (n_samples,)
        The target series.
    rows : array-like of int
        Forecast origins (row indices of ``X``).
    horizon : int
        Steps ahead.
    m : int
        Seasonal period in samples; ``m=1`` is the last-value forecast.

    Returns
    -------
    y_pred : ndarray of shape (len(rows), horizon)

    Examples
    --------
    >>> seasonal_naive_forecast([1.0, 2.0, 3.0, 4.0, 5.0], [3, 4], horizon=3, m=2)
    array([[3., 4., 3.],
           [4., 5., 4.]])
    >>> seasonal_naive_forecast([1.0, 2.0, 3.0], [0], horizon=1, m=2)
    array([[1.]])
    """
    values = np.asarray(series, dtype=np.float64).ravel()
    rows = np.asarray(rows, dtype=np.intp)
    steps = np.arange(1, horizon + 1)
    lag = m * np.ceil(steps / m).astype(np.intp) - steps        # (horizon,)
    source = rows[:, np.newaxis] - lag                           # (n, horizon)
    source = np.where(source >= 0, source, rows[:, np.newaxis])
    return values[source]


# --------------------------------------------------------------------------
# cross-validation and the leaderboard
# --------------------------------------------------------------------------


def make_pipeline(variant, *, window, random_state, max_epochs, lr=None,
                  window_norm="last"):
    """Build the pipeline scored for one variant.

    A :class:`~sklstm.Windower` feeds the regressor. The forecast column is
    input column 0, so with ``window_norm`` the regressor normalises each
    window and maps the target back with column 0's window statistics
    (``target_channel=0``). Without it, a
    :class:`~sklearn.preprocessing.StandardScaler` first scales the inputs
    (the regressors scale the target, not the inputs).

    Parameters
    ----------
    variant : str
        A key of :data:`VARIANTS`.
    window : int
        Window length.
    random_state : int
        Seed of the regressor.
    max_epochs : int
        Upper bound on training epochs.
    lr : float, optional
        Learning rate; the regressor's default when None.
    window_norm : {"last", "mean", "standard"} or None, default="last"
        Per-window normalisation of the regressor; None scales globally.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
    """
    params = {"random_state": random_state, "max_epochs": max_epochs,
              "window_norm": window_norm, "target_channel": 0}
    if lr is not None:
        params["lr"] = lr
    steps = [("win", Windower(window=window)), ("m", VARIANTS[variant](**params))]
    if window_norm is None:
        steps.insert(0, ("scale", StandardScaler()))
    return Pipeline(steps)


def _scores(y_true, y_pred):
    # Metrics of each horizon column, averaged over the columns.
    return (root_mean_squared_error(y_true, y_pred),
            mean_absolute_error(y_true, y_pred))


def cross_validate_models(series, X, y, *, variants, cv, season=1, window=20,
                          random_state=0, max_epochs=100, lr=None, window_norm="last",
                          log=None):
    """Score the variants and the naive baselines on the same time-series folds.

    Parameters
    ----------
    series : ndarray of shape (n_samples,)
        The target series (``X[:, 0]`` plus the last ``horizon`` values).
    X : array-like of shape (n_samples - horizon, n_features)
        Inputs from :func:`~sklstm.forecast_xy`.
    y : ndarray of shape (n_samples - horizon, horizon)
        Targets from :func:`~sklstm.forecast_xy`.
    variants : list of str
        Keys of :data:`VARIANTS`.
    cv : int
        Number of :class:`~sklearn.model_selection.TimeSeriesSplit` folds.
    season : int, default=1
        Seasonal period; above 1 adds a seasonal naive row.
    window : int, default=20
        Window length of every variant.
    random_state : int, default=0
        Seed of every variant.
    max_epochs : int, default=100
        Upper bound on training epochs.
    lr : float, optional
        Learning rate; the regressors' default when None.
    window_norm : {"last", "mean", "standard"} or None, default="last"
        Per-window normalisation of every variant (see :func:`make_pipeline`).
    log : callable, optional
        Called with one progress line per (variant, fold).

    Returns
    -------
    results : dict
        Model name -> dict with per-fold lists ``rmse``, ``mae``, ``fit_s``.
    last_fold : dict
        ``rows`` (test row indices of the last fold) and ``pred`` (model name
        -> predictions of shape ``(len(rows), horizon)``).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    horizon = y.shape[1]
    folds = list(TimeSeriesSplit(n_splits=cv).split(X))
    baselines = {NAIVE: lambda rows: naive_forecast(series, rows, horizon)}
    if season > 1:
        baselines[f"seasonal naive (m={season})"] = (
            lambda rows: seasonal_naive_forecast(series, rows, horizon, season))

    results = {}
    last_fold = {"rows": folds[-1][1], "pred": {}}
    for name in list(variants) + list(baselines):
        results[name] = {"rmse": [], "mae": [], "fit_s": []}
        template = None
        if name in VARIANTS:
            template = make_pipeline(name, window=window, random_state=random_state,
                                     max_epochs=max_epochs, lr=lr,
                                     window_norm=window_norm)
        for i, (train, test) in enumerate(folds, start=1):
            start = time.perf_counter()
            if template is None:
                y_pred = baselines[name](test)
                fit_s = 0.0
            else:
                model = clone(template).fit(X[train], y[train])
                fit_s = time.perf_counter() - start
                y_pred = model.predict(X[test]).reshape(len(test), horizon)
            rmse, mae = _scores(y[test], y_pred)
            results[name]["rmse"].append(rmse)
            results[name]["mae"].append(mae)
            results[name]["fit_s"].append(fit_s)
            if template is not None and log is not None:
                elapsed = time.perf_counter() - start
                log(f"[{name}] fold {i}/{cv}  rmse {rmse:.4g}  ({elapsed:.1f} s)")
        last_fold["pred"][name] = y_pred
    return results, last_fold


def leaderboard(results):
    """Summarise per-fold scores into a table sorted by mean RMSE.

    Parameters
    ----------
    results : dict
        Model name -> dict with per-fold lists ``rmse``, ``mae``, ``fit_s``,
        as returned by :func:`cross_validate_models`.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``model, rmse_mean, rmse_std, mae_mean, mae_std, fit_s``
        (standard deviations over folds, ``ddof=0``; ``fit_s`` is the mean
        fit time per fold in seconds), best model first.

    Examples
    --------
    >>> leaderboard({"a": {"rmse": [2.0, 4.0], "mae": [1.0, 1.0], "fit_s": [0.0, 0.0]},
    ...              "b": {"rmse": [1.0, 1.0], "mae": [1.0, 1.0], "fit_s": [0.5, 1.5]}})
      model  rmse_mean  rmse_std  mae_mean  mae_std  fit_s
    0     b        1.0       0.0       1.0      0.0    1.0
    1     a        3.0       1.0       1.0      0.0    0.0
    """
    rows = [{
        "model": name,
        "rmse_mean": np.mean(s["rmse"]),
        "rmse_std": np.std(s["rmse"]),
        "mae_mean": np.mean(s["mae"]),
        "mae_std": np.std(s["mae"]),
        "fit_s": np.mean(s["fit_s"]),
    } for name, s in results.items()]
    table = pd.DataFrame(rows)
    return table.sort_values("rmse_mean", kind="stable").reset_index(drop=True)


def format_leaderboard(table):
    """Render a :func:`leaderboard` table as aligned text.

    Scores get enough decimals for about four significant digits at the scale
    of the best RMSE; ``fit_s`` gets two. Model names are left-aligned.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`leaderboard`.

    Returns
    -------
    text : str
    """
    scale = table["rmse_mean"].abs().min()
    digits = 3 if not np.isfinite(scale) or scale <= 0 else int(
        np.clip(3 - np.floor(np.log10(scale)), 0, 8))
    score = f"{{:.{digits}f}}".format
    formatters = {col: score for col in ["rmse_mean", "rmse_std", "mae_mean", "mae_std"]}
    formatters["fit_s"] = "{:.2f}".format
    # to_string right-aligns text; padding names and header to one width
    # left-aligns the model column.
    width = max(len("model"), *(len(name) for name in table["model"]))
    table = table.assign(model=table["model"].str.ljust(width))
    table = table.rename(columns={"model": "model".ljust(width)})
    return table.to_string(index=False, formatters=formatters)


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------


def load_data(data):
    """Load ``--data``: a bundled dataset name or a CSV path.

    A CSV whose first column is not numeric but parses as dates gets that
    column as its index; the numeric columns are kept. Everything after a
    ``#`` on a line is ignored, as in the bundled files.

    Parameters
    ----------
    data : str
        A key of :data:`sklstm.datasets.DATASETS` or a path to a CSV file.

    Returns
    -------
    frame : pandas.DataFrame
        Numeric columns only.
    default_target : str
        The dataset's default column, or the CSV's first numeric column.
    season : int
        The dataset's seasonal period; 1 for a CSV.

    Raises
    ------
    InputError
        Unknown name, missing or unreadable file, or no numeric column.
    """
    if data in DATASETS:
        target, season = DATASETS[data]
        return load_series(data), target, season
    if not (data.lower().endswith(".csv") or os.path.sep in data or os.path.exists(data)):
        raise InputError(
            f"unknown dataset {data!r}; choose one of {', '.join(sorted(DATASETS))} "
            "or give the path of a .csv file"
        )
    if not os.path.isfile(data):
        raise InputError(f"CSV file not found: {data!r}")
    try:
        frame = pd.read_csv(data, comment="#")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read CSV file {data!r}: {exc}") from None
    if frame.shape[1] > 0 and not pd.api.types.is_numeric_dtype(frame.iloc[:, 0]):
        first = frame.columns[0]
        try:
            index = pd.to_datetime(frame[first], errors="raise", format="mixed")
        except (ValueError, TypeError, OverflowError):
            index = None
        if index is not None:
            frame = frame.drop(columns=first).set_index(pd.DatetimeIndex(index, name=first))
    frame = frame.select_dtypes("number").astype(np.float64)
    if frame.shape[1] == 0:
        raise InputError(f"CSV file {data!r} has no numeric column")
    return frame, str(frame.columns[0]), 1


def default_window(season):
    """Default window: two seasons, clipped to [8, 48].

    Parameters
    ----------
    season : int
        Seasonal period in samples.

    Returns
    -------
    window : int

    Examples
    --------
    >>> default_window(11), default_window(1), default_window(52)
    (22, 8, 48)
    """
    return int(np.clip(2 * season, 8, 48))


# --------------------------------------------------------------------------
# plot
# --------------------------------------------------------------------------


def plot_last_fold(path, index, y, last_fold, title=""):
    """Plot 1-step-ahead forecasts of the last fold against the actual series.

    Parameters
    ----------
    path : str
        Where to save the figure; the format follows the extension.
    index : pandas.Index
        Time labels of the whole series; row ``t``'s 1-step-ahead target is
        plotted at ``index[t + 1]``.
    y : ndarray of shape (n_rows, horizon)
        Targets from :func:`~sklstm.forecast_xy`.
    last_fold : dict
        As returned by :func:`cross_validate_models`.
    title : str, default=""
        Figure title.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            "--plot needs matplotlib; install it with `pip install matplotlib`."
        ) from exc
    rows = last_fold["rows"]
    x = index[rows + 1]                 # time of each 1-step-ahead target
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(x, y[rows, 0], color="black", linewidth=2, label="actual")
    for name, pred in last_fold["pred"].items():
        style = {}                      # baselines in grey, recurrent models in colour
        if name == NAIVE:
            style = {"linestyle": "--", "color": "grey"}
        elif name not in VARIANTS:
            style = {"linestyle": ":", "color": "grey"}
        ax.plot(x, pred[:, 0], label=name, linewidth=1.2, **style)
    ax.set_title(title)
    ax.set_ylabel("1-step-ahead forecast")
    ax.legend(loc="best", fontsize="small")
    fig.savefig(path, dpi=100)


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------


def _int_at_least(low):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an int, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value
    parse.__name__ = f"int >= {low}"
    return parse


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text}")
    return value


class _Parser(argparse.ArgumentParser):
    """Argument parser whose errors, in any subcommand, read ``sklstm: error: ...``."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"sklstm: error: {message}\n")


def build_parser():
    """Build the ``sklstm`` argument parser (one subparser per subcommand).

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = _Parser(
        prog="sklstm",
        description="LSTM variants as scikit-learn regressors: command-line tools.",
    )
    from . import __version__
    parser.add_argument("--version", action="version", version=f"sklstm {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    compare = commands.add_parser(
        "compare",
        help="cross-validate the recurrent variants against naive baselines",
        description=(
            "Cross-validate recurrent regressors on a series with TimeSeriesSplit "
            "and print a leaderboard sorted by RMSE, with last-value (and seasonal) "
            "naive baselines scored on the same folds. Progress goes to stderr."
        ),
    )
    compare.add_argument(
        "--data", default="sunspots", metavar="NAME|PATH.csv",
        help=f"bundled dataset ({', '.join(DATASETS)}) or a CSV file whose first "
             "column may hold dates (default: %(default)s)")
    compare.add_argument(
        "--target", metavar="COL",
        help="column to forecast (default: the dataset's default column, or the "
             "CSV's first numeric column)")
    compare.add_argument(
        "--exog", action="store_true",
        help="use the other numeric columns as exogenous inputs")
    compare.add_argument(
        "--window", type=_int_at_least(1), metavar="W",
        help="window length (default: two seasons, clipped to [8, 48])")
    compare.add_argument(
        "--horizon", type=_int_at_least(1), default=1, metavar="H",
        help="steps ahead to forecast; scores average over the steps "
             "(default: %(default)s)")
    compare.add_argument(
        "--variants", nargs="+", choices=[*VARIANTS, "all"], default=DEFAULT_VARIANTS,
        metavar="NAME", help=f"variants to compare, from: {', '.join(VARIANTS)}, or all "
                             f"(default: {' '.join(DEFAULT_VARIANTS)})")
    compare.add_argument(
        "--cv", type=_int_at_least(2), default=3, metavar="K",
        help="number of TimeSeriesSplit folds (default: %(default)s)")
    compare.add_argument(
        "--season", type=_int_at_least(1), metavar="M",
        help="seasonal period for the seasonal naive baseline (default: the "
             "dataset's period, 1 for a CSV)")
    compare.add_argument(
        "--max-epochs", type=_int_at_least(1), default=100, metavar="N",
        help="upper bound on training epochs; training also stops when the loss "
             "plateaus (default: %(default)s)")
    compare.add_argument(
        "--lr", type=_positive_float, metavar="LR",
        help=f"learning rate (default: the regressors' default, {LSTMRegressor().lr})")
    compare.add_argument(
        "--window-norm", choices=["last", "mean", "standard", "none"], default="last",
        help="per-window normalisation of the inputs and the target, so forecasts "
             "follow a trend beyond the training range; 'none' standardises "
             "globally instead (default: %(default)s)")
    compare.add_argument(
        "--random-state", type=int, default=0, metavar="S",
        help="seed of every model (default: %(default)s)")
    compare.add_argument(
        "--threads", type=_int_at_least(1), default=1, metavar="T",
        help="torch CPU threads while training; the small default models train "
             "fastest on one (default: %(default)s)")
    compare.add_argument(
        "--plot", metavar="OUT.png",
        help="save a plot of the last fold's 1-step-ahead forecasts")
    compare.set_defaults(handler=_compare)
    return parser


def _prepare(args):
    """Turn the parsed ``compare`` arguments into checked data and settings."""
    frame, default_target, season = load_data(args.data)
    target = default_target if args.target is None else args.target
    if target not in frame.columns:
        raise InputError(
            f"unknown target column {target!r} in {args.data!r}; numeric columns "
            f"are: {', '.join(map(str, frame.columns))}"
        )
    if args.season is not None:
        season = args.season
    exog = None
    if args.exog:
        exog = frame.drop(columns=target)
        if exog.shape[1] == 0:
            raise InputError(f"--exog: {args.data!r} has no numeric column besides {target!r}")
        if not np.isfinite(exog.to_numpy()).all():
            raise InputError("--exog: the exogenous columns contain missing or "
                             "non-finite values")
    series = frame[target]
    try:
        X, y = forecast_xy(series, horizon=args.horizon, exog=exog)
    except ValueError as exc:
        raise InputError(f"target {target!r}: {exc}") from None
    n_rows, n_splits = len(X), args.cv
    if n_rows // (n_splits + 1) < 2:
        raise InputError(
            f"series {target!r} has {len(series)} values, too short for --cv "
            f"{n_splits} with --horizon {args.horizon}: at least "
            f"{2 * (n_splits + 1) + args.horizon} are needed"
        )
    if args.plot is not None:
        folder = os.path.dirname(os.path.abspath(args.plot))
        if not os.path.isdir(folder):
            raise InputError(f"--plot: folder {folder!r} does not exist")
        if importlib.util.find_spec("matplotlib") is None:
            raise InputError("--plot needs matplotlib; install it with `pip install matplotlib`")
    window = default_window(season) if args.window is None else args.window
    return series, X, y, target, season, window


def _compare(args):
    series, X, y, target, season, window = _prepare(args)

    def log(line):
        print(line, file=sys.stderr, flush=True)

    names = list(VARIANTS) if "all" in args.variants else args.variants
    variants = list(dict.fromkeys(names))
    log(f"sklstm compare: {args.data}, target {target!r}, {len(X)} samples, "
        f"{X.shape[1]} input column(s), window {window}, horizon {args.horizon}, "
        f"{args.cv} folds, window_norm {args.window_norm}")
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    try:
        results, last_fold = cross_validate_models(
            series.to_numpy(), X, y, variants=variants, cv=args.cv, season=season,
            window=window, random_state=args.random_state,
            max_epochs=args.max_epochs, lr=args.lr,
            window_norm=None if args.window_norm == "none" else args.window_norm, log=log)
    finally:
        torch.set_num_threads(threads)
    log(f"done in {time.perf_counter() - start:.1f} s")
    print(format_leaderboard(leaderboard(results)))
    if args.plot is not None:
        plot_last_fold(
            args.plot, series.index, np.asarray(y), last_fold,
            title=f"{args.data}: {target}, last fold ({len(last_fold['rows'])} "
                  "points), 1-step-ahead forecasts")
        log(f"plot saved to {args.plot}")
    return 0


def main(argv=None):
    """Run the ``sklstm`` command.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        0 on success, 2 when no subcommand is given.

    Raises
    ------
    SystemExit
        With status 2 (after a ``sklstm: error: ...`` line on stderr) for
        invalid arguments or data, and with status 0 for ``--help``.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.handler(args)
    except InputError as exc:
        print(f"sklstm: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        print("sklstm: interrupted", file=sys.stderr)
        return 130
