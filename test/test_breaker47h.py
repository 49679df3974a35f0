"""breaker47h: fifth attack on the jump watch, as it stands at 5d74905d.

Attacked: c72c403d (a refused jump that lands back, a glitch's way back, opens an excursion too,
adding nothing, with ``net_before`` the net BEFORE its undo, so a later state back where it
left restores that net; ``_Course.takes_back``) and 5d74905d (a lone state, no jump but off the
arm's course, now also runs ``_undone``), in ``robot/jump_watch.py`` and ``robot/jump_course.py``.
The goal: glitches make no false new world, every real ``~/reset`` stays one, nothing else
changes. The README's limits (jump paragraph, "lone", "stays open") name neither defect below.

Defects (both new at c72c403d/5d74905d: fd2fac94 gets each case right; fixed next: a lone state
undoes a jump only right on the course the arm was on where that jump left, not within the reach):
1. A way back resurrects its glitch: the arm at rest, ONE glitched state 10 cm along x (say the
   controller's target, published once on the state topic), the arm's next state (its way
   back: a jump, closing the glitch's excursion, net 0, but opening one of its own from the
   glitch's pose with ``net_before`` = the glitch), the arm at rest, the states stop 0.2-0.5 s
   while the arm starts toward the target, then the arm 5.5-8 cm along x: no jump (slow over
   the gap) but lone (off the rest course), so ``_undone`` runs; it lies within half the way
   back's 10 cm of the glitch's pose and within its reach (0.5 t² + 2 cm, t from the glitch),
   so the net is the glitch's again: ``landed()`` a 10 cm false new world. Also rotation-only
   (a hand glitch of 0.5-1 rad, the hand turning 60-70 % of the way during a 0.4-0.6 s gap).
2. A lone state undoes a real reset: a ``~/reset`` 15 cm along x, the arm at rest there 0.3 s,
   the states stop 0.2-0.5 s while the controller pulls the arm back toward its old target,
   then the arm 8-10 cm back: lone, within reach of where the reset's jump left and closer
   than half its 15 cm: the reset is undone, ``landed()`` None, no new world. The README says
   a teleport is not undone wherever the arm's own motion takes it after (a controller pulling
   it back: breaker40g); without the gap (continuous motion, never lone) it holds: pinned.

Pins (what held up): a glitch, its way back, the arm moving on toward the glitch's pose with no
gap (never lone): no new world; a glitch, its way back, then the SAME glitch again and back: no
new world; a glitch and way back, then a real reset to near the glitch's pose: a new world of
the reset's size; two interleaved publishers with a reset inside the burst (the other one
lingering), 10-40 alternations (past OPEN_JUMPS, opened[0] kept): a new world of the reset's
size, or none when the burst ends at the arm's own pose; a reset then the arm pulled back
continuously (no gap): a new world; rotation-only hand glitch, way back, hand turned a third
of the way: no new world; the same glitch again, lone after a 0.1-0.3 s gap, then the arm: no
new world (fd2fac94 made one); a 10 Hz arm speeding up at 1-5 m/s² toward a 40 cm glitch's
pose after its way back: no new world.

Differential (not a test; /tmp script, report): 300 random streams (100/30/10 Hz, 40 % with
arrivals; an arm with random acceleration and spin; 3-7 events 1.6 s apart from: gap, glitch
of 1 or 2 states, gap+glitch, glitch+gap+glitch, reset, gap+reset, hand glitch, hand reset,
burst of another publisher, burst ending in a reset, reset+1-2 stale copies (+ gap), glitch +
gap + arm toward the glitch's pose, reset + gap + arm pulled back; ``landed()`` after 1 s
without a problem) through fd2fac94's and 5d74905d's JumpWatch. Disagreements on new world:
intended (HEAD right, fd2fac94 wrong): 90 gap+glitch, 77 glitch+gap+glitch, 34 two-state
glitches, 2 glitches, 6 bursts (false new worlds gone), 16 reset+stale and 66 reset+stale+gap
(resets no longer cancelled by a stale copy), 1 burst ending in a reset (found). Defects: 45
glitch+gap+arm toward the glitch's pose (false new worlds, defect 1) and 39 reset+gap+pull back
(missed resets, defect 2). Neither right: 4 bursts ending in a reset and 2 resets with stale
copies, all 10 Hz, where the reset's 12-18 cm step in 100 ms passes the jump check (under
3 m/s) and the interleaved or stale state is taken for a lone glitch: fd2fac94's new worlds
there had the wrong size (1.8-17 cm) by accident (a stale copy after an unseen reset:
intended). Both miss alike (no disagreement, not counted): resets right after a gap or slow
enough at 10 Hz to pass the jump check (the arm's motion, as test_robot_jump_lone pins).

Timing (report only): ``JumpWatch.problem`` per state, best of 3 x 4000 states (an arm moving
and turning in sines, with arrivals), this shared 2-core machine: 5d74905d 12.3 us at 10 Hz and
1 kHz; fd2fac94 11.7 us: no difference above this machine's noise.
"""

