"""user32: a new user's pass over the live camera check (defects found, fixed in check32).

The planner runs as launched (in-process ``Launch``) with the 90°-rotated oracle and the ideal
arm of ``test_ros_camera_check.py``.
"""

import time

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from test_ros_camera_check import call_async, ideal_arm, make_arm  # noqa: E402

from vjepa_ros.robot import input_checks  # noqa: E402

FROZEN_S = 0.5  # [s] the frozen-clock limit for these tests (FROZEN_CLOCK_S is 5 s)


def test_user32_camera_check_ends_when_the_simulated_clock_stops(monkeypatch, tmp_path):
    """The README: stale inputs end the check at once; a clock standing still makes them stale."""
    monkeypatch.setattr(input_checks, "FROZEN_CLOCK_S", FROZEN_S)
    h = make_arm(monkeypatch, tmp_path, use_sim_time=True)
    try:
        h.sim_time = 100.0  # the tester publishes /clock with every input (the simulator)
        assert ideal_arm(h, 3.0, until=lambda: h.session.frame is not None)
        assert h.enable().success
        answer = call_async(h)
        assert ideal_arm(h, 20.0, until=lambda: len(h.got["pose"]) > 10), "the check never moved"
        # the simulator dies: no /clock, no frame, no pose any more; only spin. Since mend55c the
        # check rides out a stale hold up to camera_check.motion.timeout_s (10 s) before it ends
        deadline = time.monotonic() + 30.0
        while not answer.done() and time.monotonic() < deadline:
            h.executor.spin_once(timeout_sec=0.05)
        assert answer.done(), "the check still runs, the service unanswered, after the sim died"
        assert not answer.result().success
    finally:
        h.close()


def test_user32_a_second_camera_check_call_while_one_runs_is_refused(monkeypatch, tmp_path):
    h = make_arm(monkeypatch, tmp_path, **{"camera_check.trial.when": "never"})
    try:
        assert ideal_arm(h, 3.0, until=lambda: h.session.frame is not None)
        assert h.enable().success
        first = call_async(h)
        assert ideal_arm(h, 20.0, until=lambda: len(h.got["pose"]) > 10), "the check never moved"
        second = call_async(h)  # e.g. a `ros2 service call` retried after its client timed out
        assert ideal_arm(h, 60.0, until=lambda: first.done() or second.done()), "no answer"
        first_done = first.done()  # a queued second call is answered only after the first
        assert h.enable(False).success  # end the running check(s)
        assert ideal_arm(h, 20.0, until=lambda: first.done() and second.done()), "no answers"
        assert not first_done, "the second call waited for the first check to end"
        assert not second.result().success
    finally:
        h.close()
