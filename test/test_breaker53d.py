"""breaker53d: planning while the arm moves (async/continuous control), third round.

Attacked at 9434ff76 (this branch's base): ``robot/async_session.py`` (``_blending``,
``_take_prepared``, ``_start_missed``, ``_preparation_job``), ``robot/predicted_start.py``
(``blend_ready``), ``robot/command_session.py`` (``_hand_changes``, ``_command``),
``robot/planning_session.py`` (``_job_void``) and docs/async_control.md's claims, after
breaker51c, breaker51k (fixed by fix51c, fix51m) and breaker52g (not repeated: the rotation
blend, the measured hand, older frames, the camera check's search). ROS-free, CPU: breaker51c's
rig (hand-driven clock, tiny world model, scripted planner, an arm following the set-point
with a first-order lag), with a planner whose latency the test sets: while it "thinks" the rig's
stream ticks, states and 10 Hz camera go on (``LatePlanner``), and hooks run mid-plan.

The model of a correct async MPC checked against it: a plan made from a start S (measured, or
predicted: the end of the running step) is applied with the arm at S within the start check's
tolerances (``control.async_tolerance_m``/``_rad``), and its gripper change is applied where it
was planned (at S, as blocking does, not on the way there); a plan made before a goal change,
disable or stop is never applied; no plan's frame is older than ``safety.max_plan_age_s``.

Defects (strict xfails until fix53d, which fixed all four: a prepared plan that changes the
hand under any ``goals.gripper`` but hold waits for arrival; ``blend_ready`` bounds the arm's
distance to the start by ``async_tolerance_m``; the doc names ``safety.BRAKING_MARGIN``; a
preparation per command and goal):
1. A prepared plan whose first action changes the hand under ``goals.gripper`` planned (the
   default) is blended in: a plan made at T_1 (the end of a 3 cm step) that closes the hand
   goes out with the set-point and the arm 9.7 mm short of T_1 and still moving, so the close
   starts 1 cm before the grasp pose it was planned at (``control.async_blend_m`` 0: at T_1,
   at rest). ``async_session._blending`` asks ``command_session._hand_changes``, which is true
   only under ``goals.gripper`` subgoal: breaker43o's rule (a hand change goes out on arrival)
   was made for sub-goal closedness only.
2. The blend's position rule bounds the set-point's distance to T_k (1 cm) and the arm's to the
   set-point (2 cm) but not the arm's to T_k: an arm trailing the set-point (lag 0.06 a tick)
   gets every prepared plan out 24-25 mm from the predicted start it was planned from, while
   the start check on arrival discards beyond ``control.async_tolerance_m`` 20 mm
   (``predicted_start.blend_ready``; its rotation rule, since fix51c, bounds the rotation still
   to go, the position rule has no counterpart).
3. docs/async_control.md names ``targets.BRAKING_MARGIN``; it is ``safety.BRAKING_MARGIN``
   (``targets`` has no such name). A stale reference, low severity.
4. A goal changed mid-step (``set_goals`` while a step runs, its prepared plan dropped as
   documented) gets no preparation toward the new goal: ``_preparation_job`` prepares once per
   command (``_prepared_for``), so the next command is planned after arrival + ``settle_s`` from
   a measured start, blocking's stop, where README's async plans step k+1 while k runs. Low
   severity (time, not safety).

Held up (pins): with a planner of 0.5, 3 and 40 ticks (the last longer than a step's motion)
and one varying 0-40 ticks, every prepared plan goes out with the arm within the documented
tolerances of its start, none from a frame older than ``max_plan_age_s``; a goal change, and a
disable then enable, mid-preparation void it (never commanded) and the next command comes from
a plan begun after; a planner that raises mid-preparation holds the set-point (documented: "a
hold ... a planner error"), and commanding resumes after a one-off error. Explored, not kept:
latency 150 ticks (1.5 s, twice the step's motion: commanded on arrival, start gap 0); the wall
clock stepped back 2 s mid-preparation (void as "the set-point stopped (held)", commanding
resumes once the camera's stamps are current again); stepped forward 1 s (same); continuous
control's start gap grows with the latency (17.6 mm at 0.3 s, 20 mm at 1.5 s: documented, "one
planning latency old").

docs/async_control.md re-measured at 9434ff76 (``benchmarks/bench_reach.py --no-random``,
oracle, held-out goals 900000-900019, ``--threads 1``, this 2-core machine shared with other
helpers, fixed planning latency so the load does not change the results). 8-25 cm, 1 s plans:
blocking 20/20, 2.7 commands, 6.26 s, 56 % still, split 1.00/1.85/0.62/1.70/0.56 (doc 2.5, 6.23
s, 56 %, 1.00/1.71/0.52/1.55/0.53); continuous 20/20, 4.4, 5.69 s, 0.90x, 49 % (doc 4.2, 5.65
s, 0.92x, 51 %); async 20/20, 2.7, 3.73 s, 0.60x, 32 %, 1.00/1.83/0.57/0.11/0.00 (doc 2.6, 3.71
s, 0.61x, 35 %, .../0.17/0.00); async blend 0: 20/20, 2.7, 3.78 s, 0.61x, 32 % (doc 2.5, 3.77
s, 0.61x, 35 %). 0.3 s plans: blocking 20/20, 2.7, 4.25 s, 33 %, median final 3.0 cm (doc 2.5,
4.08 s, 34 %, 3.7 cm); async 20/20, 4.5, 2.73 s, 0.68x, 14 %, braking 0.26 s, median final 0.2
cm (doc 4.5, 2.76 s, 0.73x, 15 %, 0.30 s, 0.2 cm). 20-35 cm, 1 s plans: blocking 20/20, 4.1,
8.88 s, 56 % (doc 3.9, 8.45 s, 56 %); async 20/20, 4.1, 4.77 s, 0.56x, 25 %, split
1.00/2.66/0.87/0.34/0.00 (doc 3.9, 4.70 s, 0.57x, 26 %): the targets are met. No prepared plan
discarded in any run (as the doc says). The claims hold (success, async's ratio and still
share, blend 0 = blend at 1 s plans, the blend's final distance at 0.3 s plans); the tables are
a few per cent stale: blocking now takes 2.7 commands, not 2.5, and 0.1-0.17 s longer (more
"moving" and "braking"), so at 0.3 s plans async's ratio is 0.68x, not 0.73x, and 8-25 cm goals
at 1 s plans now meet the doc's <= 0.6x target it says they "narrowly" miss (0.60x; still 32 %,
above 30 %).
"""

