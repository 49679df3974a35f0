"""Pick-and-place succeeds only after a grasp, in every place that computes the outcome.

breaker42e: a cup pushed along the table onto the place spot (never lifted, the grasp detector
never held) counted as picked and placed. ``task_outcome`` now needs the grasp detector to have
held during the episode (``SuccessMonitor.grasped_seen`` of the monitor that watched it): the
loop's ``done``, ``vjepa-ros run``'s row, the benchmark and the expert's collection all use it.
"""

import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet (pip install pybullet)")

from vjepa_ros.sim import Sim  # noqa: E402
from vjepa_ros.sim.detectors import SuccessMonitor  # noqa: E402
from vjepa_ros.sim.manipulation import (  # noqa: E402
    manipulation_sim_config,
    record_expert_episode,
    setup_task,
    task_outcome,
)
from vjepa_ros.sim.manipulation_loop import TaskLoopConfig  # noqa: E402
from vjepa_ros.sim.oracle import OracleWorldModel  # noqa: E402
from vjepa_ros.sim.reach_config import load_reach_config  # noqa: E402
from vjepa_ros.sim.task_run import run_task  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")


def _put_on_spot(sim: Sim, spot) -> None:
    """Move the cup, upright, onto ``spot`` without the hand (as a push would leave it)."""
    p, client, body = sim._p, sim.client, sim.handles.graspable
    rest = SuccessMonitor(sim).rest_height
    p.resetBasePositionAndOrientation(body, [*spot, rest + 5e-4], [0, 0, 0, 1],
                                      physicsClientId=client)
    p.resetBaseVelocity(body, [0, 0, 0], [0, 0, 0], physicsClientId=client)
    sim.step(120)  # it settles


def test_the_loop_does_not_count_a_cup_that_was_never_grasped():
    """The cup stands on the spot from the start: the loop's done and row say failure.

    Before the fix the loop's ``done`` held at the first finished move (placed) and the row
    said success with ``grasped_during`` false.
    """
    cem = load_reach_config().planner.to_cem()
    with Sim(manipulation_sim_config(900000, "cup", 32, 32)) as sim:
        oracle = OracleWorldModel().attach(sim)
        setup = setup_task(sim, 900000, "pick-and-place")
        _put_on_spot(sim, setup.place_xy)
        assert SuccessMonitor(sim).placed(setup.place_xy)  # placed, never held
        run = run_task(sim, oracle, setup, cem, "cup", TaskLoopConfig(step_limit=2),
                       random_actions=True, seed=1)
        row = run.row()
    assert run.outcome.placed and not run.grasped_during
    assert not run.outcome.success and not run.episode.success
    assert row["success"] is False and row["grasped_during"] is False and row["placed"] is True
    assert row["steps"] == 2  # the episode ran on: no success ended it


def test_a_monitor_remembers_the_grasp_the_expert_made():
    """The expert's pick-and-place (grasp, then place) still succeeds; its metadata says so."""
    from vjepa_ros.sim.expert import ExpertConfig

    with Sim(manipulation_sim_config(2, "cup", 32, 32)) as sim:
        setup = setup_task(sim, 2, "pick-and-place", expert=ExpertConfig().clean(),
                           subgoal_images=False)
        episode, outcome = record_expert_episode(sim, setup)
        assert outcome.success and outcome.placed and outcome.grasped_during
        assert episode.metadata["grasped_during"] is True
        # the same scene judged by a monitor that did not watch the grasp: not a success
        assert not task_outcome(sim, setup).success
        watched = SuccessMonitor(sim)
        assert not watched.grasped_seen and not task_outcome(sim, setup, monitor=watched).success
        watched.carried_xy = sim.object_reading().position[:2] + [0.0, 0.031]
        assert not task_outcome(sim, setup, monitor=watched).success  # 3.1 cm away: pushed
        watched.carried_xy = sim.object_reading().position[:2] + [0.0, 0.029]
        assert task_outcome(sim, setup, monitor=watched).success  # put down from the hand
