"""Loading and saving V-JEPA 2 / V-JEPA 2-AC weights in the official formats.

Official file (``vjepa2-ac-vitg.pt``, ``vitl.pt``, ``vith.pt``, ``vitg.pt``, ``vitg-384.pt``):
a ``torch.save`` dict whose ``encoder`` and ``predictor`` entries are state dicts (pretraining
files also hold ``target_encoder``, ``epoch``, optimizer state ..., and their ``predictor`` is
the masked-prediction one, recognized by its lack of the action and state encoders and
skipped; a predictor with either is an AC predictor, loaded strictly). Keys may start with
``module.`` (DDP), ``backbone.`` and/or ``_orig_mod.`` (``torch.compile``): all are stripped,
``_orig_mod.`` also inside a key (a module compiled inside the model: ``blocks.0._orig_mod.``).
An encoder ``pos_embed`` is ignored (the models use RoPE). Files written by
:func:`save_world_model` add a ``config`` entry with the hyper-parameters. An encoder in
transformers' key names saved with ``torch.save`` (``VJEPA2Model.state_dict()`` or its
``.encoder``'s, bare or as the ``encoder`` entry) is converted exactly (``hf``); a Hugging Face
snapshot folder, or the hub cache's folder of the model, is read by ``hf.read_hf_directory``.

Which encoder weights: ``encoder_key="encoder"`` (default) is what ``torch.hub``'s
``vjepa2_ac_vit_giant`` / ``vjepa2_vit_*`` load. The AC predictor was trained on representations
of the *target* encoder: its DROID config initializes both encoders from the pretraining file's
``target_encoder`` and the context encoder is never updated, so in ``vjepa2-ac-vitg.pt`` both
should hold the same weights. When pairing the AC predictor with a pretraining file
(``vitg.pt``), pass ``encoder_key="target_encoder"``.

Architecture: the official presets are recognized from the weight shapes (number of heads and
image size cannot be read from shapes: they come from the matching preset, or 256 px); otherwise
from the ``config`` entry, or from the caller: ``load_world_model(path, encoder={...},
predictor={...})`` with official hyper-parameter names (these override everything else), except
that a value no weight shape checks (``num_heads``; the encoder's ``img_size``; the predictor's
``img_size``, ``use_extrinsics``) given for a file without a ``config`` must be the one of the
preset its shapes match, and ``num_heads`` the one a file's ``config`` records (another would
compute another model from the released weights, silently: breaker38, breaker42c). A caller's
``img_size`` (and ``use_extrinsics``, which the commands that plan refuse) overrides the one a
file's ``config`` records: V-JEPA 2's RoPE positions are computed for any grid, so the model
runs at the size given (one logged warning says it differs from the file's: breaker52d). A file
named like the official ``vitg-384.pt`` (``*-384.pt``) of a preset shape, or a link to one,
is read as 384 px.
Any key or shape that does not match raises one :class:`CheckpointError` naming what differs:
nothing is ever partially loaded. A ``torch.save`` zip whose stored CRC-32 checksums do not match
its bytes (a disk or copy error) is refused: torch itself does not check them (reading the file
once more: about 1 s per GB on one core).

The parts live in files of their own: the file's entries in ``checkpoint_entries``, the
architecture its shapes tell in ``checkpoint_shapes``, the caller's hyper-parameters against the
file's in ``hyper_parameter_merge``, the modules built with the weights in ``checkpoint_build``,
what the file records of its training data in ``checkpoint_records``, writing in
``checkpoint_save``; every name keeps its home here (``from vjepa_ros.models.checkpoint import
split_checkpoint``).
"""

import os
from typing import NamedTuple

from vjepa_ros.user_paths import expand_path

