"""breaker44z: attacks 42df202 (the hand's "hold here"; model.threads; BaseException).

Also with 4d33557/20d34fa in place.

Attacked: the scripted expert at 32x32, seeds 0-2 of grasp and pick-and-place with the cup and
the box: the same outcomes, frames and events at 42df202 and at 3627bf3 (the expert only sends
fully-closed/open goals, never a width within 0.1 mm of the measured one, and a re-sent 1.0
never lands on the cup's width). Defect found: a "hold here" command (the measured width) that
arrives in the last few milliseconds of a closing grasp, when the fingers already press on the
object but still decelerate faster than STILL_SPEED (2 mm/s), now replaces the 20 N grasp with
a move at the measured width: the grip falls to ~4 N and the box slips out on the lift.
"""
import numpy as np

from vjepa_ros.sim import expert as expert_module
from vjepa_ros.sim.manipulation import (
    manipulation_sim_config,
    record_expert_episode,
    setup_task,
)
from vjepa_ros.sim.sim import Sim


def test_a_hold_command_at_contact_keeps_the_grasp(monkeypatch):
    """A 'hold here' at the measured width while the closing fingers touch the box keeps it.

    A lab sees it when the planner's closedness (measured + a small delta) lands within 0.1 mm
    of the width in the last steps of a grasp: at 3627bf3 the grasp held (seed 1: grasped at the
    first try); at 42df202 the grasp becomes a move with the hand's move force, the grip is
    ~4 N and the box slips: 'missed grasp', re-grasp.
    """
    original = expert_module.Expert.gripper
    seen = {}

    def gripper(self, closedness, phase, frames):
        if phase != "close" or seen:
            return original(self, closedness, phase, frames)
        sim = self.sim
        sim.command_gripper((1.0 - closedness) * expert_module.FINGER_MAX_OPENING,
                            self.config.gripper_effort)
        for step in range(400):
            sim.step(1)
            speed = float(np.abs(sim.joint_velocities()[7:]).max())
            if step > 5 and 0.002 <= speed < 0.01:  # touching, still decelerating
                width = float(sim.finger_positions().sum())
                seen["goal"] = sim.command_gripper(width / 2, self.config.gripper_effort)
                break
        self.hold(frames, phase)

    monkeypatch.setattr(expert_module.Expert, "gripper", gripper)
    sim = Sim(manipulation_sim_config(1, "box", 32, 32))
    try:
        setup = setup_task(sim, 1, "grasp", subgoal_images=False)
        _, outcome = record_expert_episode(sim, setup)
    finally:
        sim.close()
    assert "goal" in seen
    assert seen["goal"].grasp and seen["goal"].max_effort == 20.0, seen["goal"]
    assert outcome.success and not any("missed" in what for _, what in outcome.events), \
        outcome.events
