"""ROS-free planner stand-ins that plan fixed actions, for the session and eval tests.

:class:`FixedPlanner` (breaker45g): an ``MPCSession`` planner whose every plan is one given
action. :class:`_AlwaysPlans` (breaker52b): eval's planner (patched in for
``evaluate.build_planner``'s) planning +5 mm along x at every step of its horizon. Kept apart from
``planner_harness`` (which skips without rclpy) so the ROS-free tests that use them run anywhere.
"""

import torch

from vjepa_ros.planning.search_log import PlanResult


class FixedPlanner:
    """A planner that always returns ``action`` [7] (in the frame it plans in)."""

    def __init__(self, action):
        self.action = torch.tensor(action, dtype=torch.float32)

    def reset(self):
        pass

    def plan(self, context_reps, context_state, goal_reps, token_weights=None,
             should_stop=None, **context):
        return PlanResult(first_action=self.action.clone(), actions=self.action[None].clone(),
                          elite_energies=torch.zeros(1), best_energies=torch.zeros(1),
                          mean=self.action[None].clone(), std=torch.zeros(1, 7),
                          iterations_run=1, stopped_early=False)


class _AlwaysPlans:
    """A planner that plans +5 mm along x at every step of its horizon."""

    def __init__(self, horizon):
        self.actions = torch.zeros(horizon, 7)
        self.actions[:, 0] = 0.005

    def reset(self):
        pass

    def plan(self, context, state, goal):
        from types import SimpleNamespace

        return SimpleNamespace(first_action=self.actions[0].clone(), actions=self.actions.clone(),
                               elite_energies=torch.zeros(1), timings={"total": 0.25})