from .checkpoint_build import (
    _build_from_state,
    _load_into,
    build_encoder_from_state,
    build_predictor_from_state,
)
from .checkpoint_checks import IGNORED_ENCODER_KEYS, check_entries
from .checkpoint_entries import (
    AC_PREDICTOR_PARTS,
    ENCODER_KEYS,
    ENTRY_FIXED,
    PREFIXES,
    _tensor_dict,
    split_checkpoint,
    strip_prefixes,
)
from .checkpoint_file import (
    CHECKPOINT_HINT,
    SAFETENSORS_ALONE,
    check_file_checksums,
    not_a_checkpoint,
    read_checkpoint_file,
)
from .checkpoint_records import (
    trained_aspect_ratio_range,
    trained_frame_sizes,
    trained_gripper_max_width,
    trained_rate_hz,
    trained_tcp,
    trained_without_gripper,
)
from .checkpoint_save import _cpu_state, save_world_model
from .checkpoint_shapes import (
    OFFICIAL_384_NAME,
    _depth,
    _encoder_presets_of,
    _file_encoder_values,
    _predictor_presets_of,
    _shape,
    _shape_values,
    infer_encoder_hyper_parameters,
    infer_predictor_hyper_parameters,
)
from .encoder import VisionEncoder
from .errors import CheckpointError
from .hf import read_hf_directory
from .hyper_parameter_merge import (
    PRESET_SHAPE_FREE_KEYS,
    SHAPE_FREE_KEYS,
    _merge,
    _preset_choices,
    _same,
    log_size_override,
    predictor_caller_values,
)
from .planner_inputs import (
    check_frame_channels,
    check_predictor_inputs,
    no_predictor,
)
from .predictor import ACPredictor
from .preprocess import DROID_ASPECT_RATIO_RANGE
from .presets import ENCODER_PRESETS, PREDICTOR_PRESETS
from .world_model import WorldModel

__all__ = ["AC_PREDICTOR_PARTS", "CHECKPOINT_HINT", "CheckpointSizes", "ENCODER_KEYS",
           "ENCODER_PRESETS", "IGNORED_ENCODER_KEYS", "OFFICIAL_384_NAME", "PREDICTOR_PRESETS",
           "PREFIXES", "PRESET_SHAPE_FREE_KEYS", "SAFETENSORS_ALONE", "SHAPE_FREE_KEYS",
           "_build_from_state", "_cpu_state", "_depth", "_encoder_presets_of",
           "_file_encoder_values", "_load_into", "_merge", "_predictor_presets_of",
           "_preset_choices", "_same", "_shape", "_shape_values", "_tensor_dict",
           "build_encoder_from_state", "build_predictor_from_state", "check_checkpoint",
           "check_file_checksums", "infer_encoder_hyper_parameters",
           "infer_predictor_hyper_parameters", "load_models", "load_parts", "load_world_model",
           "no_predictor", "not_a_checkpoint", "read_checkpoint_file", "save_world_model",
           "split_checkpoint", "strip_prefixes", "trained_aspect_ratio_range",
           "trained_frame_sizes", "trained_gripper_max_width", "trained_rate_hz", "trained_tcp",
           "trained_without_gripper"]


class CheckpointSizes(NamedTuple):
    """What a world model file says of image sizes (:func:`check_checkpoint`).

    ``img_size``: the input size [px] the model resizes frames to (an int for a square, as the
    file's ``config`` or the official preset its shapes match say; None when the file records
    none, or for a folder). ``trained_frame_sizes``: the (height, width) [px] sizes of the frames
    it was post-trained on, as the file records them (:func:`trained_frame_sizes`; None: not
    recorded). ``trained_tcp`` / ``trained_without_gripper`` / ``trained_rate_hz`` /
    ``trained_gripper_max_width``: the file's training records (:func:`trained_tcp`,
    :func:`trained_without_gripper`, :func:`trained_rate_hz`, :func:`trained_gripper_max_width`
    [m]; None / False / None / None for a folder), as a loaded model holds them, for
    ``robot.trained_model``'s notes before the model loads.
    """

    img_size: int | None
    trained_frame_sizes: list[tuple[int, int]] | None
    trained_tcp: tuple[tuple[float, ...], tuple[float, ...]] | None = None
    trained_without_gripper: bool = False
    trained_rate_hz: float | None = None
    trained_gripper_max_width: float | None = None