import numpy as np
import pytest
from test_robot_jump_lone import DT, START, _stream, _then, at

from vjepa_ros.robot.jump_watch import JumpWatch

REST = np.zeros(3)


def _yaw(xyz, yaw):
    """Return a state at ``xyz`` with the hand turned ``yaw`` [rad] about the base z axis."""
    return at(xyz, [np.pi, 0.0, yaw])


def _settle(watch, stamp, pose, count=120):
    """Send ``pose`` ``count`` times with no problem; return ``landed()``."""
    assert not any(_then(watch, stamp, [pose] * count))
    return watch.landed()


def _glitch_back_rest(glitch_pose, rest_pose=None):
    """Send a glitch, its way back and 5 states at rest (the arm at rest); return watch, stamp."""
    watch, stamp, p = _stream(velocity=REST)
    rest_pose = at(p) if rest_pose is None else rest_pose
    problems = _then(watch, stamp, [glitch_pose, rest_pose] + [rest_pose] * 5)
    assert problems[0] and problems[1] and not any(problems[2:])
    return watch, stamp + 7 * DT


# ------------------------------------------------------------------------------ defects ---
@pytest.mark.parametrize(("gap_s", "ahead_m"), [(0.2, 0.055), (0.3, 0.06), (0.5, 0.08)])
def test_the_arm_moving_toward_a_glitch_pose_after_a_gap_is_no_new_world(gap_s, ahead_m):
    """A glitch 10 cm along x, its way back, a gap, the arm 5.5-8 cm along x.

    Input: the arm at rest, 100 Hz; one state 10 cm along x (refused), the arm's pose (refused:
    its way back), 5 states at rest, no states for ``gap_s``, then the arm ``ahead_m`` along x
    (it started toward the glitch's pose, a target, during the gap: 0.2-0.3 m/s, no jump) and
    120 states there. What happened: the lone state lands back where the way back left (the
    glitch's pose) and restores the net before the way back: ``landed()`` 0.10 m. What should
    happen: nothing was ever put anywhere (one glitch that came back): None.
    """
    watch, stamp = _glitch_back_rest(at(START[:3] + [0.10, 0.0, 0.0]))
    stamp += gap_s
    moved = at(START[:3] + [ahead_m, 0.0, 0.0])
    assert watch.problem(moved, stamp) == ""
    assert _settle(watch, stamp, moved) is None


@pytest.mark.parametrize(("glitch_rad", "turned_rad", "gap_s"),
                         [(0.5, 0.3, 0.4), (0.6, 0.4, 0.5), (1.0, 0.7, 0.6)])
def test_the_hand_turning_toward_a_hand_glitch_after_a_gap_is_no_new_world(glitch_rad,
                                                                           turned_rad, gap_s):
    """A hand glitch of 0.5-1 rad (yaw), its way back, a gap, the hand turned 60-70 % of it.

    Input: the arm at rest, 100 Hz; one state turned ``glitch_rad`` about z (refused), the
    arm's (refused), 5 at rest, no states for ``gap_s``, then the hand turned ``turned_rad``
    (under 1.2 rad/s over the gap: no jump) and 120 states there. What happened: the lone
    state restores the glitch's turn: ``landed()`` turned ``glitch_rad``. What should happen:
    None (the glitch came back; the hand's own turn is no teleport).
    """
    xyz = START[:3]
    watch, stamp = _glitch_back_rest(_yaw(xyz, glitch_rad), _yaw(xyz, 0.0))
    stamp += gap_s
    assert watch.problem(_yaw(xyz, turned_rad), stamp) == ""
    assert _settle(watch, stamp, _yaw(xyz, turned_rad)) is None


