"""``planner status --follow``'s rule: a status whose numbers alone change is the same (fix60w).

``robot/status_changes.py`` (no ROS; the follow itself: ``test_fix60w_follow.py``): numbers
standing alone (seconds, ages, counts) are not the status's words; a change of words, level or
watched value is a line saying how long the one before lasted; the same status with new numbers
is said again only every ``REMIND_S``.
"""

import pytest

from vjepa_ros.robot.status_changes import REMIND_S, StatusChanges, lasted, words


@pytest.mark.parametrize("first, second", [
    ("no camera image on /camera/camera/color/image_raw in 9 s", "no camera image on "
     "/camera/camera/color/image_raw in 10 s"),  # a count of seconds
    ("not commanding: robot state is stale: 0.31 s old (limit 0.25 s)",
     "not commanding: robot state is stale: 1.5 s old (limit 0.25 s)"),  # an age
    ("3 of 5 frames dropped", "4 of 5 frames dropped"),  # counts
    ("offset -2 mm", "offset +3 mm"), ("error 1e-3", "error 2.5e-4"), ("goal 1/4", "goal 2/4"),
])
def test_a_message_changing_only_in_its_numbers_has_the_same_words(first, second):
    assert first != second and words(first) == words(second)


@pytest.mark.parametrize("first, second", [
    ("no camera image on /cam1/image in 9 s", "no camera image on /cam2/image in 9 s"),  # a name
    ("frames 128x128 px", "frames 256x256 px"),  # a size is part of a word
    ("no camera image in 9 s", "no robot state in 9 s"),  # what is missing
])
def test_a_message_changing_in_a_name_or_a_word_is_another_status(first, second):
    assert words(first) != words(second)


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _status(message, level="WARN", state="shadow"):
    return (level, message, state, "False", "goal 1/1", "")


def test_same_words_are_silent_then_reminded_and_a_change_says_how_long_the_one_before_lasted():
    clock = _Clock()
    changes = StatusChanges(_status("no camera image in 0 s"), clock)
    for second in range(1, int(REMIND_S)):  # counting: nothing to say
        clock.now += 1.0
        assert changes.line(_status(f"no camera image in {second} s"), "x") is None
    clock.now += 1.0  # REMIND_S after the status was shown: a reminder, the newest numbers
    assert changes.line(_status(f"no camera image in {REMIND_S:g} s"), "WARN: n") == \
        f"still WARN: n; for at least {REMIND_S:g} s"
    clock.now += 1.0
    assert changes.line(_status("no camera image in 31 s"), "x") is None  # reminded just now
    clock.now += 14.0  # a new state: said at once, the one before's length with it
    assert changes.line(_status("shadow mode (not enabled)", "OK"), "OK: s") == \
        "OK: s; the WARN before it lasted at least 45 s"
    clock.now += 130.0  # its start is known now: no "at least"
    assert changes.line(_status("shadow mode (not enabled)", "OK", "active"), "OK: a") == \
        "OK: a; the OK before it lasted 2 min 10 s"
    assert changes.line(_status("shadow mode (not enabled)", "OK", "active"), "OK: a") is None


def test_the_same_message_again_is_never_reminded():
    """A message repeated word for word (numbers too) says nothing new: no reminder."""
    clock = _Clock()
    changes = StatusChanges(_status("shadow mode (not enabled)", "OK"), clock)
    clock.now += 10 * REMIND_S
    assert changes.line(_status("shadow mode (not enabled)", "OK"), "x") is None


def test_lasted_reads_seconds_then_minutes():
    assert [lasted(s) for s in (0.4, 59.6, 119.0, 125.0, 3601.0)] == \
        ["0 s", "60 s", "119 s", "2 min 5 s", "60 min 1 s"]


def test_a_gap_in_the_stream_is_no_part_of_a_status_s_length():
    """The planner restarts: its 21 s away are the gap's, not counted as the WARN's (mend62f).

    What the user does: follows the status while the planner warns 15 s, stops, and comes back
    21 s later. The WARN lasted 15 s (till its last message), not 36 s; the first status after
    the gap is said even when it reads as the one before (a new run), counted from its return.
    """
    clock = _Clock()
    changes = StatusChanges(_status("shadow mode (not enabled)", "OK"), clock)
    clock.now += 5.0
    assert changes.line(_status("no camera image in 0 s"), "WARN: n") == \
        "WARN: n; the OK before it lasted at least 5 s"
    for second in range(1, 16):
        clock.now += 1.0
        assert changes.line(_status(f"no camera image in {second} s"), "x") is None
    clock.now += 6.0
    assert changes.quiet_s() == 6.0
    changes.went_quiet()
    clock.now += 15.0
    assert changes.quiet and changes.quiet_s() == 21.0
    assert changes.line(_status("no camera image in 0 s"), "WARN: n") == \
        "WARN: n; the WARN before the gap lasted 15 s"
    assert not changes.quiet and changes.quiet_s() == 0.0
    clock.now += 4.0  # counted from its return, not from the first WARN
    assert changes.line(_status("shadow mode (not enabled)", "OK"), "OK: s") == \
        "OK: s; the WARN before it lasted 4 s"


def test_a_gap_right_after_following_began_keeps_at_least():
    """The status shown when following began: its start unknown, its length up to its last one."""
    clock = _Clock()
    changes = StatusChanges(_status("shadow mode (not enabled)", "OK"), clock)
    clock.now += 3.0
    assert changes.line(_status("shadow mode (not enabled)", "OK"), "x") is None
    clock.now += 40.0
    changes.went_quiet()
    assert changes.line(_status("shadow mode (not enabled)", "OK"), "OK: s") == \
        "OK: s; the OK before the gap lasted at least 3 s"
