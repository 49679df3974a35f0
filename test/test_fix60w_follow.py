"""``planner status --follow`` prints one line for a waiting status that only counts (fix60w).

The rule (``robot/status_changes.py``) is ``test_status_changes.py``'s; here the follow of
``nodes/planner_watch.py`` is fed the planner's real ``diagnostic_msgs`` statuses.
"""

import pytest
from test_docs60w import _Diagnostics


def test_follow_prints_the_words_change_with_how_long_the_wait_lasted(capsys):
    """The waiting warning counted, then the planner plans: one line, the wait's length in it."""
    from vjepa_ros.nodes import planner_watch

    waiting = [f"no camera image on /camera/camera/color/image_raw in {n} s" for n in range(9)]
    with pytest.raises(KeyboardInterrupt):
        planner_watch.status("vjepa-ros planner status", _Diagnostics(
            [*waiting, "shadow mode (not enabled)", "shadow mode (not enabled)"]), follow=True)
    followed = capsys.readouterr().out.split("plan report: none heard")[1].splitlines()[1:]
    assert len(followed) == 1, followed
    assert followed[0].startswith("WARN: shadow mode (not enabled) (state shadow, enabled False, "
                                  "goal goal 1/1 (/tmp/b2m/goal.png)); the WARN before it "
                                  "lasted at least "), followed


class _Restarting(_Diagnostics):
    """``_Diagnostics`` on a fake clock: 0.5 s a status (the node's 2 Hz).

    A ``None`` entry is a 1 s wait that brings none (the planner is gone).
    """

    def __init__(self, messages):
        super().__init__(messages)
        self.now = 0.0

    def clock(self):
        return self.now

    def spin_until(self, condition, timeout_s):
        if self.messages and self.messages[0] is None:
            self.messages.pop(0)
            self.now += timeout_s
            return condition()
        self.now += 0.5
        return super().spin_until(condition, timeout_s)


def test_follow_across_a_planner_restart_says_the_gap_not_a_longer_warning(capsys):
    """A restart's time away is said as the gap, not counted in the WARN's length (mend62f).

    What the user does: follows the planner, which warns 15 s, is restarted (21 s without a
    status) and comes back warning again. What happened: "the WARN before it lasted at least
    36 s" (the 21 s away counted). What should: the return with the gap's length, then the status
    with the WARN's own 15 s.
    """
    from vjepa_ros.nodes import planner_watch

    before = [f"no camera image on /camera/camera/color/image_raw in {n / 2:g} s"
              for n in range(31)]  # 15 s of the WARN at 2 Hz, the first one shown
    after = [f"no camera image on /camera/camera/color/image_raw in {n / 2:g} s"
             for n in range(3)]
    diagnostics = _Restarting([*before, *[None] * 21, *after])
    with pytest.raises(KeyboardInterrupt):
        planner_watch.status("vjepa-ros planner status", diagnostics, follow=True,
                             clock=diagnostics.clock)
    followed = capsys.readouterr().out.split("plan report: none heard")[1].splitlines()[1:]
    assert followed[0].startswith("no status from /vjepa_planner for 5 s"), followed
    # the last WARN to the return: 21 waits of 1 s and the returning status's 0.5 s
    assert followed[1] == "/vjepa_planner publishes its status again after 22 s without one", \
        followed
    assert followed[2].startswith("WARN: no camera image on /camera/camera/color/image_raw in 0 s "
                                  "(state shadow"), followed
    assert followed[2].endswith("; the WARN before the gap lasted at least 15 s"), followed
    assert len(followed) == 3, followed
