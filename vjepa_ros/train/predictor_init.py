"""The predictor a training run starts from: new, or the one of a V-JEPA 2-AC file.

:func:`init_predictor` builds a float32 predictor sized from the config with the encoder's
token grid and width, or loads ``predictor.init``'s with strict shapes (CheckpointError for a
file without a fitting predictor, e.g. an encoder alone written by ``vjepa-ros pretrain``:
:func:`is_pretrain_encoder`, or one of other than 7-dim actions: ``planner_inputs``, before
any data is read); :func:`same_weights` tells whether its encoder is the one given.
"""

from __future__ import annotations

from pathlib import Path

import torch

from vjepa_ros.models import (
    ACPredictor,
    CheckpointError,
    VisionEncoder,
    build_predictor,
)
from vjepa_ros.models.checkpoint import (
    load_parts,
    read_checkpoint_file,
    trained_aspect_ratio_range,
    trained_gripper_max_width,
    trained_rate_hz,
    trained_tcp,
)
from vjepa_ros.models.planner_inputs import check_predictor_inputs
from vjepa_ros.train.config import TrainConfig
from vjepa_ros.train.features import check_encoder_fits, resolve_encoder_key
from vjepa_ros.train.model_records import init_records


def count_parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def init_predictor(config: TrainConfig, encoder: VisionEncoder,
                   notes: list[str] | None = None,
                   records: dict | None = None) -> tuple[ACPredictor, str]:
    """Return (float32 predictor for this encoder, a description of where it came from).

    ``notes``: receives a note when the predictor of ``predictor.init`` comes with other encoder
    weights than ``encoder`` (allowed; it then needs retraining), and one when that file records
    another crop than this run's (:func:`init_crop_note`), another step rate
    (:func:`init_rate_note`), another end-effector point or gripper width
    (:func:`init_hand_notes`). ``records``: receives what the init file records that the run
    keeps recording (``model_records.init_records``: its frame sizes), read as it loads, the
    run's one read of it. Raises CheckpointError for an init
    file without a fitting predictor or with a malformed crop record.
    """
    settings = config.predictor
    if settings.init:
        path = Path(settings.init).expanduser()
        own_encoder, predictor, recorded = load_parts(
            path, encoder=config.encoder_args or None, predictor=config.predictor_args or None,
            encoder_key=init_encoder_key(config))
        if predictor is None and is_pretrain_encoder(read_checkpoint_file(path)):
            raise CheckpointError(f"{path} is an encoder alone, written by vjepa-ros pretrain: "
                                  "no predictor to start from; give it as --encoder "
                                  f"{path} and leave out --init (a new predictor)")
        if predictor is None:
            raise CheckpointError(f"{path} holds no action-conditioned predictor to start from "
                                  "(predictor.init wants a V-JEPA 2-AC file, vjepa2-ac-vitg.pt)")
        check_predictor_inputs(predictor, path)  # 7-dim actions, no extrinsics: as planned
        try:
            check_encoder_fits(encoder, predictor)
        except CheckpointError as exc:
            raise CheckpointError(f"the predictor of {path} does not fit the encoder: {exc}") \
                from exc
        source = f"from {path}"
        other_file = config.encoder and Path(config.encoder).expanduser().resolve() != \
            path.resolve()  # one file: its encoder entries are the predictor's own
        if notes is not None and other_file and not same_weights(own_encoder, encoder):
            notes.append(f"the predictor of {path} was trained on the features of that file's "
                         f"own encoder, not of --encoder {config.encoder} (other weights): its "
                         "predictions start off wrong and it will need retraining to fit this "
                         "encoder (expect a high first validation loss)")
        crop_note = init_crop_note(config, trained_aspect_ratio_range(recorded, path), path)
        if notes is not None and crop_note:
            notes.append(crop_note)
        rate = init_rate_note(config, trained_rate_hz(recorded, path), path)
        if notes is not None and rate:
            notes.append(rate)
        hand = init_hand_notes(config, trained_tcp(recorded, path),
                               trained_gripper_max_width(recorded, path), path)
        if notes is not None:
            notes += hand
        if records is not None:
            records.update(init_records(recorded, path))
    else:
        enc = encoder.config
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            predictor = build_predictor(
                embed_dim=enc.embed_dim, predictor_embed_dim=settings.embed_dim,
                depth=settings.depth, num_heads=settings.num_heads,
                mlp_ratio=settings.mlp_ratio, img_size=enc.img_size,
                patch_size=enc.patch_size, tubelet_size=enc.tubelet_size)
        source = "new"
    predictor = predictor.float()
    pc = predictor.config
    return predictor, (f"{source}: width {pc.predictor_embed_dim}, depth {pc.depth}, heads "
                       f"{pc.num_heads} ({count_parameters(predictor) / 1e6:.2f} M parameters)")


