"""Crash-loop back-off delays (kubelet.go, flowcontrol/backoff.go)."""

import pytest

from podmodel.model.backoff import BackOff, delays, limits


@pytest.mark.parametrize("kw, expected", [
    ({}, [0, 10, 20, 40, 80, 160, 300, 300]),
    ({"reduce_decay": True}, [0, 1, 2, 4, 8, 16, 32, 60]),
    ({"max_restart_period": 30}, [0, 10, 20, 30, 30, 30, 30, 30]),
    ({"max_restart_period": 5}, [0, 5, 5, 5, 5, 5, 5, 5]),
])
def test_delay_sequences(kw, expected):
    assert delays(8, **kw) == expected


def test_reset_after_twice_the_maximum_since_the_last_update():
    b = BackOff()
    for t in (0, 1, 2, 3):
        b = b.next(float(t))
    assert b.delay == 40
    assert b.next(3 + 600).delay == 80        # exactly 2 x max: not yet
    assert b.next(3 + 600.5).delay == 10      # more than 2 x max: reset to the initial delay


def test_limits_validation():
    assert limits() == (10, 300)
    with pytest.raises(ValueError):
        limits(max_restart_period=0)