from pathlib import Path

import numpy as np
import pytest
from script_rig import late_rig, sent_predicted
from test_robot_mpc import frame

from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.plan_report import PlanOutcome
from vjepa_ros.robot.targets import poses_apart


def test_a_prepared_hand_change_is_applied_at_the_pose_it_was_planned_at(model):
    """Send a prepared plan's gripper change where it was planned: at its start, not before.

    Input: async, the default blend (0.01 m) and ``goals.gripper`` planned (the default);
    step 1 is 3 cm along x; step 2, planned from the predicted start T_1 (its end), closes the
    hand (gripper +1) and lifts 3 cm. What happens: step 2 is blended in once the set-point is
    within 1 cm of T_1, its gripper command goes out with the set-point 9.7 mm short of T_1
    and the arm (moving at ~5 cm/s) 9.7 mm short too: the hand closes before the grasp pose
    the plan chose, and the set-point turns toward the lift without reaching T_1.
    With ``async_blend_m`` 0 the close goes out at T_1, at rest. What should happen: a
    prepared plan that changes the hand waits for arrival, as it does under ``goals.gripper``
    subgoal (breaker43o: "blended, the release opened the hand about 1 cm short of the place";
    ``async_session._blending`` asks ``_hand_changes``, true under subgoal only).
    """
    rig = late_rig(model, "async", [[0.03, 0, 0, 0, 0, 0, 0], [0, 0, 0.03, 0, 0, 0, 1.0],
                                    [0, 0, 0, 0, 0, 0, 0]])
    closes = []  # (set-point's distance to its target, arm's to the plan's start) [m]
    for _ in range(150):
        rig.tick()
        streamer = rig.session.streamer
        short = float(np.linalg.norm(streamer.setpoint[:3] - streamer.target[:3]))
        arm = rig.arm.copy()
        report = rig.session.plan_step()
        if report is not None and report.gripper_command == 1.0:
            closes.append((short, float(np.linalg.norm(arm[:3] - report.start[:3]))))
    assert closes, [r.reason for r in rig.reports]
    assert max(max(pair) for pair in closes) <= 1e-3, (
        f"the close went out with the set-point and the arm {np.round(closes, 4).tolist()} m "
        "short of the pose it was planned at")


