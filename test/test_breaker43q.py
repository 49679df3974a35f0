"""breaker43q: attack on fix43p (commits fd206f5, ef41380): one notion of arrival in a stop.

Attacked: ``robot/mpc.py`` (``MPCSession._stop_motion``: ``cut = not self._arm_arrived(now)``)
and ``robot/stream_session.py`` (``_arm_arrived``: no state yet, the once-per-command timeout
warning), against README's sub-goal switching paragraph. ROS-free, CPU, test_breaker43h's rig.

1. A stop during a live camera check's move asks ``_arm_arrived`` about the CHECK's set-point
   but times it from ``command_time``, the last GOAL command: before any goal command (-inf,
   the usual "camera check first" start-up) ``~/enable false`` mid-move logs "arm did not reach
   the target within 10.0 s (0.019 m away): observing again" 0.7 s after the check started.
   Fixed: only a stop of a GOAL command (the streamer's target is ``command_target``) asks
   ``_arm_arrived`` whether it was cut.

Held up (do not repeat): a hold before any command (streamer inactive: arrived, no reopen, no
settle); a camera check after a finished continuous sequence (its "all done" hold already kept
the switch: nothing reopened by a disable mid-check); a camera blip mid-check with an arm that
tracks the set-point (the move had arrived by the stale limit: no warning).
"""

import numpy as np
import pytest
from session_rig import Rig
from test_robot_mpc import START, tiny_world_model

from vjepa_ros.robot.camera_check_motions import CheckMotionConfig


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def test_disable_mid_camera_check_before_any_goal_command_says_no_arrival_timeout(model):
    """A disable during the camera check's first move must not claim an arrival timeout.

    A lab runs ``~/camera_check`` right after start-up (before any goal is commanded: the
    documented order, check the camera, then reach) and stops it with ``~/enable false`` as
    someone walks into the cell, 0.7 s into the +x move. ``_stop_motion`` asks ``_arm_arrived``,
    whose timeout is counted from ``command_time`` (-inf: no goal command yet), so it warns
    "arm did not reach the target within 10.0 s ... observing again" about a move that ran
    0.7 s and was never a goal command. What should happen: no arrival-timeout warning (only
    "camera check stopped: disabled").
    """
    rig = Rig(model, "blocking")
    session = rig.session
    session.clear_goals()  # a goal set while enabled is a goal run: the check is refused then
    session.start_camera_check(CheckMotionConfig(distance_m=0.04, corners=False))
    for _ in range(2000):
        rig.tick()
        if np.linalg.norm(session.streamer.setpoint[:3] - START[:3]) > 0.02:
            break
    else:
        pytest.fail("the camera check never moved")
    session.set_enabled(False)
    timeouts = [m for level, m in rig.logs if "did not reach the target" in m]
    assert not timeouts, timeouts