def check_checkpoint(path: str | os.PathLike, encoder_key: str = "encoder",
                     need_predictor: bool = False, encoder: dict | None = None,
                     predictor: dict | None = None, options: str | None = None,
                     key_options: str | None = None) -> CheckpointSizes:
    """Raise unless ``path`` loads as :func:`load_parts` would; cheap (no weight's data read).

    The same rule as the load, run on the file's keys, shapes and ``config`` (a zip file is
    memory-mapped, its weights left unread): the entries (``checkpoint_checks.check_entries``),
    the hyper-parameters (the file's, the caller's ``encoder``/``predictor``), the modules built
    on ``meta`` (nothing allocated) and every key and shape compared (``checkpoint_build``),
    the encoder and predictor compared (``check_pair``): what the load refuses from these, this
    refuses in the same line (breaker54d: a file ``vjepa-ros reach`` passed was refused by the
    planner node 27 s later). Only the load's checks of the data (NaN or inf, the zip's CRC-32)
    are not run.

    ``need_predictor``: also refuse a file without an AC predictor (an encoder-only file: a
    command that plans says so before its nodes start), or with one the planner cannot feed as
    the file records it (``planner_inputs``: other than 3-channel frames, other than 7-dim
    actions and states, ``use_extrinsics`` in its config). ``options``: how the caller's command
    takes hyper-parameters, said where one is needed (``hyper_parameter_merge._merge``: e.g.
    ``vjepa-ros reach``'s, which takes none); None: the loaders' options. ``key_options``: how
    it chooses the encoder entry (``checkpoint_entries.split_checkpoint``); None: where
    ``options`` are a command's, ``ENTRY_FIXED`` (reach reads ``encoder`` only), else the
    loaders'.

    For commands that hand the file to another process (``vjepa-ros reach``'s planner node): the
    one-line error comes before anything starts. Raises FileNotFoundError or
    :class:`CheckpointError` (as :func:`load_world_model`; also for a malformed
    ``config.data.frame_sizes`` or ``config.data.aspect_ratio_range``: breaker54l). A folder
    (a Hugging Face snapshot) is not read here; with ``need_predictor`` it is refused (no
    folder holds an AC predictor).

    Returns the image sizes of the model as :func:`load_world_model` reads them, and its
    training records (:class:`CheckpointSizes`: None for a folder; a malformed record raises
    :class:`CheckpointError` as the load does), for the camera size note
    (``image_notes.camera_size_note``) and ``robot.trained_model``'s before the model loads.
    """
    path = expand_path(path, CheckpointError)  # ~ and $NAME (user_paths)
    if os.path.isdir(path):  # not read; it holds no AC predictor (refused when one is needed)
        check_entries(None, None, {}, path, need_predictor)
        return CheckpointSizes(None, None)
    if key_options is None and options is not None:  # a command's words: not the loaders'
        key_options = ENTRY_FIXED
    encoder_state, predictor_state, config = split_checkpoint(
        read_checkpoint_file(path), path, encoder_key, key_options, read=False)
    _build_parts(encoder_state, predictor_state, config, path,
                 _Asked(encoder, predictor, need_predictor, options), load=False)
    size = config.get("encoder", {}).get("img_size")
    if size is None:
        size = _file_encoder_values(encoder_state, path).get("img_size")
    sizes = trained_frame_sizes(config, path)
    trained_aspect_ratio_range(config, path)  # a malformed crop record: refused as the load does
    return CheckpointSizes(size, sizes, trained_tcp(config, path),
                           trained_without_gripper(config, path), trained_rate_hz(config, path),
                           trained_gripper_max_width(config, path))


