from itsm.security.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_locks_after_max_failures_and_unlocks_after_the_lock_time():
    clock = Clock()
    throttle = LoginThrottle(max_failures=3, lock_seconds=60, clock=clock)
    assert not throttle.failed("Bob")
    assert not throttle.failed("bob ")
    assert throttle.failed("BOB")  # names are compared case-insensitively
    assert throttle.retry_after("bob") == 60
    clock.now += 61
    assert throttle.retry_after("bob") == 0


def test_success_clears_failures():
    clock = Clock()
    throttle = LoginThrottle(max_failures=2, lock_seconds=60, clock=clock)
    throttle.failed("ann")
    throttle.succeeded("ann")
    assert not throttle.failed("ann")


def test_failures_outside_the_window_do_not_add_up():
    clock = Clock()
    throttle = LoginThrottle(max_failures=2, lock_seconds=60, window=100, clock=clock)
    throttle.failed("ann")
    clock.now += 101
    assert not throttle.failed("ann")
