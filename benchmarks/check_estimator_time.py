"""Wall time of scikit-learn's ``check_estimator`` for every public estimator.

Runs all checks on the estimators of ``tests/test_common.py`` (every public
estimator at default parameters, and the baselines' other settings; the
Windower's two declared expected failures included) and prints, per
estimator, the number of checks, how many passed, and the seconds taken.

    python benchmarks/check_estimator_time.py [--threads N]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import torch
from sklearn.utils.estimator_checks import check_estimator

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from test_common import PUBLIC_ESTIMATORS, expected_failed_checks  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s)")
    for estimator in PUBLIC_ESTIMATORS:
        name = repr(estimator)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = check_estimator(estimator, on_fail=None,
                                      expected_failed_checks=expected_failed_checks(estimator))
        seconds = time.perf_counter() - start
        status = [r["status"] for r in results]
        print(f"{name:40s} {len(results):3d} checks  {status.count('passed'):3d} passed  "
              f"{status.count('xfail')} xfail  {status.count('skipped')} skipped  "
              f"{status.count('failed')} failed  {seconds:6.1f} s", flush=True)


if __name__ == "__main__":
    main()
