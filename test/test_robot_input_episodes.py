"""Bad inputs mixed with good ones: one hold, one line each way, one kind and one current value.

A second publisher of NaN joint states among the robot's good ones, camera frames of an unusable
size among usable ones, a camera that stops while a plan is computed: what the log, the stream,
``/diagnostics`` and the plan report say (README, Behaviour: Safety).
"""

import numpy as np
import pytest
from test_robot_mpc import START, HookedPlanner, enabled_session, frame, tiny_world_model

from vjepa_ros.robot.inputs import RECOVERY_S
from vjepa_ros.robot.plan_record import PlanRecord
from vjepa_ros.robot.refusal import NO_REASON, Refusal, RefusalKind
from vjepa_ros.robot.refusal_log import RELAPSE_S

NAN_STATE = "unusable joint state: arm joint positions contain NaN or inf"


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _mixed_states(session, clock, seconds, nan_every=3):
    """100 Hz robot states, every ``nan_every``-th one refused as NaN; stream ticks at 100 Hz."""
    outputs = []
    for tick in range(int(seconds * 100)):
        clock.now += 0.01
        if tick % 10 == 0:
            session.observe_image(frame(0), clock.now)
        if nan_every and tick % nan_every == 0:
            session.reject_state(NAN_STATE)
        else:
            session.observe_state(START, clock.now)
        outputs.append(session.stream_step())
    return outputs


def test_nan_states_among_good_ones_hold_once_and_say_valid_again_once(model):
    session, clock, logs = enabled_session(model)
    assert session.plan_step().command is not None
    logs.clear()
    outputs = _mixed_states(session, clock, 3.0)
    assert [o for o in outputs if o is not None and o.setpoint is not None] == [], \
        "publishing stops for the whole episode, not only on the ticks after a NaN"
    assert sum(o is not None and o.hold_started for o in outputs) == 1, "one zero twist"
    assert [m for _, m in logs if "valid again" in m] == [], "not one per good message"
    assert sum(m.startswith("not commanding") for _, m in logs) == 1
    assert session.status()["values"]["refusal_kind"] == "invalid_state"
    outputs = _mixed_states(session, clock, RECOVERY_S + 0.2, nan_every=0)  # good ones only
    valid = [m for _, m in logs if "valid again" in m]
    assert valid == [f"robot state valid again for {RECOVERY_S:g} s (was: {NAN_STATE})"]
    assert outputs[-1].setpoint is not None, "streaming again once the states stayed valid"
    assert session.status()["values"]["refusal"] == ""


def test_camera_frames_of_an_unusable_size_among_usable_ones_are_one_episode(model):
    session, clock, logs = enabled_session(model)
    logs.clear()
    for tick in range(60):  # 2 s at 30 Hz, every other frame 8x8 px
        clock.now += 1 / 30
        session.observe_image(frame(0) if tick % 2 else np.zeros((8, 8, 3), np.uint8),
                              clock.now)
        session.observe_state(START, clock.now)
        assert session.plan_step() is None
    assert sum("camera frame refused" in m for _, m in logs) == 1
    assert not any("usable again" in m for _, m in logs)
    for _ in range(40):
        clock.now += 1 / 30
        session.observe_image(frame(0), clock.now)
        session.observe_state(START, clock.now)
    assert sum("usable again" in m for _, m in logs) == 1


EPISODE_LINES = ("not commanding", "camera frame refused", "valid again", "usable again")


def _episode_lines(session, clock, logs, bad_input, seconds=RECOVERY_S + 0.5):
    """One bad message of ``bad_input`` ("state" or "camera"), then good ones at 100 Hz.

    Returns the episode's start and end lines logged meanwhile (by their first words).
    """
    logs.clear()
    for tick in range(int(seconds * 100)):
        clock.now += 0.01
        bad = tick == 0
        if tick % 3 == 0:
            bad_frame = bad and bad_input == "camera"
            session.observe_image(np.zeros((8, 8, 3), np.uint8) if bad_frame else frame(0),
                                  clock.now)
        if bad and bad_input == "state":
            session.reject_state(NAN_STATE)
        else:
            session.observe_state(START, clock.now)
    return [next(w for w in EPISODE_LINES if w in m) for _, m in logs
            if any(w in m for w in EPISODE_LINES)]