@pytest.mark.parametrize(("gap_s", "back_m"), [(0.2, 0.08), (0.3, 0.09), (0.5, 0.10)])
def test_a_reset_then_the_arm_pulled_back_across_a_gap_is_a_new_world(gap_s, back_m):
    """A ~/reset 15 cm along x, 0.3 s at rest there, a gap, the arm 8-10 cm back toward home.

    Input: the arm at rest, 100 Hz; a state 15 cm along x (a jump) and 30 states there; no
    states for ``gap_s`` while the controller pulls the arm back toward its old target; the
    arm ``back_m`` back (0.2-0.4 m/s over the gap, no jump) and 120 states there. What
    happened: the state after the gap is lone (off the rest course), runs ``_undone`` and lands
    back where the reset's jump left: net 0, ``landed()`` None. What should happen: a new
    world of 0.15 m (README: a teleport is not undone wherever the arm's own motion takes it
    after; at fd2fac94 it is one).
    """
    watch, stamp, p = _stream(velocity=REST)
    q = p + [0.15, 0.0, 0.0]
    problems = _then(watch, stamp, [at(q)] * 31)
    assert problems[0] and not any(problems[1:])
    stamp += 31 * DT + gap_s
    pulled = at(q - [back_m, 0.0, 0.0])
    assert watch.problem(pulled, stamp) == ""
    landing = _settle(watch, stamp, pulled)
    assert landing is not None and landing.moved_m == pytest.approx(0.15)


# --------------------------------------------------------------------------------- pins ---
def test_the_arm_moving_on_toward_a_glitch_pose_without_a_gap_is_no_new_world():
    # glitch 6 cm ahead of an arm at 0.1 m/s, its way back, the arm going on through the glitch's
    # pose at 100 Hz: never lone, never a jump, so the way back's excursion is never closed
    watch, stamp, p = _stream()
    ahead = p + [0.0, 0.06, 0.0]
    poses = [at(ahead)] + [at(p + [0.0, 0.1 * DT * k, 0.0]) for k in range(2, 80)]
    problems = _then(watch, stamp, poses)
    assert problems[0] and problems[1] and not any(problems[2:])
    assert _settle(watch, stamp + 79 * DT, at(p + [0.0, 0.1 * DT * 79, 0.0])) is None


def test_the_same_glitch_twice_each_with_its_way_back_is_no_new_world():
    # the second glitch lands back where the first one's way back left (net 10 cm again), but
    # its own way back restores the net before it
    watch, stamp = _glitch_back_rest(at(START[:3] + [0.10, 0.0, 0.0]))
    problems = _then(watch, stamp, [at(START[:3] + [0.10, 0.0, 0.0]), at(START[:3])])
    assert all(problems)
    assert _settle(watch, stamp + 2 * DT, at(START[:3])) is None


@pytest.mark.parametrize("aside_m", [0.0, 0.03])
def test_a_reset_near_a_glitch_pose_after_its_way_back_is_a_new_world(aside_m):
    # a glitch 10 cm along x, its way back, then a ~/reset to 12 cm along x (near the glitch)
    watch, stamp = _glitch_back_rest(at(START[:3] + [0.10, 0.0, 0.0]))
    reset = START[:3] + [0.12, aside_m, 0.0]
    assert watch.problem(at(reset), stamp + DT).startswith("jumps")
    landing = _settle(watch, stamp + DT, at(reset))
    assert landing is not None and landing.moved_m > 0.09


