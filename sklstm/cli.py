"""The ``sklstm`` command line: argument parsing and printing.

``sklstm compare`` cross-validates the recurrent regressors on a series (a
bundled dataset or a CSV file) with :class:`~sklearn.model_selection.TimeSeriesSplit`
and prints a leaderboard, with the baselines of :mod:`sklstm.baselines`
scored on the same folds::

    sklstm compare                                  # sunspots, the default variants
    sklstm compare --data nile --variants lstm gru --cv 4
    sklstm compare --data prices.csv --target close --horizon 3 --plot cv.png
    sklstm compare --data monthly.csv                  # season 12 from the dates
    sklstm compare --data long.csv --series-id item --time date --future promo
    sklstm compare --data sales.csv --series-id item --time date --target sales \
        --future promo price --static category --season 7

``python -m sklstm`` runs the same command. Progress goes to stderr, the
leaderboard to stdout. Mistakes in the arguments or the data end the command
with a one-line ``sklstm: error: ...`` message and exit status 2; an
interrupt (Ctrl-C) ends it with status 130. The work itself is library code:
:mod:`sklstm.compare` (data, folds, scores, leaderboard, plot) and
:mod:`sklstm.registry` (the variants' short names).
"""

import argparse
import importlib.util
import os
import sys
import time

import numpy as np
import pandas as pd
import torch

from . import compare, compare_panel
from .datasets import DATASETS
from .registry import DEFAULT_VARIANTS, VARIANTS, available_variants, check_variant

__all__ = ["main", "build_parser"]


class _UsageError(Exception):
    """A mistake in the command's arguments or data (reported, no traceback)."""


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


def _open_unit_float(text):
    value = _positive_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(
            f"must be a coverage strictly between 0 and 1 (0.8 for 80%), got {text}")
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
    from ._version import __version__
    parser.add_argument("--version", action="version", version=f"sklstm {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    cmp = commands.add_parser(
        "compare",
        help="cross-validate the recurrent variants against baselines",
        description=(
            "Cross-validate recurrent regressors on a series with TimeSeriesSplit "
            "and print a leaderboard sorted by RMSE. The baselines are scored on "
            "the same folds and windows: the last value, the seasonal naive "
            "forecast (when there is a season), the window mean, and ridge "
            "regression on the lags. Progress goes to stderr."
        ),
    )
    cmp.add_argument(
        "--data", default="sunspots", metavar="NAME|PATH.csv",
        help=f"bundled dataset ({', '.join(DATASETS)}) or a CSV file whose first "
             "column may hold dates (default: %(default)s)")
    cmp.add_argument(
        "--target", metavar="COL",
        help="column to forecast (default: the dataset's default column, or the "
             "CSV's first numeric column; with --series-id, the first numeric column "
             "that is not the id, the time or a --future or --static covariate)")
    cmp.add_argument(
        "--exog", action="store_true",
        help="use the other numeric columns as exogenous inputs (not with the "
             "tree variant, which forecasts the nodes of a hierarchy)")
    cmp.add_argument(
        "--window", type=_int_at_least(1), metavar="W",
        help="window length (default: two seasons, clipped to [8, 48], so 24 for "
             "monthly data and 8 without a season)")
    cmp.add_argument(
        "--horizon", type=_int_at_least(1), default=1, metavar="H",
        help="steps ahead to forecast; scores average over the steps "
             "(default: %(default)s)")
    cmp.add_argument(
        "--variants", nargs="+", choices=[*VARIANTS, "all"], default=DEFAULT_VARIANTS,
        metavar="NAME",
        help=f"variants to compare, from: {', '.join(VARIANTS)}, or all (every "
             "variant that applies to the data). convlstm reads each time step as "
             "a 1x1 frame; tree is a Tree-LSTM whose hierarchy is the series alone "
             f"(default: {' '.join(DEFAULT_VARIANTS)})")
    cmp.add_argument(
        "--cv", type=_int_at_least(2), default=3, metavar="K",
        help="number of TimeSeriesSplit folds (default: %(default)s)")
    cmp.add_argument(
        "--season", type=_int_at_least(1), metavar="M",
        help="seasonal period for the seasonal naive baseline and the default "
             "window (default: the dataset's period; for a CSV, the one of its dates' "
             "frequency: half-hourly 48, hourly 24, daily 7, business-daily 5, weekly "
             "52, monthly 12, quarterly 4; 1 without dates or for other spacings)")
    cmp.add_argument(
        "--max-epochs", type=_int_at_least(1), default=100, metavar="N",
        help="upper bound on training epochs; training also stops when the loss "
             "plateaus (default: %(default)s)")
    cmp.add_argument(
        "--lr", type=_positive_float, metavar="LR",
        help="learning rate (default: the regressors' 'auto': 0.01 for one series, "
             "0.001 with weight decay for the Tree-LSTM and panels)")
    cmp.add_argument(
        "--window-norm", choices=["last", "mean", "standard", "none"], default="last",
        help="per-window normalisation of the inputs and the target, so forecasts "
             "follow a trend beyond the training range; 'none' standardises "
             "globally instead (default: %(default)s)")
    cmp.add_argument(
        "--random-state", type=int, default=0, metavar="S",
        help="seed of every model (default: %(default)s)")
    cmp.add_argument(
        "--threads", type=_int_at_least(1), default=1, metavar="T",
        help="torch CPU threads while training; the small default models train "
             "fastest on one (default: %(default)s)")
    panel = cmp.add_argument_group(
        "many series (a long CSV, one row per series and time step; one global model, "
        "ranked by the mean MASE over series)")
    panel.add_argument(
        "--series-id", metavar="COL",
        help="the column naming each row's series; needs --time and a CSV --data")
    panel.add_argument("--time", metavar="COL", help="the column ordering each series")
    panel.add_argument(
        "--future", nargs="+", default=[], metavar="COL",
        help="covariates known ahead (a planned promotion, a price): their next "
             "--horizon values enter each row as lead columns")
    panel.add_argument(
        "--static", nargs="+", default=[], metavar="COL",
        help="covariates constant per series (a category); strings are one-hot encoded")
    cmp.add_argument(
        "--coverage", type=_open_unit_float, metavar="C",
        help="also forecast central intervals of nominal coverage C in (0, 1) and "
             "add each model's empirical coverage, mean width and Winkler score. The "
             "point scores and the ranking stay those of the run without --coverage: "
             "each variant is fitted a second time, split-conformal (trained on the "
             "first 80%% of each training fold, calibrated on the last 20%%), and its "
             "margins are placed around the first fit's forecast (about 1.5 times the "
             "CPU time of a run without --coverage); the baselines use in-sample "
             "residual quantiles")
    cmp.add_argument(
        "--plot", metavar="OUT.png",
        help="save a plot of the last fold's 1-step-ahead forecasts (with "
             "--coverage, the variants' interval bands)")
    cmp.set_defaults(handler=_compare)
    return parser


