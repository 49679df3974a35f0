"""input_flaps.InputFlaps: each input's own refusal episodes and flap summaries, rule by rule.

The rules are the module docstring's; each test states one, driving the state machine with
(time, input, judgement) alone, no session and no clock.
"""

from __future__ import annotations

import re

from vjepa_ros.robot.input_flaps import (
    FLAP_STARTS,
    FLAP_WINDOW_S,
    MAX_CAUSES,
    STEADY_S,
    SUMMARY_S,
    InputFlaps,
)

CAMERA, STATE = "/camera/image_raw", "/joint_states"
STALE = "camera image is stale: 0.60 s old (limit 0.50 s)"
SMALL = "the newest camera frame is 8x8 px, smaller than 32 px a side"
COUNTS = re.compile(r"refused (\d+) times?, recovered (\d+) times? in the last (\d+) s")


def _flap(inputs: InputFlaps, start: float, times: int, period: float = 2.0,
          topic: str = CAMERA, reason: str = STALE) -> float:
    """Refuse ``topic`` for 1 s every ``period`` s, ``times`` times from ``start``; return t."""
    now = start
    for _ in range(times):
        inputs.judge(now, topic, reason)
        inputs.judge(now + 1.0, topic, "")
        now += period
    return now


# --- rule 1: an episode is the input's own, begun and ended by its own judgement ---------------

def test_an_episode_begins_refused_and_ends_only_when_that_input_is_judged_fine():
    inputs = InputFlaps()
    inputs.judge(0.0, STATE, "robot state is stale")
    assert set(inputs.ongoing) == {STATE}
    for step in range(1, 50):  # the camera flaps beside it: the state's episode goes on
        inputs.judge(step * 0.5, CAMERA, STALE if step % 2 else "")
        inputs.judge(step * 0.5, STATE, "robot state is stale")
    assert STATE in inputs.ongoing
    inputs.judge(30.0, STATE, "")
    assert STATE not in inputs.ongoing


def test_judging_an_input_refused_again_is_the_same_episode_with_the_newest_reason():
    inputs = InputFlaps()
    inputs.judge(0.0, CAMERA, STALE)
    episode = inputs.ongoing[CAMERA]
    inputs.judge(1.0, CAMERA, SMALL)
    assert inputs.ongoing[CAMERA] is episode and inputs.flaps[CAMERA].reason == SMALL
    assert list(inputs.flaps[CAMERA].starts) == [0.0]


def test_an_input_without_a_topic_has_no_episode_and_fine_ends_nothing_unbegun():
    inputs = InputFlaps()
    inputs.judge(0.0, "", STALE)
    inputs.judge(0.0, CAMERA, "")
    assert inputs.ongoing == {} and inputs.flaps == {}


def test_end_all_ends_every_episode_under_way():
    inputs = InputFlaps()
    inputs.judge(0.0, CAMERA, STALE)
    inputs.judge(0.0, STATE, "robot state is stale")
    inputs.end_all()
    assert inputs.ongoing == {}


# --- rule 2: the fourth episode within the window is a flap --------------------------------------

def test_three_episodes_in_the_window_are_not_a_flap_the_fourth_is():
    inputs = InputFlaps()
    _flap(inputs, 0.0, 3)
    assert not inputs.flaps[CAMERA].flapping and inputs.due(6.0) == ([], [])
    inputs.judge(6.0, CAMERA, STALE)
    assert inputs.flaps[CAMERA].flapping
    lines, _ = inputs.due(6.0)
    assert len(lines) == 1 and lines[0][0] == "warning", lines
    assert COUNTS.search(lines[0][1]).groups()[:2] == ("4", "3"), lines
    assert "refused now" in lines[0][1] and "flapping: said here at most" in lines[0][1]


def test_episodes_further_apart_than_the_window_never_flap():
    inputs = InputFlaps()
    _flap(inputs, 0.0, 20, period=FLAP_WINDOW_S / 2 + 1.0)
    assert not inputs.flaps[CAMERA].flapping


# --- rule 3: one summary per SUMMARY_S, only with something counted ----------------------------

