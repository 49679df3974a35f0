"""breaker44i: can ``vjepa-ros eval`` report a number that is not true (at e90af53).

Attacked: vjepa_ros/eval/metrics.py (sign agreement, cosine, magnitude error, percentiles,
summarize_actions / summarize_energies), evaluate.py (executed_actions, build_report),
step_notes.py (the motion note), report.py (summary_lines vs report.json) and
recordings/resample.py as eval uses it (which executed motion is paired with which frame), with
synthetic states whose true per-step motion is known. Defects are strict xfails asserting what
should happen.
"""

from __future__ import annotations

import numpy as np
import pytest

from vjepa_ros.eval import metrics
from vjepa_ros.eval.evaluate import executed_period_actions
from vjepa_ros.eval.step_notes import motion_note
from vjepa_ros.recordings.resample import resample


def _constant_velocity(velocity_xyz, camera_hz: float, seconds: float = 5.0):
    """Return frame times at ``camera_hz``, 100 Hz state times, states moving at a velocity."""
    image_times = np.round(np.arange(0, seconds, 1 / camera_hz) * 1e9).astype(np.int64)
    state_times = np.round(np.arange(0, seconds + 1e-3, 0.01) * 1e9).astype(np.int64)
    states = np.zeros((len(state_times), 7))
    states[:, :3] = np.array([0.4, 0.0, 0.3]) + np.outer(state_times / 1e9, velocity_xyz)
    states[:, 3] = 3.0  # roll near pi, as a Franka's TCP pointing down
    return image_times, state_times, states


def test_executed_action_is_one_step_of_motion_whatever_the_camera_rate():
    """A 6 fps camera at --rate 4 halves and doubles the executed action.

    A RealSense run at 6 fps (a valid D4xx rate, chosen to save USB bandwidth) evaluated at
    the default --rate 4: every grid step gets its nearest frame within half a step, so the steps
    are all valid and no note is given, but the frames sit 0 or 83 ms after their grid times,
    alternately. The executed action is the state at frame k+1 minus the state at frame k, so it
    covers 0.333 s or 0.167 s of motion, not the model's 0.25 s step. An arm moving at a constant
    40 mm/s made 10 mm every step; an oracle planner that plans exactly 10 mm would be given a
    3.3 mm mean magnitude error (and the executed sequence's energy is of a motion nobody made).
    What should happen: the executed action is the motion over one step period after the frame
    planned on (or such steps are noted / refused).
    """
    image_times, state_times, states = _constant_velocity([0.04, 0.0, 0.0], camera_hz=6.0)
    steps = resample(image_times, state_times, states, 4.0)
    assert steps.valid[:12].all()  # nothing dropped, nothing noted
    # the motion the first action is compared with (fix44m: the report's
    # executed_period_action; its executed_action is frame to frame again, for the energy)
    executed = executed_period_actions(steps, range(10))
    np.testing.assert_allclose(executed[:, 0], 0.01, rtol=0.05)
    planned = np.tile([0.01, 0.0, 0.0, 0, 0, 0, 0], (10, 1))  # the oracle's plan
    summary = metrics.summarize_actions(planned, executed)
    assert summary["magnitude_error_m_mean"] < 0.0005


def test_motion_note_agrees_with_the_steps_the_cosine_scores():
    """The motion note says steps are left out of the cosine that it scores.

    A slow diagonal approach (6 mm/s along x and y, e.g. a careful reach toward a cup) at
    --rate 4 moves 1.5 mm along x and along y each step: 2.12 mm in all, above the 2 mm
    min_motion. The note printed before the model loads says '10 of 10 evaluated steps moved less
    than 2 mm along every axis: they count in the energies, not in the sign agreement or
    cosine', while report.json scores the cosine on all 10 (cosine_xyz_steps 10). What should
    happen: the note's count of steps left out of the cosine is the steps the cosine leaves out
    (those whose Δxyz is shorter than min_motion: here none, so no such claim).
    """
    image_times, state_times, states = _constant_velocity([0.006, 0.006, 0.0], camera_hz=4.0)
    steps = resample(image_times, state_times, states, 4.0)
    chosen = list(range(10))
    executed = executed_period_actions(steps, chosen)  # what the cosine scores (fix44m)
    scored = metrics.summarize_actions(executed, executed, 0.002)["cosine_xyz_steps"]
    assert scored == 10
    note = motion_note(steps, chosen, 0.002)
    assert "not in the sign agreement or cosine" not in note, note


def test_magnitude_error_is_scored_on_the_steps_that_moved():
    """The magnitude error counts the still steps that the cosine leaves out.

    A blocking-mode run stands still while it plans: at 4 Hz nine steps in ten have no
    executed motion (README's 'A still arm'). The planner proposes its 30 mm move at every step;
    on the one step that moved, the arm made exactly that move. README: 'Only steps that moved
    score'; the note: still steps 'count in the energies, not in the sign agreement or cosine'.
    The printed '|dxyz| error 27.0 mm mean' is then the still steps' planned length, reported as
    the planner's error beside a cosine of 1.000 on 1 step. What should happen: the magnitude
    error is taken over the steps the cosine scores (Δxyz at least min_motion), here 0 mm.
    """
    planned = np.tile([0.03, 0.0, 0.0, 0, 0, 0, 0], (10, 1))
    executed = np.zeros((10, 7))
    executed[0, 0] = 0.03  # the one step that moved made the planned move
    summary = metrics.summarize_actions(planned, executed, 0.002)
    assert summary["cosine_xyz_steps"] == 1 and summary["cosine_xyz_mean"] == 1.0
    assert summary["magnitude_error_m_mean"] == pytest.approx(0.0, abs=1e-9)


def test_min_motion_zero_scores_no_axis_that_did_not_move():
    """--min-motion 0 scores axes and steps with no executed motion.

    A user gives --min-motion 0 to score every step. A state stream that holds a value (a pose
    topic republishing the last pose, an arm at rest between moves) gives executed Δ of exactly 0
    on an axis or on all three. A Δ of 0 has no sign and no direction: it says nothing of the
    planner. Now: x moved +10 mm and the planner planned +10 mm x, +5 mm y, 0 z; the executed y
    and z are 0: y is counted as a disagreement and z as an agreement (sign 0 == sign 0), so the
    y, z 'agreement' is 0 and 1 on one step each. A step where neither moved gets cosine 0 and
    counts in cosine_xyz_steps. What should happen: an axis whose executed Δ is 0 is never
    scored (counts [1, 0, 0]), nor is a step with no executed Δxyz in the cosine.
    """
    planned = np.array([[0.01, 0.005, 0.0], [0.0, 0.0, 0.0]])
    executed = np.array([[0.01, 0.0, 0.0], [0.0, 0.0, 0.0]])
    fractions, counted = metrics.sign_agreement(planned, executed, min_motion=0.0)
    assert counted.tolist() == [1, 0, 0]
    cosine = metrics.cosine_similarity(planned, executed, min_motion=0.0)
    assert np.isnan(cosine[1])