def _log(line):
    print(line, file=sys.stderr, flush=True)


def _variants(args, n_inputs):
    """The variants to run, each checked against the data's layout."""
    if "all" in args.variants:
        names = available_variants(n_inputs=n_inputs)
        skipped = [name for name in VARIANTS if name not in names]
        if skipped:
            _log(f"--variants all: skipping {', '.join(skipped)} (does not apply "
                 "to this data; name it to see why)")
        return names
    names = list(dict.fromkeys(args.variants))
    for name in names:
        try:
            check_variant(name, n_inputs=n_inputs)
        except (ValueError, ImportError) as exc:
            context = " with --exog" if args.exog else ""
            raise _UsageError(f"--variants {name}{context}: {exc}") from None
    return names


def _check_plot(path):
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise _UsageError(f"--plot: folder {folder!r} does not exist")
    if importlib.util.find_spec("matplotlib") is None:
        raise _UsageError("--plot needs matplotlib; install it with `pip install matplotlib`")


def _compare_panel(args):
    """``sklstm compare --series-id ... --time ...``: global models over a long table."""
    if args.time is None:
        raise _UsageError("--series-id needs --time, the column that orders each series")
    if args.data in DATASETS:
        raise _UsageError("--series-id reads a long CSV (--data PATH.csv), not a bundled "
                          "series")
    for flag in ("exog", "plot", "coverage"):
        if getattr(args, flag):
            raise _UsageError(f"--{flag} does not apply with --series-id yet")
    table = compare_panel.load_panel(args.data, series_id=args.series_id, time=args.time)
    roles = [args.series_id, args.time, *args.future, *args.static]
    target = args.target
    if target is None:
        target = compare_panel.default_target(table, roles=roles)
    unused = [c for c in table.columns if c not in {target, *roles}]
    if unused:
        _log(f"ignoring column(s) without a role: {', '.join(map(str, unused))} "
             "(give them one with --future or --static)")
    compare_panel.check_complete(
        table, [c for c in dict.fromkeys([target, *args.future, *args.static])
                if pd.api.types.is_numeric_dtype(table[c])],
        series_id=args.series_id, time=args.time)
    X, y, meta = compare_panel.panel_data(
        table, target=target, series_id=args.series_id, time=args.time,
        future=args.future, static=args.static, horizon=args.horizon)
    variants = _variants(args, n_inputs=X.shape[1] - 1)
    season, frequency = compare_panel.panel_season(table, time=args.time)
    season = season if args.season is None else args.season
    window = compare.default_window(season) if args.window is None else args.window
    _log(f"sklstm compare: {args.data}, {meta['series'].nunique()} series, {len(X)} rows, "
         f"target {target!r}{_season_note(frequency, args.season, season)}, "
         f"window {window}, horizon {args.horizon}, {args.cv} folds")
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        results = compare_panel.cross_validate_panel(
            X, y, meta, variants=variants, cv=args.cv, window=window, season=season,
            random_state=args.random_state, max_epochs=args.max_epochs, log=_log)
    finally:
        torch.set_num_threads(threads)
    print(compare.format_leaderboard(compare_panel.panel_leaderboard(results)))
    return 0