def test_a_flapping_input_is_summarised_at_most_once_per_summary_period():
    inputs = InputFlaps()
    said, times, now = [], [], 0.0
    for _ in range(200):  # 400 s of one episode every 2 s, asked each 2 s
        now = _flap(inputs, now, 1)
        lines = inputs.due(now)[0]
        said += lines
        times += [now] * len(lines)
    assert all(m.startswith(f"{CAMERA}: refused ") for _, m in said), said
    assert times[0] == 8.0  # the first at once: the fourth episode began at 6 s
    assert [b - a for a, b in zip(times, times[1:], strict=False)] == [SUMMARY_S] * 6, times
    assert all(int(COUNTS.search(m).group(1)) >= 28 for _, m in said[1:]), said


def test_a_count_of_one_is_said_as_one_time_not_one_times():
    inputs = InputFlaps()
    now = _flap(inputs, 0.0, 4)
    inputs.due(now)  # the first summary: refused 4 times, recovered 4 times
    inputs.judge(now + 10.0, CAMERA, STALE)
    inputs.judge(now + 11.0, CAMERA, "")  # one more episode before the next summary
    lines, _ = inputs.due(now + SUMMARY_S)
    assert len(lines) == 1 and "refused 1 time, recovered 1 time in the last" in lines[0][1], lines
    assert " 1 times" not in lines[0][1], lines


# --- rule 4: steady again, or one long hold; a clock going back --------------------------------

def test_a_flapping_input_quiet_for_steady_s_is_steady_again_and_counts_afresh():
    inputs = InputFlaps()
    now = _flap(inputs, 0.0, 5)
    inputs.due(now)
    lines, left = inputs.due(now - 2.0 + STEADY_S)
    assert left == [] and len(lines) == 1 and lines[0][0] == "info"
    assert "steady again" in lines[0][1] and " 0 times" not in lines[0][1], lines
    assert CAMERA not in inputs.flaps  # its next episode is one as any
    _flap(inputs, now + STEADY_S, 1)
    assert not inputs.flaps[CAMERA].flapping


def test_an_episode_lasting_steady_s_leaves_the_flap_count_and_hands_back_its_holder():
    inputs = InputFlaps()
    now = _flap(inputs, 0.0, 4)
    inputs.due(now)
    inputs.judge(now, CAMERA, STALE)
    assert inputs.says(CAMERA, "the hold", "camera image is stale", STALE)
    lines, left = inputs.due(now + STEADY_S)
    assert left == ["the hold"] and lines[0][0] == "warning", lines
    assert "refused without a break for 60 s now (it flapped before" in lines[0][1], lines
    assert CAMERA not in inputs.flaps and CAMERA in inputs.ongoing
    assert inputs.due(now + 2 * STEADY_S) == ([], [])  # said once


def test_a_clock_gone_back_restarts_the_summary_and_the_steady_count():
    inputs = InputFlaps()
    now = _flap(inputs, 1000.0, 10)
    assert inputs.due(now)[0]
    said = []
    for second in range(0, 200, 2):  # the clock 300 s back, the flapping goes on
        _flap(inputs, 700.0 + second, 1)
        said += inputs.due(701.0 + second)[0]
    assert len(said) >= int(200 / SUMMARY_S) - 1, said
    assert not any("steady again" in m for _, m in said), said


def test_a_clock_gone_back_counts_the_quiet_time_on_the_new_clock():
    inputs = InputFlaps()
    now = _flap(inputs, 1000.0, 10)
    inputs.due(now)
    assert inputs.due(700.0) == ([], [])  # the clock 300 s back, no episode since
    lines, _ = inputs.due(700.0 + STEADY_S)
    assert len(lines) == 1 and "steady again, no refusal for 60 s" in lines[0][1], lines


# --- rule 5: the hold's line about an input -----------------------------------------------------