def load_models(path, encoder: dict | None = None, predictor: dict | None = None,
                encoder_key: str = "encoder") -> tuple[VisionEncoder, ACPredictor | None]:
    """Load (encoder, predictor or None) on CPU in the file's dtype.

    ``path``: an official-format file, an encoder state-dict file (official or transformers' key
    names), a local HF snapshot directory or the hub cache's folder of the model
    (``hf.hub_snapshot``). See the module docstring.
    """
    encoder_model, predictor_model, _ = load_parts(path, encoder, predictor, encoder_key)
    return encoder_model, predictor_model


def load_parts(path, encoder: dict | None = None, predictor: dict | None = None,
               encoder_key: str = "encoder", need_predictor: bool = False,
               key_options: str | None = None):
    """Return (encoder, predictor or None, the file's ``config`` entry): :func:`load_models`.

    The ``config`` dict holds what the file records (:func:`trained_aspect_ratio_range`,
    :func:`trained_frame_sizes`); ``{}`` when nothing. ``need_predictor``: raise
    :func:`no_predictor`'s error for a file without a predictor before its encoder is built (an
    encoder alone without a ``config`` would first be refused for its unknown head count, and
    the advice to give it is no use to a command that plans: breaker38), and refuse a predictor
    the planner cannot feed (:func:`~vjepa_ros.models.planner_inputs.check_predictor_inputs`:
    other than 7-dim actions and states, camera extrinsics). An encoder of other than 3 (RGB)
    input channels is always refused (``planner_inputs.check_frame_channels``). All:
    :class:`CheckpointError`, one line naming the file. ``key_options``: how the caller's
    command chooses the encoder entry, said for a file without ``encoder_key``
    (:func:`check_checkpoint`'s).
    """
    path = expand_path(path, CheckpointError)  # ~ and $NAME (user_paths)
    if os.path.isdir(path):  # (one this user may not enter: False; said when read)
        encoder_state, hf_values = read_hf_directory(path)
        predictor_state, config = None, {"encoder": hf_values}
    else:
        raw = read_checkpoint_file(path, verify=True)
        encoder_state, predictor_state, config = split_checkpoint(raw, path, encoder_key,
                                                                  key_options)
    encoder_model, predictor_model = _build_parts(
        encoder_state, predictor_state, config, path,
        _Asked(encoder, predictor, need_predictor), load=True)
    log_size_override(path, encoder, config)
    return encoder_model, predictor_model, config


class _Asked(NamedTuple):
    """What a caller asks of a file (:func:`load_parts`, :func:`check_checkpoint`)."""

    encoder: dict | None
    predictor: dict | None
    need_predictor: bool
    options: str | None = None


def _build_parts(encoder_state: dict, predictor_state: dict | None, config: dict, path,
                 asked: _Asked, load: bool):
    """Return (encoder, predictor or None) of a file's entries: the one rule of both checks.

    :func:`load_parts` (``load``: the weights given to the modules) and
    :func:`check_checkpoint` (``load`` False: the modules stay on ``meta``, their keys, shapes
    and dtypes compared, no weight's data read) run it alike, so that the cheap check refuses
    what the load refuses (breaker52h, breaker54d). Raises :class:`CheckpointError`.
    """
    check_entries(encoder_state, predictor_state, config, path, asked.need_predictor)
    inferred = _file_encoder_values(encoder_state, path)
    encoder_values = _merge("encoder", inferred, config.get("encoder", {}), asked.encoder, path,
                            _shape_values("encoder", encoder_state, path), asked.options)
    encoder_model = build_encoder_from_state(encoder_state, encoder_values, path,
                                             config.get("encoder"), load)
    check_frame_channels(encoder_model, path)  # RGB frames only: refused here, naming the file
    if predictor_state is None:
        if asked.predictor:
            raise CheckpointError(f"{path} holds no predictor, but predictor={asked.predictor} "
                                  "given")
        return encoder_model, None
    predictor = predictor_caller_values(asked.encoder, asked.predictor, config)
    predictor_values = _merge("predictor",
                              infer_predictor_hyper_parameters(predictor_state, path),
                              config.get("predictor", {}), predictor, path,
                              _shape_values("predictor", predictor_state, path), asked.options)
    for name in ("img_size", "patch_size"):  # not in the weights: the encoder's (they must match)
        predictor_values.setdefault(name, getattr(encoder_model.config, name))
    predictor_model = build_predictor_from_state(predictor_state, predictor_values, path,
                                                 config.get("predictor"), load)
    try:
        WorldModel.check_pair(encoder_model, predictor_model)
    except ValueError as err:  # the file's config (or the caller) gives them other sizes
        both = ("give the same value to both (--encoder-arg / --predictor-arg, the planner "
                "node's model.encoder_args / model.predictor_args), or " if asked.options is None
                else "")  # a command that takes no hyper-parameters: the file is the way out
        raise CheckpointError(
            f"{path}: {err}: its config gives the encoder and the predictor other sizes; "
            f"{both}give a file whose encoder and predictor were saved together") from None
    if asked.need_predictor:  # what the planner feeds it (7-dim actions, no extrinsics)
        check_predictor_inputs(predictor_model, path)
    return encoder_model, predictor_model


