"""What ``vjepa-ros run`` prints before its episodes: the planner line and the setup notes.

:func:`planner_text` (the header's planner settings), :func:`setup_note` (a sub-goal and gripper
setup measured to fail, with the measured one), :func:`image_size_note` (camera frames not at the
world model's size; also the reach demo's and the benchmarks'), and the measured numbers the notes
quote (docs/manipulation.md, README "Manipulation").
"""

from __future__ import annotations

from vjepa_ros.image_notes import SizeNotes, camera_size_note

# setup_note: the search the manipulation numbers were measured with (an object's held
# closedness: objects.ObjectSpec.held_closedness; docs/manipulation.md, Limits)
MEASURED_SEARCH = " (measured with --refine-steps 5)"  # --method icem was given, but the loop
# ran the published CEM whatever the method then (sim/reach.py), so CEM is what was measured
# The packaged model's cup successes with dense sub-goals and the gripper from them (README,
# Manipulation): every axis searched, then --subgoal-axes subgoal (the box: 12/20 and 11/20).
# Not re-run (20 seeds, minutes each): bench_manipulation.py --checkpoint demo --agents --dense
# --subgoal-gripper subgoal --refine-steps 5 --seeds 20 (docs/manipulation.md: the packaged row,
# then session 35 [--subgoal-axes subgoal]), which planned seed s with noise seed s: run's rule
# too since f6b0abdb (run_loop.planner_seed), so run --seed s replays those rows' episodes
CUP_AXES_MEASURED = {"grasp": ("13/20", "16/20"), "pick-and-place": ("11/20", "13/20")}
# What run's user may set for a model trained without the gripper (trained_model.gripper_rule;
# --subgoal-gripper hold is not among run's choices: goal_switch_options.SIM_GRIPPER_LEFT_OUT)
RUN_GRIPPER_ADVICE = ("set goals.gripper subgoal (with --subgoals dense for grasp and "
                      "pick-and-place) for a hand that follows the captured sub-goals")


def planner_text(cem, switching) -> str:
    """Return the run's planner settings as its header prints them (after ``planner``).

    The method with its own settings (``CEMConfig.describe_method``), the shared CEM settings,
    the gripper rule, the axes rule when not the published one, gradient refinement when on, and
    the control mode.
    """
    gripper = ("gripper from the sub-goals (--subgoal-gripper subgoal: open or closed as each "
               "was captured)" if switching.gripper == "subgoal" else
               "gripper held (never commanded)" if switching.gripper == "hold" else
               f"gripper clip {cem.gripper_clip}, round threshold {cem.gripper_round_threshold}"
               f"{'' if cem.close_gripper is None else f', close from step {cem.close_gripper}'}")
    if switching.axes == "subgoal":
        gripper += (", axes from the sub-goals (--subgoal-axes subgoal: an axis the expert's "
                    "hand did not move along between two sub-goal images is held still)")
    return (f"{cem.describe_method()} S {cem.samples}, H {cem.horizon}, I {cem.iterations}, "
            f"k {cem.topk}, maxnorm {cem.maxnorm} m, {gripper}{cem.refine.describe()}"
            "; blocking control (the planner node's MPCSession, no ROS)")


def setup_note(task: str, dense: bool, gripper: str, world_model: str, object_kind: str = "cup",
               round_threshold: float = 0.25, axes: str = "searched") -> str:
    """Return a note when the chosen sub-goals and gripper rule are known to fail ("" if not).

    Measured (docs/manipulation.md): from the paper's three sub-goals neither the oracle nor a
    learned model grasps (0/5: the first sub-goal is the object held and lifted, and nothing
    says "descend first"); with dense sub-goals a learned model grasps 0-2/5 with the published
    gripper search (the seeded encoder barely sees the fingers) and 65 % (cup) with the gripper
    from the sub-goals; the oracle's planned gripper never closes on the object while the round
    threshold is above its held closedness (``objects.ObjectSpec.held_closedness``: the cup
    0.24, the box 0.36; any other kind in ``objects.GRASPABLES`` by its size).
    reach-with-object has one goal and closes the hand from the first step. With dense sub-goals
    and the gripper from them, a learned model loses the cup's descent with every axis searched
    (grasp 13/20, pick-and-place 11/20; 16/20 and 13/20 with ``axes`` subgoal, session 35); not
    the box's (grasp 12/20 with every axis searched, 11/20 with ``axes`` subgoal): no note for
    it, and no advice of ``axes`` subgoal for it.
    """
    learned = world_model != "oracle"
    if task == "reach-with-object":
        return ""
    cup_axes = object_kind == "cup"  # --subgoal-axes subgoal measured better for the cup only
    if dense and gripper == "subgoal":
        if learned and axes != "subgoal" and cup_axes:
            searched, measured = CUP_AXES_MEASURED.get(task, CUP_AXES_MEASURED["grasp"])
            return (f"{task}: with every axis searched the descent onto the cup misses (cup "
                    f"{task} {searched} with the packaged model); the measured setup adds "
                    f"--subgoal-axes subgoal ({measured}){MEASURED_SEARCH} (README, "
                    "Manipulation)")
        return ""
    axes_option = " --subgoal-axes subgoal" if cup_axes else ""
    if not dense:
        measured = (f"--subgoals dense --subgoal-gripper subgoal{axes_option}" if learned
                    else "--subgoals dense")
        return (f"{task}: 0 of 5 seeds grasped from the paper's sub-goals in the simulator (the "
                "first is the object held and lifted, and nothing says 'descend first'); the "
                f"measured setup adds {measured}{MEASURED_SEARCH if learned else ''} (README, "
                "Manipulation)")
    if learned:
        return (f"{task}: 0-2 of 5 seeds grasped with dense sub-goals and the planner's gripper "
                "search (its energy barely sees the fingers at 128 px); the measured setup adds "
                f"--subgoal-gripper subgoal{axes_option}{MEASURED_SEARCH} (README, "
                "Manipulation)")
    from vjepa_ros.sim.objects import graspable_spec

    held = graspable_spec(object_kind).held_closedness()
    if round_threshold > held:
        return (f"{task}: the oracle's plans for the held {object_kind} read closedness "
                f"{held:.2f}, below --gripper-round-threshold {round_threshold:g}, so the hand "
                "never closes; add --gripper-round-threshold 0.1 or --subgoal-gripper subgoal "
                "(README, Manipulation)")
    return ""


def image_size_note(model_size, width: int, height: int, trained_sizes=None,
                    options: str = "--width/--height") -> str:
    """Return a note when camera frames of ``width`` x ``height`` px are not the model's size.

    ``model_size``: the world model's input size [px] (``WorldModel.img_size``, from its file's
    ``config`` or its official preset; int or (height, width)); None for a model without one
    (the oracle). ``trained_sizes``: the (height, width) [px] frame sizes its file records it
    was post-trained on (``WorldModel.trained_frame_sizes``; None: not recorded, the input
    size is taken for it). The model resizes every frame to its input size, so at another camera
    size it sees blurred or sharpened images it never saw in training. ``options``: what sets the
    camera size, named in the advice (``reach``: its ``--config`` file's keys). "" when the sizes
    match. The rule and wording: the live planner node's and eval's
    (:func:`vjepa_ros.image_notes.camera_size_note`).
    """
    return camera_size_note(width, height, model_size, trained_sizes, SizeNotes.FRAMES,
                            f"render the camera at the model's size ({options})",
                            f"render the camera at {{size}} px ({options})", larger_too=True)