def test_without_the_blend_the_hand_change_goes_out_at_its_start(model):
    """Pin: ``async_blend_m`` 0, same steps: the close goes out with the arm at T_1, at rest."""
    rig = late_rig(model, "async", [[0.03, 0, 0, 0, 0, 0, 0], [0, 0, 0.03, 0, 0, 0, 1.0],
                                    [0, 0, 0, 0, 0, 0, 0]], async_blend_m=0.0)
    rig.run(150)
    closes = [(arm, r) for arm, r in sent_predicted(rig) if r.gripper_command == 1.0]
    assert closes and all(poses_apart(arm, r.start)[0] <= 1e-3 for arm, r in closes)


def test_a_trailing_arm_is_not_blended_from_farther_than_arrival_allows(model):
    """Blend a prepared plan in only with the arm within ``async_tolerance_m`` of its start.

    Input: async, defaults (blend 0.01 m, tolerance 0.02 m); steps of 6 cm along x; an arm
    that moves 0.06 of the way to the set-point each 10 ms tick (a soft impedance controller
    trailing ~15 mm at 0.1 m/s). What happens: ``blend_ready`` sees the set-point within 1 cm
    of T_k and the arm within 2 cm of the set-point, and every prepared plan goes out with the
    arm 24-25 mm from the predicted start T_k it was planned from; on arrival the same plan
    would be discarded ("arrived 24.4 mm ... from the predicted start (tolerance 20.0 mm"). Its
    rotation rule bounds the rotation still to go (fix51c); the position has no such bound.
    What should happen: as for the rotation, the arm within ``control.async_tolerance_m`` of
    the predicted start (else the decision waits for arrival and its start check).
    """
    rig = late_rig(model, "async", [[0.06, 0, 0, 0, 0, 0, 0]], lag=0.06)
    rig.run(250)
    gaps = [poses_apart(arm, r.start)[0] for arm, r in sent_predicted(rig)]
    tolerance = rig.session.control.async_tolerance_m
    assert gaps, [r.reason for r in rig.reports]
    assert max(gaps) <= tolerance + 1e-9, (
        f"prepared plans went out {np.round(np.array(gaps) * 1000, 1).tolist()} mm from their "
        f"predicted starts (tolerance {tolerance * 1000:.0f} mm)")


@pytest.mark.parametrize("latency", [0.5, 3, 40, [0, 40, 0.5, 7, 25]])
def test_every_prepared_plan_goes_out_near_its_start_whatever_the_latency(model,
                                                                           latency):
    """Pin: planners of half a tick, 3 ticks, 40 (longer than a 2 cm step's motion), varying.

    Every prepared plan goes out with the arm (following exactly) within the blend radius of
    its start, its frame younger than ``safety.max_plan_age_s``, and the arm keeps going.
    """
    rig = late_rig(model, "async", [[0.02, 0, 0, 0, 0, 0, 0]], latency=latency)
    rig.run(8 if latency == 40 else 100 if isinstance(latency, list) else 60)
    control, limits = rig.session.control, rig.session.limits
    predicted = sent_predicted(rig)
    assert len(predicted) >= 2, [r.reason for r in rig.reports]
    for arm, report in predicted:
        gap, turn = poses_apart(arm, report.start)
        assert gap <= control.async_blend_m + 1e-6 and turn <= control.async_tolerance_rad
        assert report.frame_age_s <= limits.max_plan_age_s


