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
