"""breaker43f: attack on fix43b; fixed in fix43f.

Fixed: the weakest direction of the fitted map (``camera_check_stats.weakest_direction``), lines
keyed apart, no restart after a disable.
Attack on fix43b (commits 13fd04c, 12e3b85, dbbbb5c; main at 7a59eb7).

Attacked: ``vjepa_ros/eval/camera_check_stats.py`` (``direction_lines``, ``direction_scale``,
``direction_words``), ``eval/camera_check_reasons.py`` (``move_reason``'s per-line floors),
``eval/camera_check.py`` (``check_motions``: the ``directions`` field) and
``robot/camera_check_session.py`` (``_end_camera_check``: the set-point restart at the measured
pose on a stopped check). Each strict xfail asserts what SHOULD happen.

1. The default live check (14 motions: corners on, diagonals off) still calls a model blind along
   (1, 0, -1) (a camera in front of the robot looking 45° down at it) "placement fine": no motion
   of the check moves along that line, the nearest corner lines are 35° off (length ratio ~0.6)
   and the x / z axes 45° off (~0.7). Blindness goes unseen once it is more than ~17° from a
   corner line (sin 17.5° = 0.3, the floor): (1, 0.5, -1), 15.8° off, infers 0.31 there, fine.
2. ``direction_lines`` keys lines by their words only: two distinct lines off the axes with the
   same words (e.g. (1, 1, -1) and (1, 0.45, -1), 17.6° apart, both "+x+y-z/-x-y+z") collide in
   the dict and the later one overwrites the earlier one's mask: a blind line is dropped, the
   verdict "placement fine", and ``directions`` loses it.
3. An offline bag of random directions (60 motions, 1-4 cm) and a model with no blind direction
   (per-motion 15° scatter, length ratios drawn i.i.d. from the documented az 34 row): a line of
   just two motions that happened to lie within 10° (each of which happened to infer short) says
   "move the camera" where the axes (~20 motions each) say fine; 5 of 40 seeds did.
4. A disable while the arm lags the check's set-point by more than 1 cm logs "the set-point
   restarts at the measured pose and holds there" though commanding is off and nothing is held.

Held up (not defects, do not repeat):
- Length ratios and explained shares per line are norms / scalars: a rotated camera does not
  lower them (no need to judge after the rotation correction).
- Blind along (1, 1, -1) with the default 14 motions: "move the camera" naming
  +x+y-z/-x-y+z, for lengths alone and for explained shares alone (breaker43b's test).
- The documented default placement's per-motion length ratios (0.77-1.56) resampled onto random
  offline bags: 0/40 false "move"; az 9 and az -36 rows: 0/40 (only az 34, whose two lowest
  motions infer 0.26 / 0.29, gives false lines).
- The live check's exact directions form only the 4 corner lines (6 more with diagonals), no
  collisions there; the stale-state branch skips the restart (``_states_failed`` checks age).
- The restart warning is one line; a check that completes does not go through the restart.
"""

import warnings

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_result import Verdict
from vjepa_ros.robot.camera_check_motions import CheckMotionConfig, motion_directions


def _unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def _check(executed, inferred, explained=None, live=True):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scipy's align_vectors on the mirror fit
        return check_motions(executed, inferred, explained=explained, live=live)


@pytest.mark.parametrize("optical_axis", [(1.0, 0.0, -1.0), (1.0, 0.5, -1.0)])
@pytest.mark.parametrize("use_explained", [False, True])
def test_the_default_check_sees_blindness_along_a_camera_in_front_looking_down(
        optical_axis, use_explained):
    """A camera on a tripod in front of the robot, looking 45° down at it (optical axis (1,0,-1)).

    The commonest lab placement besides the corner tripod; docs/camera_placement.md session 43
    names (1, 0, -1) as the case fixed, but only ``diagonals: true`` (not the default) has motions
    along it. With the default ``CheckMotionConfig()`` the model (inferred = executed without its
    component along the optical axis, 1 mm noise; explained share 0.9 x length ratio²) infers
    0.56-0.72 of every line's and axis's length: "placement fine", yet the planner cannot move
    the hand along (1, 0, -1) at all. Should say "move the camera".
    """
    config = CheckMotionConfig()
    _, directions = zip(*motion_directions(config.diagonals, config.corners), strict=True)
    executed = 0.04 * np.array(directions)
    axis = _unit(optical_axis)
    inferred = executed - np.outer(executed @ axis, axis)
    inferred += np.random.default_rng(1).normal(0, 0.001, executed.shape)
    ratio = np.linalg.norm(inferred, axis=1) / np.linalg.norm(executed, axis=1)
    result = _check(executed, inferred, 0.9 * ratio ** 2 if use_explained else None)
    assert result.verdict == Verdict.MOVE, result.explanation


