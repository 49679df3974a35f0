"""An input that flaps is summarised in the log, not logged at every relapse (fix45c).

A camera at 1 Hz under a 0.5 s age limit (stale, fine, stale ...) logged a refusal and its end
every ~11 s (the relapse rule alone): ~650 lines an hour. Now the first refusal is logged at
once, and after the first few flaps one summary per input at most each minute, a line once it
has been steady for a minute, and a warning when a flapping input stays refused; /diagnostics
shows every refusal as it happens all along.
"""

import types

import numpy as np
import pytest
from test_robot_mpc import START, frame, make_session, tiny_world_model

from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.refusal import RefusalKind
from vjepa_ros.robot.refusal_log import RELAPSE_S, STEADY_S, SUMMARY_S, RefusalLog

TOPIC = "/camera/image_raw"


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _session(model):
    session, clock, _ = make_session(model)
    lines = []
    session.log = lambda level, message: lines.append((clock.now, level, message))
    session.camera_topic = lambda: TOPIC
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.set_goals([SubGoal(frame(1), 0)])
    session.set_enabled(True)
    lines.clear()
    return session, clock, lines


def _run(session, clock, seconds, camera_every=10, statuses=None):
    """Tick at 10 Hz: states, plan and stream each tick, a frame every ``camera_every`` ticks."""
    for tick in range(1, int(seconds * 10) + 1):
        clock.now += 0.1
        if camera_every and tick % camera_every == 0:
            session.observe_image(frame(tick), clock.now)
        session.observe_state(START, clock.now)
        session.plan_step()
        session.stream_step()
        if statuses is not None:
            statuses.append(session.status()["values"]["refusal"])


def test_a_flapping_camera_is_summarised_once_a_minute_then_said_steady(model):
    session, clock, lines = _session(model)
    statuses, start = [], clock.now
    _run(session, clock, 300, statuses=statuses)  # 5 min at 1 Hz
    camera = [(t, level, m) for t, level, m in lines if "arrive every" not in m]
    assert camera[0][2].startswith("not commanding: camera image is stale"), \
        "the first refusal is logged at once: a user must see why the arm holds"
    assert camera[0][0] - start < 1.5
    summaries = [(t, m) for t, _, m in camera if m.startswith(f"{TOPIC}: refused ")]
    assert 5 <= len(summaries) <= 6 and len(camera) <= 9, camera  # was ~55 lines
    assert "last reason: camera image is stale" in summaries[0][1]
    assert all(b - a >= SUMMARY_S for (a, _), (b, _) in zip(summaries, summaries[1:],
                                                            strict=False))
    assert "refused 60 times, recovered 60 times in the last 60 s" in summaries[2][1]
    assert any(s.startswith("camera image is stale") for s in statuses) and "" in statuses, \
        "/diagnostics still shows each refusal and each clear as it happens"
    lines.clear()
    _run(session, clock, STEADY_S + 5, camera_every=1)  # 10 Hz: fine
    steady = [m for _, _, m in lines if "steady again" in m]
    assert len(steady) == 1 and steady[0].startswith(f"{TOPIC}: steady again")
    lines.clear()
    clock.now += 2.0  # the camera stops: the next refusal is logged at once again
    _run(session, clock, 0.5, camera_every=0)
    assert any(m.startswith("not commanding: camera image is stale") for _, _, m in lines)


def test_a_flapping_camera_that_stays_refused_is_said_and_so_is_its_end(model):
    session, clock, lines = _session(model)
    _run(session, clock, 10)  # flapping
    lines.clear()
    _run(session, clock, STEADY_S + 5, camera_every=0)  # then the camera stops
    held = [m for _, level, m in lines if "refused without a break" in m]
    assert len(held) == 1 and held[0].startswith(TOPIC) and "camera image is stale" in held[0]
    lines.clear()
    _run(session, clock, 5, camera_every=1)
    assert [m for _, _, m in lines if "fine again" in m], "its end is logged as any refusal's"


@pytest.mark.parametrize("bad_input, topic, first", [
    ("size", TOPIC, "camera frame refused"),
    ("nan", "/joint_states", "not commanding: unusable joint state")])
def test_unusable_messages_every_1_5_s_are_summarised_per_input(model, bad_input, topic, first):
    """One unusable message every 1.5 s (held 1 s each time): a pair every ~11 s before."""
    session, clock, lines = _session(model)
    session.state_topic = lambda: "/joint_states"
    for tick in range(1, 20 * 150 + 1):  # 150 s at 20 Hz, unusable messages for 90 s
        clock.now += 1 / 20
        bad = tick % 30 == 0 and tick <= 20 * 90
        small = bad and bad_input == "size"
        session.observe_image(np.zeros((8, 8, 3), np.uint8) if small else frame(0), clock.now)
        if bad and bad_input == "nan":
            session.reject_state("unusable joint state: arm joint positions contain NaN or inf")
        else:
            session.observe_state(START, clock.now)
        session.stream_step()
    said = [m for _, _, m in lines]
    assert said[0].startswith(first), said
    summaries = [m for m in said if m.startswith(f"{topic}: refused ")]
    assert 2 <= len(summaries) <= 3 and "last reason: " in summaries[0], said  # 1 a minute
    assert said[-1].startswith(f"{topic}: steady again"), said
    assert len(said) <= 7, said  # first refusal, its end, summaries, steady (was ~16)


def test_only_inputs_are_summarised_other_refusals_keep_the_relapse_rule():
    """A safety refusal is no input's: each one back after RELAPSE_S is logged, never counted."""
    clock = types.SimpleNamespace(now=0.0)
    log = RefusalLog(lambda: clock.now)
    for _ in range(6):
        assert log.refused(RefusalKind.SAFETY, "step # m over the limit")
        assert log.all_clear()
        clock.now += RELAPSE_S + 1.0
    log.about("camera image is stale", TOPIC, "camera image is stale: 0.6 s old")
    said = []
    for _ in range(6):
        said.append(log.refused(RefusalKind.STALE_INPUTS, "camera image is stale"))
        log.all_clear()
        clock.now += RELAPSE_S + 1.0
    assert said == [True, True, True, False, False, False]
    assert log.notes()[0][1].startswith(f"{TOPIC}: refused 6 times, recovered 6 times")
