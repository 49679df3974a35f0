"""What the planner node says at start-up of the world model it loaded (ROS-free).

A roboticist handed a post-trained ``world_model.pt`` asks: did the node load that file, and
what does it hold of its training? :func:`model_line` names the file and what it records
(``vjepa-ros train``'s ``config.data``: the step rate, the end-effector point, the gripper
opening, the crop in use); :func:`model_warnings` gives the mismatches with the node's
parameters (``robot.trained_model``'s TCP and width notes, ``models.preprocess.crop_note``),
one line each. user59w: the node loaded a file silently; a model trained at 2 Hz steps, which
no node parameter can contradict, was said nowhere.
"""

from __future__ import annotations


def model_line(model, checkpoint) -> str:
    """Return ``world model FILE: 128x128 px, crop 0.75..1.35, trained at 4 Hz steps, ...``.

    ``model``: a loaded ``WorldModel`` (``img_size`` (H, W) [px], ``aspect_ratio_range`` in
    use, ``trained_rate_hz`` [Hz], ``trained_tcp`` ((xyz [m]), (rpy [rad])),
    ``trained_gripper_max_width`` [m], ``trained_without_gripper``; None: not recorded, as
    the official files); ``checkpoint``: its path as the node names it.
    """
    height, width = model.img_size
    low, high = model.aspect_ratio_range
    parts = [f"{width}x{height} px", f"crop {low:g}..{high:g}"]
    rate = getattr(model, "trained_rate_hz", None)
    parts.append(f"trained at {rate:g} Hz steps (each action a {1 / rate:.3g} s motion)"
                 if rate else "no training step rate recorded (DROID's 4 Hz assumed)")
    tcp = getattr(model, "trained_tcp", None)
    if tcp is not None:
        parts.append("joint states labelled at TCP xyz "
                     f"[{', '.join(f'{v:.4g}' for v in tcp[0])}] m")
    if getattr(model, "trained_without_gripper", False):
        parts.append("trained without the gripper")
    elif getattr(model, "trained_gripper_max_width", None) is not None:
        parts.append(f"gripper closedness at {model.trained_gripper_max_width:g} m open")
    return f"world model {checkpoint}: " + ", ".join(parts)


def model_warnings(model, checkpoint, robot, crop) -> list[str]:
    """Return the node's warnings on ``model`` against its parameters, each one line.

    ``robot``: the node's ``robot.*`` settings (``tcp_xyz``, ``tcp_rpy``, ``gripper_max_width``);
    ``crop``: the ``model.aspect_ratio_min/max`` asked for (None: the file's own).
    """
    from vjepa_ros.models.preprocess import crop_note
    from vjepa_ros.robot.trained_model import gripper_width_note, tcp_note

    notes = [crop_note(crop, model.trained_aspect_ratio_range, str(checkpoint))]
    # joint-state labels at another point than the planner's, closedness on another scale
    # (breaker58e: 0.07 m trained, 0.08 planned)
    notes += [f"{checkpoint}: {note}" for note in (
        tcp_note(model, robot.tcp_xyz, robot.tcp_rpy),
        gripper_width_note(model, robot.gripper_max_width)) if note]
    return [note for note in notes if note]