def test_two_lines_with_the_same_words_are_both_judged():
    """An offline bag (teleop / scripted) that moved ±x, ±y, ±z and along two lines 17.6° apart.

    (1, 1, -1) and (1, 0.45, -1), each both ways, 3 cm: both are named "+x+y-z/-x-y+z". The model
    infers 5 % of the first line's length (blind there), all of the second's. ``direction_lines``
    returns one key, the second line's mask overwriting the first's: "placement fine" and
    ``directions`` holds one line with scale 1.0. Both lines should be judged (and kept apart in
    ``directions``), and the verdict say move the camera.
    """
    _, axes = zip(*motion_directions(False, False), strict=True)
    first, second = _unit((1, 1, -1)), _unit((1, 0.45, -1))
    executed = 0.03 * np.array([*axes, first, -first, second, -second])
    inferred = executed.copy()
    inferred[6:8] *= 0.05  # blind along the first line
    result = _check(executed, inferred, live=False)
    assert len(result.directions) == 2, result.directions
    scales = sorted(line["scale"] for line in result.directions.values())
    assert scales == pytest.approx([0.05, 1.0])  # each line its own, none overwritten
    # fix43f: no verdict asserted. Lengths are judged along every direction from the map fitted
    # over all motions (σ_min 0.66 here: a camera blind along (1,1,-1) would show only
    # sin 17.6° = 30% of (1,0.45,-1), so this model is no camera's); a two-motion line's own
    # length floor gave false "move the camera" on random bags (the next test) and was removed


def test_a_random_offline_bag_is_not_failed_by_a_two_motion_line():
    """An offline bag of random motions, a model with no blind direction, length noise only.

    60 random directions of 1-4 cm (a teleop or random-action recording); inferred = each motion
    turned by ~15° of scatter and scaled by a length ratio drawn i.i.d. from the documented
    az 34 row's 14 per-motion ratios (docs/camera_trial_rows.json, a learned model, "correct by
    rotation"). Nothing depends on direction, so no line can be blind; each axis pools ~20
    motions (0.58-0.80). But two motions that happened to lie within 10° of each other form a
    line, both happened to infer short, and the line's 28.7 % says "move the camera". A line's
    floor should need as much evidence as an axis's (or hold only for the live check's lines).
    """
    row_ratios = np.array([0.43, 0.77, 0.69, 0.26, 0.34, 1.54, 0.31, 0.7, 0.78, 0.29, 0.81,
                           1.51, 0.47, 1.08])
    rng = np.random.default_rng(3)
    count = 60
    directions = rng.normal(size=(count, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    executed = directions * rng.uniform(0.01, 0.04, (count, 1))
    scatter = Rotation.from_rotvec(rng.normal(0, np.radians(15) / np.sqrt(2), (count, 3)))
    inferred = scatter.apply(executed) * rng.choice(row_ratios, count)[:, None]
    result = _check(executed, inferred, live=False)
    assert min(result.axis_scale.values()) > 0.5  # every axis sees most of its length
    assert result.verdict != Verdict.MOVE, result.explanation


@pytest.mark.usefixtures("one_thread")
def test_a_disable_mid_check_does_not_claim_the_set_point_holds():
    """The operator disables because the arm stopped following (blocked, a controller paused).

    The check's +x set-point has gone out > 1 cm while the measured arm stayed at the start;
    ``~/enable false`` ends the check, and ``_end_camera_check`` restarts the set-point and logs
    "the set-point restarts at the measured pose and holds there" before commanding stops: a
    warning that says the node holds the arm when it no longer commands it. Nothing may be
    streamed after the disable (it is not), and no line should claim a hold.
    """
    from test_robot_camera_check_live import START, IdealArm

    arm = IdealArm()
    logged = []
    arm.session.log = lambda level, text: logged.append((level, text))
    arm.session.set_enabled(True)
    run = arm.session.start_camera_check(CheckMotionConfig(distance_m=0.04, corners=False))
    for _ in range(3000):
        arm.tick()
        arm.state = START.copy()  # the arm does not follow
        if max(np.linalg.norm(p[:3] - START[:3]) for p in arm.setpoints) > 0.02:
            break
    arm.session.set_enabled(False)
    count = len(arm.setpoints)
    for _ in range(20):
        arm.tick()
    assert "disabled" in run.error and len(arm.setpoints) == count  # nothing streamed
    holds = [text for level, text in logged if "holds there" in text]
    assert not holds, holds
