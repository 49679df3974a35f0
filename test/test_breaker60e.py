"""breaker60e: the simulator (``vjepa_ros/sim``, ``sim_node``), ``vjepa-ros record`` and ``collect``.

Attacked at a287ee15 (branch breaker60e = main): are the recorded bags and episodes true to what
the simulator did, and does ``sim_node`` hold at its edges? Each defect is a strict xfail.

Defects (ranked: silent wrong data first):

1. ``sim_node`` with ``real_time_factor`` other than 1 (and not 0) on wall-clock stamps
   (``publish_clock`` false, config/sim.yaml's default) stamps each tick with the wall time it
   stands for, ``tick / real_time_factor`` apart: at 0.5 every joint_states / current_pose /
   image is stamped twice as far apart as the motion it carries, so the arm reads half as fast
   from the stamps and the 10 Hz camera reads 5 Hz (a bag recorded of it trains a model on
   motions per step that are half the stamps' 4 Hz). ``real_time_factor`` 0 is refused on wall
   clock for exactly this reason (fix51e: "the arm reads faster or slower than it moves"), and the
   node's own slow-pace warning advises "ask for a lower real_time_factor" without simulated time.

Held up (checked, no test): ``record`` bags read back by ``recordings.bags.read_recording`` give
the episode's states to 2e-16 (pose topic) and 1e-7 (``/joint_states`` through the package's
forward kinematics), the frames bit-exact, stamps 0.25 s apart as simulated, gripper closedness
equal; ``collect`` is reproducible (seed 1 after seed 0 in one Sim equals seed 1 alone, states
and frames); camera_info's K agrees with where pybullet renders a sphere (within 0.4 px); the
CLI's edge options of ``collect`` are refused in one line each.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
pytest.importorskip("pybullet", reason="the simulator needs pybullet")


def _node(context, **params):
    from rclpy.parameter import Parameter

    from vjepa_ros.nodes.sim_node import SimNode

    params = {"camera.width": 32, "camera.height": 32, **params}
    return SimNode(context=context, parameter_overrides=[
        Parameter(name, value=value) for name, value in params.items()])


def _recorded(publisher) -> list:
    """Record what ``publisher`` publishes from now on (it still publishes)."""
    messages, publish = [], publisher.publish

    def record(msg):
        messages.append(msg)
        publish(msg)

    publisher.publish = record
    return messages


def _seconds(stamp) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


@pytest.mark.xfail(strict=True, reason="breaker60e #1: real_time_factor != 1 on wall-clock "
                   "stamps stamps the motion 1/real_time_factor too far apart")
@pytest.mark.parametrize("factor", [0.5, 2.0])
def test_a_real_time_factor_on_wall_clock_stamps_is_refused_or_stamped_in_sim_time(context,
                                                                                   factor):
    """``real_time_factor`` 0.5 (or 2) without ``publish_clock``: refused, or stamps a tick apart.

    What the user does: starts ``sim_node -p real_time_factor:=0.5`` (as its own slow-pace
    warning advises on a busy CPU: "ask for a lower real_time_factor"), ``publish_clock`` left
    false, and records ``joint_states``, ``current_pose`` and the camera with ``ros2 bag record``
    (or runs a planner on the wall clock). What happens: each tick (1/60 s of simulated motion)
    is stamped with the wall time it stands for, 1/30 s apart at 0.5 (1/120 s at 2): the arm
    reads half (twice) as fast as it moves and the 10 Hz camera reads 5 Hz (20 Hz) by its
    stamps; a model trained on the bag at 4 Hz learns steps of half the motion. What should
    happen: as for ``real_time_factor`` 0 (fix51e), refused at start-up naming
    ``publish_clock``, or the messages stamped with simulated time (a tick apart).
    """
    try:
        node = _node(context, real_time_factor=factor, publish_clock=False)
    except ValueError as exc:  # refused at start-up: fixed
        assert "publish_clock" in str(exc)
        return
    try:
        joints = _recorded(node.joint_pub)
        tick = node.runner.tick_seconds
        grid = node.grid  # the timer's call comes 6 ticks' wall time late: 6 ticks run at once
        grid.anchor(grid.sim_start, time.monotonic() - (node.runner.sim.time - grid.sim_start)
                    / factor - 6 * grid.period)
        start = node.runner.sim.time
        node._advance()
        assert len(joints) == 6
        simulated = node.runner.sim.time - start
        stamped = _seconds(joints[-1].header.stamp) - _seconds(joints[0].header.stamp)
        assert stamped == pytest.approx(simulated - tick, rel=0.05), (stamped, simulated - tick)
    finally:
        node.destroy_node()