def load_world_model(path, device=None, dtype=None, encoder: dict | None = None,
                     predictor: dict | None = None, encoder_key: str = "encoder",
                     aspect_ratio_range: tuple[float, float] | None = None,
                     need_predictor: bool = False, key_options: str | None = None,
                     **world_model_options) -> WorldModel:
    """Load a :class:`WorldModel` (predictor None for encoder-only files) on device/dtype.

    ``path``: a checkpoint file or Hugging Face snapshot folder (``~`` and ``$NAME`` expanded:
    ``user_paths.expand_path``; a variable not set: CheckpointError naming it).
    ``device``: default CUDA when available, else CPU; ``dtype``: default bfloat16 on CUDA, float32
    on CPU. ``encoder``/``predictor``: official hyper-parameter names overriding what is read from
    the file. ``encoder_key``: "encoder" (as torch.hub) or "target_encoder". Never downloads.
    The model's ``trained_frame_sizes``: the file's record (:func:`trained_frame_sizes`).
    ``aspect_ratio_range``: (min, max) w/h centre-crop range of the preprocessing; None: the
    range the file records its predictor was trained with (:func:`trained_aspect_ratio_range`,
    breaker31: a model trained on square crops was run on DROID's), else DROID's 0.75..1.35.
    The model's ``trained_aspect_ratio_range`` is the file's record (None: not recorded), as
    are its ``trained_tcp`` (:func:`trained_tcp`), ``trained_without_gripper``
    (:func:`trained_without_gripper`), ``trained_rate_hz`` (:func:`trained_rate_hz`) and
    ``trained_gripper_max_width`` (:func:`trained_gripper_max_width`).
    ``need_predictor``: refuse a file without an AC
    predictor first, and one the planner cannot feed (:func:`load_parts`); the commands that
    plan pass True. ``key_options``: how the caller's command chooses the encoder entry
    (:func:`check_checkpoint`'s; None: the loaders').
    """
    encoder_model, predictor_model, config = load_parts(path, encoder, predictor, encoder_key,
                                                        need_predictor, key_options)
    sizes = trained_frame_sizes(config, path)
    recorded = trained_aspect_ratio_range(config, path)
    crop = aspect_ratio_range or recorded or DROID_ASPECT_RATIO_RANGE
    model = WorldModel(encoder_model, predictor_model, device=device, dtype=dtype,
                       trained_frame_sizes=sizes, aspect_ratio_range=crop,
                       trained_aspect_ratio_range=recorded, **world_model_options)
    model.trained_tcp = trained_tcp(config, path)
    model.trained_without_gripper = trained_without_gripper(config, path)
    model.trained_rate_hz = trained_rate_hz(config, path)
    model.trained_gripper_max_width = trained_gripper_max_width(config, path)
    return model