def test_the_hold_says_each_cause_once_per_episode_and_again_in_the_next():
    inputs = InputFlaps()
    inputs.judge(0.0, CAMERA, STALE)
    assert inputs.says(CAMERA, "kind", "stale", STALE)
    assert not inputs.says(CAMERA, "kind", "stale", STALE)  # moved away and back: said
    assert inputs.says(CAMERA, "kind", "small", SMALL)  # a new reason
    inputs.judge(1.0, CAMERA, "")
    inputs.judge(2.0, CAMERA, STALE)
    assert inputs.says(CAMERA, "kind", "stale", STALE)  # not flapping: said again


def test_a_flapping_input_says_only_a_cause_it_never_said():
    inputs = InputFlaps()
    for start in range(0, 12, 2):
        inputs.judge(float(start), CAMERA, STALE)
        inputs.says(CAMERA, "kind", "stale", STALE)
        inputs.judge(start + 1.0, CAMERA, "")
    inputs.judge(12.0, CAMERA, SMALL)
    assert inputs.flaps[CAMERA].flapping
    assert not inputs.says(CAMERA, "kind", "stale", STALE)  # counted
    assert inputs.says(CAMERA, "kind", "small", SMALL)  # new: said at once
    assert inputs.flaps[CAMERA].reason == SMALL


def test_forget_makes_the_causes_a_holder_said_due_again():
    inputs = InputFlaps()
    inputs.judge(0.0, CAMERA, STALE)
    inputs.judge(0.0, STATE, "robot state is stale")
    inputs.says(CAMERA, "stale inputs", "stale", STALE)
    inputs.says(STATE, "invalid state", "nan", "nan")
    inputs.forget("stale inputs")
    assert inputs.says(CAMERA, "stale inputs", "stale", STALE)
    assert not inputs.says(STATE, "invalid state", "nan", "nan")


def test_the_causes_kept_are_bounded():
    inputs = InputFlaps()
    inputs.judge(0.0, CAMERA, STALE)
    said = [inputs.says(CAMERA, "kind", f"cause {n}", STALE) for n in range(MAX_CAUSES + 10)]
    assert said.count(True) == MAX_CAUSES
    assert len(inputs.ongoing[CAMERA].causes) == MAX_CAUSES


def test_forget_clears_a_cause_its_holder_spoke_of_though_another_hold_spoke_later():
    inputs = InputFlaps()
    inputs.judge(0.0, STATE, "stale 3")
    assert inputs.says(STATE, "stale inputs", "stale #", "stale 3")
    assert inputs.says(STATE, "invalid state", "nan", "nan")
    assert not inputs.says(STATE, "invalid state", "stale #", "stale 3")  # spoke of it too
    inputs.forget("stale inputs")
    assert inputs.says(STATE, "stale inputs", "stale #", "stale 3")  # due again
    assert not inputs.says(STATE, "invalid state", "nan", "nan")  # the other hold's stays


def test_episodes_under_way_are_bounded_and_the_input_judged_longest_ago_goes():
    inputs = InputFlaps()
    inputs.judge(0.0, CAMERA, STALE)
    for index in range(2 * MAX_CAUSES):  # renamed topics, never judged again
        inputs.judge(1.0 + index, f"/old_{index}", STALE)
        inputs.judge(1.0 + index, CAMERA, STALE)  # the camera is judged at every check
    assert len(inputs.ongoing) == MAX_CAUSES and CAMERA in inputs.ongoing
    assert f"/old_{2 * MAX_CAUSES - 1}" in inputs.ongoing and "/old_0" not in inputs.ongoing


def test_flapping_inputs_are_bounded_and_the_one_idle_longest_goes():
    inputs = InputFlaps()
    for index in range(MAX_CAUSES + 5):
        for episode in range(FLAP_STARTS + 1):
            inputs.judge(index * 10.0 + episode, f"/topic_{index}", STALE)
            inputs.judge(index * 10.0 + episode + 0.5, f"/topic_{index}", "")
    assert all(f.flapping for f in inputs.flaps.values())
    assert len(inputs.flaps) <= MAX_CAUSES and f"/topic_{MAX_CAUSES + 4}" in inputs.flaps
    assert "/topic_0" not in inputs.flaps