def mid_preparation(model, hook):
    """Run ``hook(rig)`` while the first preparation is computed; return the rig after 80 ticks."""
    def late(rig):
        for _ in range(5):
            rig.tick()
        hook(rig)
    rig = late_rig(model, "async", [[0.03, 0, 0, 0, 0, 0, 0]], hooks={1: late})
    rig.run(80)
    return rig


def new_goal(rig):
    rig.session.set_goals([SubGoal(frame(8), 0, "other")])


def disable_enable(rig):
    rig.session.set_enabled(False)
    rig.tick()
    rig.session.set_enabled(True)


@pytest.mark.parametrize("hook, why, prepared", [
    (new_goal, "goal changed while planning", True),
    (disable_enable, "enabled while planning", False)])
def test_a_preparation_voided_mid_plan_is_never_commanded(model, hook, why,
                                                           prepared):
    """Pin: a goal change or a disable + enable mid-preparation voids it; planning goes on.

    After a goal change (the step runs on) the next command is the new goal's, prepared from
    the same predicted start (fix53d: a preparation per goal); after a disable + enable (a
    stop) it comes from a measured start.
    """
    rig = mid_preparation(model, hook)
    void = rig.reports[1]
    assert void.outcome is PlanOutcome.DISCARDED and why in void.reason, void.reason
    assert void.command is None and len(rig.sent) >= 2
    after = rig.sent[1][1]
    assert after.predicted_start is prepared and after.goal_version == rig.session.goal_version
    assert after.goal_version != void.goal_version or not prepared


def test_a_planner_error_mid_preparation_holds_the_set_point(model):
    """Pin (documented, "a hold ... a planner error"): the running step stops, nothing more."""
    def boom(rig):
        raise RuntimeError("boom")
    rig = mid_preparation(model, boom)
    refused = rig.reports[1]
    assert refused.outcome is PlanOutcome.REFUSED and "boom" in refused.reason
    assert refused.phase is Phase.HOLDING and refused.command is None, refused.phase
    assert len(rig.sent) >= 3  # a one-off error: commanding resumes (the next from a fresh frame)


def test_the_doc_names_the_braking_margin_where_it_is():
    """Name the braking margin in docs/async_control.md where the code defines it.

    Input: docs/async_control.md, Blending: "the set-point plans its braking at 0.8 of the
    limit, ``targets.BRAKING_MARGIN``". What happens: ``vjepa_ros.robot.targets`` has no
    ``BRAKING_MARGIN``; it is ``safety.BRAKING_MARGIN`` (0.2, used by ``face_braking`` and
    ``camera_check_limits``). What should happen: the doc names ``safety.BRAKING_MARGIN``.
    """
    from vjepa_ros.robot import targets
    doc = (Path(__file__).resolve().parents[1] / "docs" / "async_control.md").read_text()
    named = "targets.BRAKING_MARGIN" in doc
    assert not named or hasattr(targets, "BRAKING_MARGIN")


def test_a_goal_changed_mid_step_is_prepared_for_while_the_step_runs(model):
    """Prepare the new goal's next step from the running step's predicted end.

    Input: async (blend 0), a 3 cm step commanded; 0.1 s into it (the plan from its predicted
    end already prepared) ``set_goals`` gives a new goal. What happens: the prepared plan is
    dropped ("new goal: prepared plan dropped", as documented) and nothing is prepared toward
    the new goal (``_preparation_job`` runs once per command: ``_prepared_for ==
    commands_sent``), so the first command toward it is planned after the arrival, on a frame
    stamped ``settle_s`` later, from a measured start: blocking's stop, settle and plan.
    What should happen (README "async": "while the arm executes step k, plan step k+1 from the
    predicted end of step k"): the new goal's step k+1 is prepared from the same predicted
    start while step k runs and goes out on arrival. Low severity: time, not safety.
    """
    rig = late_rig(model, "async", [[0.03, 0, 0, 0, 0, 0, 0]], async_blend_m=0.0)
    rig.run(10)
    assert rig.session._prepared is not None
    rig.session.set_goals([SubGoal(frame(8), 0, "other")])
    rig.run(90)
    after = [report for _, report in rig.sent[1:]]
    assert after and after[0].predicted_start, [r.reason for r in rig.reports]