def init_encoder_key(config: TrainConfig) -> str:
    """Return the entry of ``predictor.init``'s file its own encoder is read from.

    ``encoder_key`` (``auto``: ``target_encoder`` when the file holds one, the encoder its AC
    predictor was trained on, else ``encoder``: ``features.resolve_encoder_key``) where that
    file gives the frozen encoder too (no ``encoder``, or the same file); else ``auto``:
    ``--encoder-key`` chooses ``--encoder``'s entry, and a file of ``target_encoder`` only was
    refused for an ``encoder`` entry it was never asked for (breaker54l).
    """
    path = Path(config.predictor.init).expanduser()
    same = not config.encoder or Path(config.encoder).expanduser().resolve() == path.resolve()
    return resolve_encoder_key(path, config.encoder_key if same else "auto")


def init_crop_note(config: TrainConfig, recorded, path) -> str:
    """Say that ``predictor.init`` was trained on other crops than this run's ("" if not).

    ``recorded``: the (min, max) w/h crop the init file records
    (``checkpoint.trained_aspect_ratio_range``; None: not recorded, nothing said). Training
    goes on with ``data.aspect_ratio_min/max``, which the new file records.
    """
    used = (config.data.aspect_ratio_min, config.data.aspect_ratio_max)
    if recorded is None or tuple(recorded) == used:
        return ""
    return (f"{path} records the crop it was trained with, config.data.aspect_ratio_range "
            f"{recorded[0]:g}..{recorded[1]:g}; this run trains its predictor on "
            f"data.aspect_ratio_min/max {used[0]:g}..{used[1]:g} crops (its world_model.pt "
            "records those)")


def init_rate_note(config: TrainConfig, recorded: float | None, path) -> str:
    """Say that ``predictor.init`` was trained at another step rate than this run's ("" if not).

    ``recorded``: the step rate [Hz] the init file records (``checkpoint.trained_rate_hz``;
    None: DROID's 4 Hz assumed, as the official files are). Training goes on at
    ``data.rate_hz``, which the new file records: its actions are then motions of another
    length than the init's were.
    """
    from vjepa_ros.robot.trained_model import rate_mismatch, unrecorded_rate_words

    rate = config.data.rate_hz
    trained = rate_mismatch(recorded, rate)
    if trained is None:
        return ""
    said = f"records the step rate it was trained at, {trained:g} Hz" if recorded is not None \
        else unrecorded_rate_words(trained)
    return (f"{path} {said}; this run trains it at data.rate_hz {rate:g} Hz (--rate): each "
            f"action becomes a {1 / rate:.3g} s motion instead of {1 / trained:.3g} s, so its "
            "start is further off (its world_model.pt records the new rate)")


def init_hand_notes(config: TrainConfig, tcp, width: float | None, path) -> list[str]:
    """Say that ``predictor.init`` was labelled at another point or gripper width ([] if not).

    ``tcp``: the (tcp_xyz [m], tcp_rpy [rad]) the init file records
    (``checkpoint.trained_tcp``), ``width``: its ``trained_gripper_max_width`` [m]; None: not
    recorded (the official files), nothing said. This run labels at ``data.topics.tcp_xyz`` /
    ``tcp_rpy`` and ``gripper_max_width``, which the new file records: the init's states and
    actions were another point's motions (a 0.2 m tool's, the flange's), its closedness another
    scale, so its start is further off.
    """
    from vjepa_ros.robot.trained_model import closedness_example, gripper_width_note, tcp_note

    topics = config.data.topics
    notes = []
    model = type("Init", (), {"trained_tcp": tcp, "trained_gripper_max_width": width})
    if tcp_note(model, topics.tcp_xyz, topics.tcp_rpy):
        notes.append(f"{path} records the end-effector point its states were labelled at, "
                     f"tcp_xyz {_listed(tcp[0])} m, tcp_rpy {_listed(tcp[1])} rad; this run "
                     f"labels at data.topics.tcp_xyz {_listed(topics.tcp_xyz)} m, tcp_rpy "
                     f"{_listed(topics.tcp_rpy)} rad (--tcp-xyz / --tcp-rpy): its states and "
                     "actions were another point's motions, so its start is further off (its "
                     "world_model.pt records the new point)")
    if gripper_width_note(model, topics.gripper_max_width):
        notes.append(f"{path} records the gripper width its closedness was computed with, "
                     f"{width:g} m; this run uses data.topics.gripper_max_width "
                     f"{topics.gripper_max_width:g} m: "
                     f"{closedness_example(topics.gripper_max_width, width, 'the init')} (its "
                     "world_model.pt records the new width)")
    return notes


def _listed(values) -> str:
    return "[" + ", ".join(f"{float(v):.4g}" for v in values) + "]"


def same_weights(first: torch.nn.Module, second: torch.nn.Module) -> bool:
    """Whether two modules hold the same weights (up to float16 rounding: a ``--half`` file)."""
    a, b = first.state_dict(), second.state_dict()
    return a.keys() == b.keys() and all(
        a[k].shape == b[k].shape and torch.allclose(a[k].float(), b[k].float(), rtol=2e-3,
                                                    atol=1e-6) for k in a)


def is_pretrain_encoder(state) -> bool:
    """Whether a loaded file is an encoder-only file of ``vjepa-ros pretrain``."""
    return isinstance(state, dict) and "pretrain" in state and not state.get("predictor")
