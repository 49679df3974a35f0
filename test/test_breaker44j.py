"""breaker44j: attacks on fix44ac (commits fe83c2f and bd91e25).

Attacked: ``vjepa_ros/robot/goal_session.py`` (``GoalSession._captured_subgoal``: ``~/add_subgoal``
and ``~/capture_goal`` refuse while ``inputs.state_problem`` is set) and
``vjepa_ros/sim/manipulation.py`` (``collect_manipulation`` skips a seed without sub-goal images)
with ``scripts/collect_manipulation_episodes.sh`` (the rerun that keeps complete folders, which
``scripts/pack_manipulation_episodes.sh`` runs first). ROS-free, CPU, with the hand-driven clock
and tiny random world model of ``test_robot_goals``. Each test asserts what SHOULD happen (strict
xfail while the defect stands); its docstring says why a lab would meet it.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from collect_script_harness import calls, run_collect
from test_robot_goals import START, frame, make_session, observe, tiny_world_model

from vjepa_ros.robot.goals import GoalSwitchConfig


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def test_add_subgoal_refuses_while_the_joint_states_are_stale(model):
    """The joint states stopped 1 s ago; the camera still streams; a person calls ~/add_subgoal.

    A lab sees it when the Franka driver (joint_state_broadcaster) dies or is restarted, or its
    reflex stops the controller, while the camera node goes on. The planning loop refuses the
    state ("robot state is stale"), but the capture takes the frame with no state: the sub-goal
    gets no TCP, so ``goals.axes subgoal`` holds no axis and ``goals.gripper subgoal`` has no
    closedness, and the answer does not say so (only "sub-goal 1 added"). fix44ac's reason for
    refusing an invalid state (a sub-goal kept with no state, silently) applies word for word:
    it should be refused in one line naming the robot state.
    """
    session, clock, _ = make_session(model, switching=GoalSwitchConfig(axes="subgoal"))
    observe(session, clock, seed=0)
    for _ in range(20):  # 1 s of frames, no joint state
        clock.now += 0.05
        session.observe_image(frame(1), clock.now)
    assert "robot state is stale" in session.inputs.problem(clock.now, session.limits)
    with pytest.raises(RuntimeError, match=r"^~/add_subgoal refused: .*robot state"):
        session.add_subgoal()
    assert session.goals is None, "nothing appended without a robot state"


def test_capture_goal_refuses_joint_states_stamped_in_the_future(model):
    """The robot PC's clock runs 2 s ahead of the camera PC's (no chrony/PTP between them).

    A lab with the Franka's real-time PC publishing joint states stamped by its own clock sees
    it. The loop refuses every state ("robot state stamp lies 2.00 s in the future ... clock
    mismatch?"); the capture should refuse the same way (as it does a frame stamped in the
    future), not keep a goal with no state.
    """
    session, clock, _ = make_session(model, switching=GoalSwitchConfig(axes="subgoal"))
    for _ in range(5):
        clock.now += 0.05
        session.observe_image(frame(1), clock.now)
        session.observe_state(START, clock.now + 2.0)
    assert "in the future" in session.inputs.problem(clock.now, session.limits)
    with pytest.raises(RuntimeError, match=r"^~/capture_goal refused: .*robot state"):
        session.capture_goal()
    assert session.goals is None, "no goal without a robot state"


def _states(session, clock, case: str) -> None:
    """Frames every 50 ms for 1 s, with joint states as ``case`` says (none, on time, ...)."""
    for index in range(20):
        clock.now += 0.05
        session.observe_image(frame(1), clock.now)
        state = START.copy()
        if case == "invalid" and index == 19:
            state[2] = np.nan
        stamp = {"future": clock.now + 2.0}.get(case, clock.now)
        if case != "none" and not (case == "stale" and index > 0):
            session.observe_state(state, stamp)


@pytest.mark.parametrize("case", ["none", "stale", "future", "invalid", "fresh"])
def test_a_capture_refuses_exactly_the_robot_states_the_planning_loop_refuses(model, case):
    """The kind: each service refuses a robot state iff the loop refuses to plan from it.

    The loop's refusal (``_input_refusal``: none received yet, stale, stamped in the future,
    invalid) is the capture's, in one line naming the service, the loop's reason and the joint
    states' topic; nothing is appended. A fresh, valid state is captured with the goal.
    """
    session, clock, _ = make_session(model, switching=GoalSwitchConfig(axes="subgoal"))
    _states(session, clock, case)
    refusal = session._input_refusal(clock.now)
    for service, capture in (("~/add_subgoal", session.add_subgoal),
                             ("~/capture_goal", session.capture_goal)):
        if case == "fresh":
            assert refusal is None
            capture()
            assert session.goals.goals[-1].state is not None, "captured with its state"
            continue
        assert refusal is not None and "robot state" in refusal.detail, refusal
        with pytest.raises(RuntimeError) as refused:
            capture()
        line = str(refused.value)
        assert line.startswith(f"{service} refused: "), line
        assert "\n" not in line and "(joint_states)" in line, line
        if case != "none":  # none yet: "no robot state received yet" (the topic named once)
            assert refusal.detail in line, (refusal.detail, line)
        assert session.goals is None, "nothing captured"


# The stand-in collect of seeds 0-2 with seed 1 SKIPPED: the episodes of seeds 0 and 2
GAP = 'mkdir -p "$out"; touch "$out/grasp_cup_000000.npz" "$out/grasp_cup_000002.npz"\n'


def test_collect_script_rerun_keeps_a_finished_collection_with_a_skipped_seed(tmp_path):
    """A rerun of the script keeps a folder whose collection finished with one seed SKIPPED.

    Since bd91e25 ``vjepa-ros collect --episodes 3`` that skips a seed (its clean expert missed
    a sub-goal) ends with status 0 and 2 episodes: a complete collection. The script (and
    ``pack_manipulation_episodes.sh``, "a rerun keeps complete folders") counts ``*.npz``
    against the episodes asked, so it removes the folder and collects it again (minutes of
    CPU each, the same seed skipped again) on every rerun, forever. A lab that reruns the
    pack after a timeout or a failed pack step meets it. Here ``vjepa-ros`` is a stand-in that
    writes what such a collect writes (2 of 3 episodes, the skip line, status 0).
    """
    body = (GAP + 'echo "seed 1: SKIPPED, no episode written (the clean expert reached 0 of '
            'the 1 sub-goals of grasp (grasp))"\n'
            'echo "2 episodes: all successes; 1 seed SKIPPED (seed 1: ...)"\n')
    result = run_collect(tmp_path, body,
                         "collect grasp cup 3 0 train\ncollect grasp cup 3 0 train")
    assert result.returncode == 0, result.stderr
    assert len(calls(tmp_path)) == 1, (
        "the second run collected the finished folder again:\n" + result.stderr)
    assert "+ kept" in result.stderr, result.stderr


def _run_collect(tmp_path, status: int) -> subprocess.CompletedProcess:
    """Run ``collect grasp cup 3 0 train`` once with a stand-in ``vjepa-ros``.

    The stand-in writes the episodes of seeds 0 and 2 (seed 1 skipped) and ends with
    ``status`` (137: killed).
    """
    return run_collect(tmp_path, GAP + f"exit {status}\n")


def test_collect_script_rerun_collects_again_a_killed_or_thinned_collection(tmp_path):
    """What a finished collection is recognised by does not keep an unfinished one.

    A collect killed midway (here after 2 episodes, status 137) stops the script and leaves no
    record: the rerun collects the folder again. A finished one with a seed skipped is kept;
    once an episode is removed from it (the record names 2, the folder holds 1) it is
    collected again, as a folder short of the episodes asked always was.
    """
    killed = _run_collect(tmp_path, 137)
    assert killed.returncode != 0, "the script stops where collect was killed"
    folder = tmp_path / "work" / "train" / "grasp_cup"
    assert len(list(folder.glob("*.npz"))) == 2
    finished = _run_collect(tmp_path, 0)
    assert finished.returncode == 0 and len(calls(tmp_path)) == 2, finished.stderr
    assert "+ kept" not in finished.stderr, "the killed collection was kept"
    kept = _run_collect(tmp_path, 0)
    assert "+ kept" in kept.stderr and len(calls(tmp_path)) == 2, kept.stderr
    (folder / "grasp_cup_000002.npz").unlink()
    again = _run_collect(tmp_path, 0)
    assert again.returncode == 0 and len(calls(tmp_path)) == 3, again.stderr
    assert len(list(folder.glob("*.npz"))) == 2
