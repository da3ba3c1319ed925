"""The chain adapter's circuit breaker: 50 % failures over a minute open it, 60 s later one trial."""

from __future__ import annotations

import contextlib

import pytest

from chain.breaker import CLOSED, HALF_OPEN, OPEN, BreakerOpen, RateBreaker


class Down(Exception):
    pass


class Refused(Exception):
    pass


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def breaker(clock):
    return RateBreaker(
        ratio=0.5, window=60, min_calls=4, reset_timeout=60, counts=lambda exc: isinstance(exc, Down), clock=clock
    )


def ok():
    return "answer"


def down():
    raise Down


def refused():
    raise Refused


def run(breaker, *calls):
    for call in calls:
        with contextlib.suppress(Down, Refused):
            breaker.call(call)


def test_half_the_calls_failing_over_the_window_opens_it_and_calls_stop_reaching_the_service(breaker):
    run(breaker, ok, down, ok)
    assert breaker.state == CLOSED  # fewer calls than min_calls say nothing yet
    run(breaker, down)
    assert breaker.state == OPEN
    reached = []
    with pytest.raises(BreakerOpen):
        breaker.call(lambda: reached.append(1))
    assert not reached


def test_fewer_failures_than_half_keep_it_closed_however_many_in_a_row_over_time(breaker, clock):
    run(breaker, ok, ok, down, ok, ok, down, ok)  # 2 of 7
    assert breaker.state == CLOSED
    for _ in range(10):  # one failure every other call, spread: under half in any minute
        clock.now += 20
        run(breaker, ok, ok, down)
    assert breaker.state == CLOSED


def test_outcomes_older_than_the_window_no_longer_count(breaker, clock):
    run(breaker, down, down, down)
    clock.now += 61
    run(breaker, ok, ok, ok, down)  # the three old failures left the window: 1 of 4
    assert breaker.state == CLOSED


def test_a_refusal_is_an_answer_not_a_failure(breaker):
    run(breaker, refused, refused, refused, refused, down)
    assert breaker.state == CLOSED


def test_after_the_reset_timeout_one_trial_call_closes_it_or_opens_it_again(breaker, clock):
    run(breaker, down, down, down, down)
    clock.now += 59
    with pytest.raises(BreakerOpen):
        breaker.call(ok)
    clock.now += 1
    run(breaker, down)  # the trial failed
    assert breaker.state == OPEN
    clock.now += 60
    assert breaker.call(ok) == "answer"
    assert breaker.state == CLOSED
    run(breaker, down, ok, ok, ok)  # a clean window after closing
    assert breaker.state == CLOSED


def test_while_a_trial_call_is_under_way_the_others_are_refused(breaker, clock):
    run(breaker, down, down, down, down)
    clock.now += 60
    seen = []

    def trial():
        seen.append(breaker.state)
        with pytest.raises(BreakerOpen):
            breaker.call(ok)
        return "answer"

    assert breaker.call(trial) == "answer"
    assert seen == [HALF_OPEN] and breaker.state == CLOSED
