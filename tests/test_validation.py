"""Parameter rules: every public estimator checks every parameter, in one wording."""

import inspect

import numpy as np
import pytest
from sklearn.base import BaseEstimator

import sklstm
from sklstm._validation import Interval, Options, check_args
from sklstm.base import SequenceRegressor

ESTIMATORS = [getattr(sklstm, name) for name in sklstm.__all__
              if isinstance(getattr(sklstm, name), type)
              and issubclass(getattr(sklstm, name), BaseEstimator)]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_every_parameter_has_a_rule(cls):
    params = set(inspect.signature(cls.__init__).parameters) - {"self"}
    rules = set(getattr(cls, "_parameter_constraints", {}))
    assert params - rules == set(), f"{cls.__name__}: parameters without a rule"
    assert rules - params == set(), f"{cls.__name__}: rules for no parameter"


def test_a_variant_lists_only_its_own_rules_and_inherits_the_rest():
    class Variant(SequenceRegressor):
        _variant_params = {"depth": 2}
        _parameter_constraints = {"depth": Interval(int, 1)}

    assert set(Variant._parameter_constraints) == (
        set(SequenceRegressor._parameter_constraints) | {"depth"})
    with pytest.raises(ValueError, match=r"Variant: invalid value depth=0; expected an "
                                         r"int in \[1, inf\]"):
        Variant(depth=0).fit(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"Variant: invalid value lr=-1"):
        Variant(lr=-1).fit(np.zeros((4, 3)), np.zeros(4))


@pytest.mark.parametrize("value, ok", [(None, True), (0, True), (2**32 - 1, True),
                                       (np.random.RandomState(0), True), (-1, False),
                                       (2**32, False), (1.5, False), (True, False)])
def test_random_state_rule(value, ok):
    rule = SequenceRegressor._parameter_constraints["random_state"]
    assert rule.is_valid(value) is ok


def test_public_functions_share_the_wording():
    with pytest.raises(ValueError, match=r"^f: invalid value n=0\.5; expected an int in "
                                         r"\[1, 10\] \(why\)\.$"):
        check_args("f", n=(0.5, Interval(int, 1, 10, reason="why")))
    with pytest.raises(ValueError, match=r"^f: invalid value mode='x'; expected one of "
                                         r"'a', 'b'\.$"):
        check_args("f", mode=("x", Options(["a", "b"])))
    check_args("f", n=(3, Interval(int, 1, 10)), mode=("a", Options(["a", "b"])))