def test_both_inputs_log_a_repeat_episode_by_one_relapse_rule(model):
    """A new episode back within RELAPSE_S of its kind's last line: no line either way."""
    for bad_input, start, end in [("state", "not commanding", "valid again"),
                                  ("camera", "camera frame refused", "usable again")]:
        session, clock, logs = enabled_session(model)
        assert _episode_lines(session, clock, logs, bad_input) == [start, end], bad_input
        assert _episode_lines(session, clock, logs, bad_input) == [], \
            f"{bad_input}: a repeat within {RELAPSE_S:g} s is not logged"
        clock.now += RELAPSE_S  # later than that: logged again
        assert _episode_lines(session, clock, logs, bad_input) == [start, end], bad_input


def test_a_stale_camera_shows_once_in_diagnostics_with_its_current_age(model):
    session, clock, _ = enabled_session(model)
    assert session.plan_step().command is not None
    for _ in range(300):  # the camera stops; states and the stream go on for 3 s
        clock.now += 0.01
        session.observe_state(START, clock.now)
        session.stream_step()
    values = session.status()["values"]
    age = clock.now - session.frame.stamp
    assert values["blocking"] == f"camera image is stale: {age:.2f} s old (limit 0.50 s)"
    assert values["refusal"] == values["blocking"] and values["refusal_kind"] == "stale_inputs"


def test_a_plan_that_ends_on_a_stale_camera_is_refused_as_stale_inputs_everywhere(model):
    planner = HookedPlanner(model)
    session, clock, logs = enabled_session(model, planner=planner)

    def camera_stops_while_planning():
        clock.now += 2.0
        session.observe_state(START, clock.now)

    planner.after = camera_stops_while_planning
    report = session.plan_step()
    record = PlanRecord.from_report(report)
    values = session.status()["values"]
    assert (record.outcome, record.refusal) == ("refused", "stale_inputs")
    assert record.detail.startswith("camera image is stale: 2.00 s old")
    assert values["refusal_kind"] == "stale_inputs" and values["state"] == "holding"
    assert values["blocking"].count("camera image is stale") == 1
    assert session.stream_step() is None or session.stream_step() is None
    assert sum("camera image is stale" in m for _, m in logs) == 1


def test_an_age_just_over_its_limit_never_reads_as_the_limit(model):
    session, clock, _ = enabled_session(model)
    clock.now += 0.5004  # the frame and the state are 0.5004 s old: over both limits
    refusal = session.status()["values"]["refusal"]
    assert refusal == "camera image is stale: just over 0.50 s old (limit 0.50 s)"


@pytest.mark.parametrize(("age", "words"), [
    (0.25 + 1e-12, "just over 0.25 s old (limit 0.25 s)"),  # user52u: was 0.250000000
    (0.2504, "just over 0.25 s old (limit 0.25 s)"),  # under 1 ms over: no sub-ms digits
    (0.253, "0.253 s old (limit 0.25 s)"), (0.8, "0.80 s old (limit 0.25 s)"),
    (-0.2504, "just over 0.25 s in the future (limit 0.25 s;")])
def test_an_age_reads_beyond_its_limit_in_the_limits_digits(age, words):
    """An age over its limit: the limit's decimals, a third (ms) if needed, else "just over"."""
    from vjepa_ros.robot.input_ages import age_problem

    assert words in age_problem("robot state", age, 0.25), age_problem("robot state", age, 0.25)


def test_a_state_rejected_with_an_empty_reason_holds_in_placeholder_words(model):
    """reject_state(""): a hold with refusal.NO_REASON (never "fine", never a KeyError)."""
    session, clock, logs = enabled_session(model)
    assert session.plan_step().command is not None
    logs.clear()
    clock.now += 0.01
    session.reject_state("")
    output = session.stream_step()
    assert output is not None and output.setpoint is None
    assert session.status()["values"]["refusal_kind"] == "invalid_state"
    assert [m for _, m in logs if m.startswith("not commanding")] == [
        f"not commanding: {NO_REASON}"]
    assert session.inputs.state_problem == NO_REASON


def test_a_refusal_without_words_takes_the_placeholder():
    """Refusal(kind, "") reads NO_REASON: diagnostics and the log never show an empty reason."""
    assert Refusal(RefusalKind.PLANNER_ERROR, "").detail == NO_REASON
    assert Refusal(RefusalKind.SAFETY, "too far").detail == "too far"
