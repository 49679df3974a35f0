"""What the planner and the trainer feed a world model, checked against its weights' shapes.

Every command that plans (``demo``, ``eval``, ``run``, ``reach``, the planner node) or trains
a predictor (``train --init``) feeds the encoder RGB frames (3 channels), each repeated into one
tubelet of the encoder's own ``tubelet_size`` (:func:`~vjepa_ros.models.preprocess.frames_to_clip`:
any tubelet size gives one time step), resized to the encoder's ``img_size`` (a multiple of its
patch size: ``EncoderConfig`` refuses others), and feeds the AC predictor V-JEPA 2-AC's
7-dim end-effector actions and states (facts §2, §4; no camera extrinsics). The predictor's width
and token grid against the encoder's are :meth:`WorldModel.check_pair`'s. A model of other input
sizes loads and computes, and would fail at its first encode or plan in a line naming no file
(breaker49d): these checks refuse it when it loads, naming the file, the weight, its shape, the
shape expected and what to give. The one place for them: the loaders
(``checkpoint.load_parts``), :meth:`WorldModel.check_plannable` and ``train --init`` call them.
"""

from .errors import CheckpointError

FRAME_CHANNELS = 3  # RGB camera frames (preprocess_frames)
ACTION_DIM = 7  # dx dy dz, Euler xyz deltas, dgripper; the state: xyz, Euler xyz, gripper
PLANNABLE_MODEL = ("give a Franka 7-dim action V-JEPA 2-AC predictor (Meta's vjepa2-ac-vitg.pt, "
                   "or a model vjepa-ros train wrote)")


def no_predictor(path) -> CheckpointError:
    """Return the one-line error for a file without the AC predictor that planning needs."""
    return CheckpointError(f"{path} holds no action-conditioned predictor (an encoder alone): "
                           "use a V-JEPA 2-AC checkpoint (vjepa2-ac-vitg.pt) or a model "
                           "vjepa-ros train wrote")


def check_frame_channels(encoder, source) -> None:
    """Raise :class:`CheckpointError` unless ``encoder`` takes 3-channel (RGB) frames.

    ``encoder``: a ``VisionEncoder``, or an encoder state dict (prefixes stripped: a file's
    entries, checked before the model is built); its ``patch_embed.proj.weight`` is [D, C,
    tubelet, patch, patch] and C must be 3 (a state dict without it: the loader's to name).
    ``source``: the file it came from, named in the one-line error (an RGB-D or grey encoder:
    every encode would fail naming no file).
    """
    state = encoder if isinstance(encoder, dict) else encoder.state_dict()
    weight = state.get("patch_embed.proj.weight")
    if weight is None or weight.ndim < 2 or weight.shape[1] == FRAME_CHANNELS:
        return
    shape = list(weight.shape)
    expected = [shape[0], FRAME_CHANNELS, *shape[2:]]
    raise CheckpointError(
        f"{source}: encoder weight patch_embed.proj.weight is {shape}, expected {expected}: "
        f"it takes {shape[1]}-channel frames, where the camera gives {FRAME_CHANNELS} "
        "(RGB); give a V-JEPA 2 encoder of RGB frames (Meta's vjepa2-ac-vitg.pt, or a "
        "model vjepa-ros train wrote)")


def check_action_sizes(state: dict, source) -> None:
    """Raise :class:`CheckpointError` unless a predictor's weights take 7-dim actions and states.

    ``state``: the predictor's state dict (prefixes stripped; a module's ``state_dict()`` or a
    file's entries): ``action_encoder.weight`` and ``state_encoder.weight`` must be [D_p, 7]
    (a weight it lacks is the loader's to name). The one-line error names ``source`` (the
    file), the weights, their shapes, the shapes expected and what to give.
    """
    wrong = {key: list(state[key].shape) for key in ("action_encoder.weight",
                                                     "state_encoder.weight")
             if key in state and state[key].ndim == 2 and state[key].shape[1] != ACTION_DIM}
    if wrong:
        found = " and ".join(f"{key} {shape}" for key, shape in wrong.items())
        sizes = sorted({shape[1] for shape in wrong.values()})
        expected = [next(iter(wrong.values()))[0], ACTION_DIM]
        raise CheckpointError(
            f"{source}: predictor weight {found}, expected {expected}: it takes "
            f"{'/'.join(map(str, sizes))}-dim actions and states (another robot's model), "
            f"where the planner and vjepa-ros train give V-JEPA 2-AC's {ACTION_DIM} (the "
            f"end-effector pose and its deltas: xyz, Euler xyz, gripper); {PLANNABLE_MODEL}")


def check_predictor_inputs(predictor, source) -> None:
    """Raise :class:`CheckpointError` unless the planner can feed ``predictor`` (an ACPredictor).

    7-dim actions and states (:func:`check_action_sizes`), and no camera extrinsics
    (``use_extrinsics``): the one-line error names ``source`` (the file).
    """
    check_action_sizes(predictor.state_dict(), source)
    check_no_extrinsics(predictor.config.use_extrinsics, source)


def check_no_extrinsics(use_extrinsics, source) -> None:
    """Raise :class:`CheckpointError` for a predictor of camera extrinsics (the planner has none).

    ``use_extrinsics``: the predictor's setting (a bool, or the 0/1 a file's config records;
    None: not recorded, fine). The one-line error names ``source`` (the file). Any other value
    (the string "false", 2, 0.0) is no setting: left to the config's refusal ("must be true or
    false"), the same with or without this check (breaker56d: "false" was called True here).
    """
    if use_extrinsics is True or (type(use_extrinsics) is int and use_extrinsics == 1):
        raise CheckpointError(f"{source}: not supported for planning: use_extrinsics=True "
                              "(the predictor needs camera extrinsics the planner does not "
                              "have); load it with predictor hyper-parameter "
                              "use_extrinsics=false only if it was trained without them")


def check_plannable(encoder, predictor, source) -> None:
    """Raise :class:`CheckpointError` unless CEM can plan with ``encoder`` and ``predictor``.

    ``predictor`` None: :func:`no_predictor`'s error; else :func:`check_frame_channels` and
    :func:`check_predictor_inputs`, naming ``source``.
    """
    if predictor is None:
        raise no_predictor(source)
    check_frame_channels(encoder, source)
    check_predictor_inputs(predictor, source)
