"""review57r: findings on today's merged changes that a test can hold (strict xfails).

1. A shutdown that already settled (Ctrl-C through ``node_runner.run_node``, ``NodeSpinner`` /
   ``Launch.shutdown``) and gave up on a gripper goal whose acceptance never came (a stuck
   gripper driver) is followed by the planner's ``destroy_node``, whose ``settle_commands``
   waits ``SETTLE_S`` again with no executor spinning, then warns "shut the node down with
   Ctrl-C or Launch.shutdown, before rclpy.shutdown, to cancel it": the user did just that.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from vjepa_ros.nodes.planner_commanding import PlannerCommanding
from vjepa_ros.nodes.spinning import settle

SERVER = "/fr3_gripper/gripper_action"


class _Said:
    """A logger that keeps the warning lines."""

    def __init__(self):
        self.warnings: list[str] = []

    def warning(self, line):
        self.warnings.append(line)

    def info(self, line):
        pass

    debug = error = info


class _StuckGoal(PlannerCommanding):
    """A planner whose canceled gripper goal's acceptance never arrives; counts the polls."""

    def __init__(self):
        self.said = _Said()
        self.polls = 0
        self.gripper_action = SimpleNamespace(name=SERVER, cancel_pending=self._pending)

    def _pending(self) -> bool:
        self.polls += 1
        return True  # the driver never answers

    def get_logger(self):
        return self.said


@pytest.mark.xfail(strict=True, reason="review57r 1: destroy_node's settle_commands waits "
                   "again after the spinner's settle gave up, and advises the Ctrl-C / "
                   "Launch.shutdown the user just used")
def test_destroy_after_a_settle_that_gave_up_neither_waits_again_nor_advises_ctrl_c():
    node = _StuckGoal()
    # run_node's Ctrl-C path (and NodeSpinner.shutdown's): spin on until settled or the bound
    assert settle([node], lambda: None, bound_s=0.0) is False
    before = node.polls
    node.settle_commands()  # destroy_node's _end_work, with no executor spinning any more
    advice = [line for line in node.said.warnings if "Ctrl-C or Launch.shutdown" in line]
    assert node.polls - before <= 1 and not advice, (
        f"{node.polls - before} more polls after the shutdown's settle gave up; said: "
        f"{node.said.warnings}")
