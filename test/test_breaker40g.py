"""breaker40g: a hold's jump bookkeeping (``jump_watch.JumpWatch``, commit 83c97e9).

Each test was a strict xfail (it asserts what should happen), fixed in session 40.
"""

import numpy as np
import pytest
from pose_steps import moved

from vjepa_ros.robot.jump_watch import JumpWatch

START = np.array([0.4, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0])  # xyz [m], xyz Euler [rad], closedness
DT = 0.01  # [s] a 100 Hz state stream


def stream(watch, pose, stamp, count):
    """Feed ``pose`` ``count`` times, ``DT`` apart after ``stamp``; return (jumps, last stamp)."""
    jumps = 0
    for _ in range(count):
        stamp += DT
        jumps += bool(watch.problem(pose, stamp))
    return jumps, stamp


def test_a_reset_then_the_controller_pulling_the_arm_back_part_way_is_a_new_world():
    # A simulator's ~/reset puts the arm 30 cm along x at one stamp; its controller still holds
    # the old target, so the arm swings back towards it at 0.4 m/s (every state 4 mm from the
    # last: no jump, no gap) and stops 12 cm from where it was (18 cm of real motion). The
    # state that passes 15 cm (half the jump) counts as the teleport's "way back"
    # (_Excursion.lands_back): the 30 cm jump is undone, landed() says None. _undone's own
    # words: a glitch's way back is "a jump, or a step after a gap"; this was neither. The arm
    # was moved 30 cm at once: a new world (the warm start, the goal sequence's progress and
    # the old world's gripper command forgotten, the set-point restarted at the arm).
    watch = JumpWatch()
    _, stamp = stream(watch, START, 0.0, 10)
    home = moved(START, dx=0.3)
    stamp += DT
    assert watch.problem(home, stamp)  # the reset: a jump
    pose, jumps = home.copy(), 0
    for _ in range(150):  # 1.5 s: 0.45 s of motion back, then at rest
        if pose[0] > START[0] + 0.12 + 1e-9:
            pose[0] -= 0.004
        stamp += DT
        jumps += bool(watch.problem(pose, stamp))
    assert jumps == 0, "the motion back is real: no jump"
    landing = watch.landed()
    assert landing is not None, "a 30 cm reset followed by real motion was taken for a glitch"
    assert landing.moved_m == pytest.approx(0.3, abs=1e-6)


def test_two_randomized_resets_in_one_hold_are_a_new_world():
    # A simulator with randomized resets: ~/reset puts the arm 40 cm along x; 0.3 s later (the
    # hold still on) a second ~/reset puts it 15 cm along y from where it was before the first.
    # The second reset is itself a jump (43 cm in 10 ms) but lands within 20 cm (half of the
    # first jump) of the old pose and within 3 m/s x 0.3 s of it, so the first jump counts as
    # undone and the second is not added: landed() says None, though the arm sits 15 cm from
    # where it was, put there at once. A held arm (the planner commands nothing in a hold) does
    # not travel 15 cm on its own; either reset alone is a new world.
    watch = JumpWatch()
    _, stamp = stream(watch, START, 0.0, 20)
    first, second = moved(START, dx=0.4), moved(START, dy=0.15)
    jumps, stamp = stream(watch, first, stamp, 30)
    more, stamp = stream(watch, second, stamp, 110)
    assert (jumps, more) == (1, 1)
    landing = watch.landed()
    assert landing is not None, "the arm was reset 15 cm from where it was: no new world"
    assert landing.moved_m == pytest.approx(0.15, abs=1e-6)


def test_a_long_wrist_glitch_while_the_arm_slows_is_no_new_world():
    # The arm moves at 0.2 m/s; a wrist encoder runs away for 20 messages (100 Hz),
    # each reading 0.2 rad further than the last (every one a jump, none back), the TCP's
    # position still the arm's; then the wrist reads right again and the arm slows to rest in
    # the hold. With 15 glitches (passes now) the arm's state lands back from the first jump
    # (the arm's own motion not counted, breaker40f). With 20, the first jump fell off the
    # 16-entry open list: nothing lands back, the jumps' sum is the arm's own 4 cm under the
    # burst, and landed() says the arm was teleported 4 cm: the goal sequence starts again.
    watch, stamp, pose, speed, glitches = JumpWatch(), 0.0, START.copy(), 0.2, 20
    for _ in range(25):
        pose[0] += speed * DT
        stamp += DT
        assert watch.problem(pose, stamp) == ""
    yaw, jumps = pose[5], 0
    for k in range(glitches):
        pose[0] += speed * DT
        stamp += DT
        jumps += bool(watch.problem(moved(pose, dyaw=yaw + 0.2 * (k + 1) - pose[5]), stamp))
    for _ in range(110):  # the arm slows to rest over 0.2 s; the hold ends
        speed = max(0.0, speed - 0.01)
        pose[0] += speed * DT
        stamp += DT
        jumps += bool(watch.problem(pose, stamp))
    assert jumps == glitches + 1  # the glitches and the first state back
    assert watch.landed() is None, "a wrist glitch while the arm slowed was a new world"
