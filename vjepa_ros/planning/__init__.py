"""Planning toward an image goal with the V-JEPA 2-AC world model (pure PyTorch, no ROS).

Pose algebra, cached world-model rollout, energies and the planners (the published CEM, iCEM,
MPPI; ``CEMConfig.method`` picks one; ``CEMConfig.refine`` adds gradient steps on the plan)::

    from vjepa_ros.planning import make_planner, preset
    planner = make_planner(world_model, preset("paper"), seed=0)  # preset("paper", method="icem")
    result = planner.plan(context_reps, context_state, goal_reps)  # result.first_action [7]
"""

from vjepa_ros.lazy_exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "cancel": ("PlanCancelled",),
    "cem": ("CEMPlanner", "PlanResult", "plan"),
    "config": ("PRESETS", "CEMConfig", "preset"),
    "energy": ("NoFiniteEnergyError", "energy"),
    "icem": ("ICEMPlanner",),
    "method_reads": ("METHODS",),
    "methods": ("ICEMSettings", "MPPISettings", "RefineSettings"),
    "mppi": ("MPPIPlanner",),
    "planners": ("make_planner",),
    "pose": ("apply_action", "state_difference"),
    "rollout": ("ImaginedRollout",),
})
