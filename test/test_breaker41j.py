"""breaker41j: the acceleration rule (``robot.accel_rule.outran``, 9509217), live and offline.

Live: ``jump_watch.JumpWatch._kicked``; offline: ``recordings.kicked_steps``. Each test asserts
what SHOULD happen; each was a strict xfail, fixed in session 41 (a refresh after a hold about
as long as the one before is not judged, accel_rule.refreshing; turns compared as rotation
vectors).

1. A pose republished at 100 Hz from a source slower than 10 Hz (a tf/TCP-pose publisher
   stamping on its own timer, the transform refreshed at 8 Hz): each refresh is a 3 cm step
   in 10 ms from states that read 0 m/s for the last 0.1 s, a kick. Live every refresh is a
   1 s hold (the arm never gets a command); offline every refresh is a dropped step. From a
   10-12 Hz source the same steps pass (the previous refresh is within the 0.1 s window):
   breaker41g's defect (a 33 Hz source read 0 m/s) left standing below 10 Hz.
2. The turn is judged against the arm's fastest recent turning *speed*, not its angular
   *velocity* (41i fixed this for the position only): a wrist twisting at 2 rad/s whose
   joint-7 reading glitches 0.15 rad back for one 30 Hz state (the TCP on the joint-7 axis:
   the position unchanged) passes; its way back (0.28 rad in 33 ms) is the jump, a hold and a
   false 0.28 rad new world live, and offline the glitch is kept and the way back dropped.
"""

import numpy as np
import pytest

from vjepa_ros.recordings.kicked_steps import kicked_steps
from vjepa_ros.recordings.state_jumps import jump_steps
from vjepa_ros.robot.jump_watch import JumpWatch

START = np.array([0.5, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0])


def _feed(watch, stamps, poses) -> list[str]:
    """Feed states stamped (and arriving) at ``stamps`` [s]; return the problems said."""
    return [watch.problem(pose, stamp, stamp) for stamp, pose in zip(stamps, poses, strict=True)]


def _ns(stamps) -> np.ndarray:
    return (np.asarray(stamps) * 1e9).astype(np.int64)


# --- 1. a pose republished from a source slower than 10 Hz ------------------------------------

def _republished(source_hz, speed=0.25, rate_hz=100.0, seconds=4.0):
    """Return (stamps, poses): a slow source's pose republished at ``rate_hz``.

    Stamped on the republisher's timer; the pose refreshed at ``source_hz`` (zero-order hold)
    from an arm moving at ``speed`` m/s along x.
    """
    stamps = np.arange(int(seconds * rate_hz)) / rate_hz
    held = np.floor(stamps * source_hz) / source_hz
    poses = np.tile(START, (len(stamps), 1))
    poses[:, 0] += speed * held
    return stamps, poses


def test_a_pose_republished_from_a_10_hz_source_is_no_jump():  # the control for the xfail below
    stamps, poses = _republished(10.0, speed=0.3)
    assert not any(_feed(JumpWatch(), stamps, poses))
    assert len(jump_steps(_ns(stamps), poses)) == 0


@pytest.mark.parametrize("source_hz", [8.0, 9.0])
def test_a_pose_republished_from_a_slower_source_is_no_jump(source_hz):
    # A TCP-pose node publishing at 100 Hz on its own timer from a transform refreshed at 8-9 Hz
    # (a slow driver's joint states, a camera's hand pose): the arm at 0.25 m/s, so every refresh
    # is ~3 cm in one 10 ms step. The speed rule passes it (3 m/s x 10 ms + 1 cm = 4 cm), and a
    # 10 Hz source passes the acceleration rule (the control above); at 8-9 Hz the previous
    # refresh fell out of the 0.1 s window, the arm reads 0 m/s and every refresh is a kick:
    # live the planner holds for 1 s at each and never commands; offline every refresh is
    # dropped (8 % of the steps fast, all the motion of the episode).
    stamps, poses = _republished(source_hz)
    said = _feed(JumpWatch(), stamps, poses)
    assert not any(said), [(k, s) for k, s in enumerate(said) if s][:3]
    assert len(kicked_steps(_ns(stamps), poses)) == 0
    assert len(jump_steps(_ns(stamps), poses)) == 0


# --- 2. a turn against the arm's turning ------------------------------------------------------

def _twist_with_glitch(glitch_rad, spin=2.0, dt=1 / 30, count=40, at=25):
    """Return (stamps, poses): a 30 Hz wrist twist at ``spin`` rad/s (yaw, the position still).

    State ``at`` reads ``glitch_rad`` back from the state before it (one joint-7 glitch).
    """
    stamps = np.arange(count) * dt
    poses = np.tile(START, (count, 1))
    poses[:, 5] += spin * stamps
    if glitch_rad:
        poses[at, 5] = poses[at - 1, 5] - glitch_rad
    return stamps, poses


def test_a_smooth_twist_is_no_jump():  # the control for the xfail below
    stamps, poses = _twist_with_glitch(0.0)
    watch = JumpWatch()
    assert not any(_feed(watch, stamps, poses))
    assert watch.landed() is None
    assert len(jump_steps(_ns(stamps), poses)) == 0


def test_a_turn_against_the_arms_turning_is_a_jump():
    # Teleop twisting the hand at 2 rad/s (Franka joint 7 turns 2.6 rad/s), 30 Hz states; one
    # state's joint-7 reading glitches 0.15 rad back (the TCP on the joint-7 axis: the position
    # does not change). From +2 rad/s (+0.067 rad per step) to -0.15 rad is 6.5 rad/s of
    # change in 33 ms, ~200 rad/s² (the rule's limit: 25); from rest the same 0.15 rad is a
    # kick (allowed 0.077). The turning speed allows 0.19 rad in any direction, so the glitch
    # is taken as the arm's and its way back (0.28 rad in 33 ms, over 5 rad/s) is the jump:
    # live a hold and, the way back not undone, a false 0.28 rad new world; offline the glitched
    # state is kept and the step back to the arm's real pose is dropped.
    stamps, poses = _twist_with_glitch(0.15)
    watch = JumpWatch()
    said = _feed(watch, stamps, poses)
    assert not any(said[:25]), said[:25]
    assert said[25], "the glitch against the twist was taken as the arm's own motion"
    assert watch.landed() is None, "a glitch that came back is no new world"
    assert 24 in kicked_steps(_ns(stamps), poses)
    assert 24 in jump_steps(_ns(stamps), poses)
