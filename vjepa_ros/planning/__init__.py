"""Planning toward an image goal with the V-JEPA 2-AC world model (pure PyTorch, no ROS).

Pose algebra, cached world-model rollout, energies and the planners (the published CEM, iCEM,
MPPI; ``CEMConfig.method`` picks one; ``CEMConfig.refine`` adds gradient steps on the plan)::

    from vjepa_ros.planning import make_planner, preset
    planner = make_planner(world_model, preset("paper"), seed=0)  # preset("paper", method="icem")
    result = planner.plan(context_reps, context_state, goal_reps)  # result.first_action [7]
"""

from vjepa_ros.planning.cancel import PlanCancelled
from vjepa_ros.planning.cem import CEMPlanner, PlanResult, plan
from vjepa_ros.planning.config import PRESETS, CEMConfig, preset
from vjepa_ros.planning.energy import energy
from vjepa_ros.planning.icem import ICEMPlanner
from vjepa_ros.planning.methods import METHODS, ICEMSettings, MPPISettings, RefineSettings
from vjepa_ros.planning.mppi import MPPIPlanner
from vjepa_ros.planning.planners import make_planner
from vjepa_ros.planning.pose import apply_action, state_difference
from vjepa_ros.planning.rollout import ImaginedRollout

__all__ = [
    "CEMConfig",
    "CEMPlanner",
    "ICEMPlanner",
    "ICEMSettings",
    "METHODS",
    "MPPIPlanner",
    "MPPISettings",
    "ImaginedRollout",
    "PRESETS",
    "PlanCancelled",
    "PlanResult",
    "RefineSettings",
    "apply_action",
    "energy",
    "make_planner",
    "plan",
    "preset",
    "state_difference",
]