def _season_note(frequency, option, season):
    """``, monthly dates, season 12`` for the progress line: where the season came from."""
    if option is not None:
        return f", season {season} (--season)"
    return f", season {season}" if frequency is None else f", {frequency} dates, season {season}"


def _compare(args):
    if args.series_id is not None:
        return _compare_panel(args)
    frame, target, season = compare.load_data(args.data)
    target = target if args.target is None else args.target
    frequency = None if args.data in DATASETS else compare.infer_season(frame.index)[1]
    season = season if args.season is None else args.season
    series, X, y = compare.forecast_data(frame, target, horizon=args.horizon,
                                         exog=args.exog, cv=args.cv, name=args.data)
    variants = _variants(args, n_inputs=X.shape[1])
    if args.plot is not None:
        _check_plot(args.plot)
    window = compare.default_window(season) if args.window is None else args.window
    window_norm = None if args.window_norm == "none" else args.window_norm

    _log(f"sklstm compare: {args.data}, target {target!r}, {len(X)} samples, "
         f"{X.shape[1]} input column(s){_season_note(frequency, args.season, season)}, "
         f"window {window}, horizon {args.horizon}, {args.cv} folds, "
         f"window_norm {args.window_norm}")
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    try:
        results, last_fold = compare.cross_validate_models(
            X, y, variants=variants, cv=args.cv, season=season, window=window,
            random_state=args.random_state, max_epochs=args.max_epochs, lr=args.lr,
            window_norm=window_norm, coverage=args.coverage, log=_log)
    finally:
        torch.set_num_threads(threads)
    _log(f"done in {time.perf_counter() - start:.1f} s")
    print(compare.format_leaderboard(compare.leaderboard(results)))
    if args.coverage is not None:
        print(f"\n{compare.INTERVALS_NOTE}")
    if "tree" in variants and compare.load_hierarchy(args.data) is not None:
        _compare_hierarchy(args, season=season, window=window, window_norm=window_norm)
    if args.plot is not None:
        compare.plot_last_fold(
            args.plot, series.index, y, last_fold,
            title=f"{args.data}: {target}, last fold ({len(last_fold['rows'])} "
                  "points), 1-step-ahead forecasts")
        _log(f"plot saved to {args.plot}")
    return 0


def _compare_hierarchy(args, *, season, window, window_norm):
    """With the tree variant on a bundled hierarchy: rank it against reconciliation.

    Prints a second table: every node forecast by the Tree-LSTM over the
    whole tree, by a global LSTM reconciled bottom-up and with MinT, and by
    the naive forecasts reconciled with MinT, ranked at each level.
    """
    frame, hierarchy = compare.load_hierarchy(args.data)
    _log(f"sklstm compare: {args.data} is a hierarchy of {hierarchy.n_nodes} nodes; "
         "ranking the Tree-LSTM against reconciled forecasts per level")
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        results = compare.cross_validate_hierarchy(
            frame.to_numpy(), hierarchy, cv=args.cv, window=window, horizon=args.horizon,
            season=season, random_state=args.random_state, max_epochs=args.max_epochs,
            lr=args.lr, window_norm=window_norm, log=_log)
    finally:
        torch.set_num_threads(threads)
    print(f"\nper level of the {args.data} hierarchy ({hierarchy.n_nodes} nodes, every node "
          f"forecast; RMSE and MASE (m={season}) averaged over each level's nodes; "
          "ranked by RMSE, the mean over levels by MASE)")
    print(compare.format_hierarchy_leaderboard(
        compare.hierarchy_leaderboard(results, hierarchy)))


def main(argv=None):
    """Run the ``sklstm`` command.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        0 on success, 130 when interrupted.

    Raises
    ------
    SystemExit
        With status 2, after one ``sklstm: error: ...`` line on stderr, for
        invalid arguments or data or a missing command; with status 0 for
        ``--help`` and ``--version``.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.error("missing command; choose one of: compare "
                     "(sklstm compare --help for its options)")
    try:
        return args.handler(args)
    except (_UsageError, compare.CompareError, compare_panel.PanelError) as exc:
        print(f"sklstm: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        print("sklstm: interrupted", file=sys.stderr)
        return 130