@pytest.mark.parametrize(("before", "after"), [(10, 10), (20, 20), (30, 10), (10, 30)])
def test_a_reset_inside_an_interleaved_burst_is_a_new_world(before, after):
    # another publisher's pose Q (15 cm up) alternates with the arm's P, the arm is reset to R
    # (12 cm along x) and Q alternates with R, then R alone: 20-40 jumps (past OPEN_JUMPS)
    watch, stamp, p = _stream(velocity=REST)
    q, r = p + [0.0, 0.0, 0.15], p + [0.12, 0.0, 0.0]
    poses = [at(q) if k % 2 == 0 else at(p) for k in range(before)] + \
            [at(q) if k % 2 == 0 else at(r) for k in range(after)]
    problems = _then(watch, stamp, poses)
    assert all(problems)
    landing = _settle(watch, stamp + len(poses) * DT, at(r))
    assert landing is not None and landing.moved_m == pytest.approx(0.12)


def test_a_long_interleaved_burst_ending_at_the_arm_is_no_new_world():
    watch, stamp, p = _stream(velocity=REST)
    q = p + [0.0, 0.0, 0.15]
    poses = [at(q) if k % 2 == 0 else at(p) for k in range(40)]
    assert all(_then(watch, stamp, poses))
    assert _settle(watch, stamp + 40 * DT, at(p)) is None


def test_a_reset_then_the_arm_pulled_back_without_a_gap_is_a_new_world():
    # breaker40g's case, continuous: the arm's own states are never lone, the reset stays
    watch, stamp, p = _stream(velocity=REST)
    q = p + [0.15, 0.0, 0.0]
    poses = [at(q)] * 31 + [at(q - [0.3 * DT * k, 0.0, 0.0]) for k in range(1, 31)]
    problems = _then(watch, stamp, poses)
    assert problems[0] and not any(problems[1:])
    landing = _settle(watch, stamp + len(poses) * DT, poses[-1])
    assert landing is not None and landing.moved_m == pytest.approx(0.15)


def test_a_hand_glitch_back_then_a_small_own_turn_after_a_gap_is_no_new_world():
    # the hand turns a third of the way toward the glitch: outside half the way back's turn
    xyz = START[:3]
    watch, stamp = _glitch_back_rest(_yaw(xyz, 0.9), _yaw(xyz, 0.0))
    stamp += 0.4
    assert watch.problem(_yaw(xyz, 0.3), stamp) == ""
    assert _settle(watch, stamp, _yaw(xyz, 0.3)) is None


def test_the_watch_under_test_is_this_checkouts():
    assert JumpWatch.OPEN_JUMPS == 16


@pytest.mark.parametrize("gap_s", [0.1, 0.3])
def test_the_same_glitch_again_lone_after_a_gap_is_no_new_world(gap_s):
    # glitch, way back, a gap, the same glitched pose (lone: it undoes the way back, net 10 cm),
    # then the arm: its jump back adds -10 cm (fd2fac94 made a false new world here)
    glitch = at(START[:3] + [0.10, 0.0, 0.0])
    watch, stamp = _glitch_back_rest(glitch)
    stamp += gap_s
    assert watch.problem(glitch, stamp) == ""
    assert watch.problem(at(START[:3]), stamp + DT).startswith("jumps")
    assert _settle(watch, stamp + DT, at(START[:3])) is None


@pytest.mark.parametrize("accel", [1.0, 3.0, 5.0])
def test_a_10_hz_arm_speeding_toward_a_glitch_pose_is_no_new_world(accel):
    # 10 Hz at rest, a glitch 40 cm along x and its way back, then the arm speeds up toward it
    # (``accel`` m/s², at most 0.6 m/s) to 30 cm: its steps never restore the glitch's net
    watch, stamp, p = _stream(velocity=REST, dt=0.1, count=10)
    problems = _then(watch, stamp, [at(p + [0.4, 0.0, 0.0]), at(p), at(p), at(p)], dt=0.1)
    assert problems[0] and problems[1] and not any(problems[2:])
    stamp, xyz, speed = stamp + 0.4, p.copy(), 0.0
    while xyz[0] - p[0] < 0.3:
        speed = min(speed + accel * 0.1, 0.6)
        xyz, stamp = xyz + [speed * 0.1, 0.0, 0.0], stamp + 0.1
        assert watch.problem(at(xyz), stamp) == ""
    assert not any(_then(watch, stamp, [at(xyz)] * 15, dt=0.1))
    assert watch.landed() is None
