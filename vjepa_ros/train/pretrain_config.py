"""The settings of V-JEPA pretraining (``vjepa-ros pretrain``), checked without torch.

:class:`PretrainConfig` (its masks: :class:`MaskConfig`) and :func:`load_pretrain_config` live
here, apart from the torch code that uses them (``pretrain.py``, ``pretrain_masks.py``,
``pretrain_augment.py``), so that ``vjepa-ros pretrain`` refuses a bad ``--steps`` or
``--config`` value in one line before torch loads. Sources of the defaults: ``pretrain.py``.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path
from typing import TYPE_CHECKING

from vjepa_ros.config import (
    ConfigError,
    check_range,
    check_values,
    format_range,
    from_dict,
    param,
    unflatten,
)
from vjepa_ros.models.head_width import head_problem
from vjepa_ros.train.config import SEED_RANGE
from vjepa_ros.train.pretrain_mask_check import finer_patches, mask_passes, mask_problem
from vjepa_ros.train.pretrain_run_check import run_problem
from vjepa_ros.yaml_files import read_yaml_mapping

if TYPE_CHECKING:
    from vjepa_ros.train.pretrain_augment import ClipAugment


# Ranges (config.param's range=): a count, a number >= 0 (>= 2), a fraction; of the [low,
# high] settings: an area fraction, a side ratio.
COUNT = {"range": (1, math.inf), "high_open": True}
AT_LEAST_0 = {"range": (0, math.inf), "high_open": True}
AT_LEAST_2 = {"range": (2, math.inf), "high_open": True}
SCALE = {"range": (0, 1), "low_open": True}
RATIO = {"range": (0, math.inf), "low_open": True, "high_open": True}


def check_pair(name: str, pair, range, low_open: bool = False,  # noqa: A002
               high_open: bool = False) -> None:
    """Refuse ``pair`` unless it is ``[low, high]`` with ``low <= high``, both in ``range``.

    ``range``, ``low_open``, ``high_open``: as ``config.param`` declares them. Raises ValueError
    in one line naming ``name``: ``mask_short.spatial_scale must be [low, high] with low <= high
    in (0, 1], got [0.0, 0.2]``.
    """
    shown = format_range(range, low_open, high_open)
    problem = f"{name} must be [low, high] with low <= high in {shown}, got {pair!r}"
    if not isinstance(pair, (list, tuple)) or len(pair) != 2:
        raise ValueError(problem)
    for value in pair:
        try:
            check_range(name, value, range, low_open, high_open)
        except ValueError:
            raise ValueError(problem) from None
    if pair[0] > pair[1]:
        raise ValueError(problem)


@dataclasses.dataclass
class MaskConfig:
    num_blocks: int = param(8, "Rectangles per mask (V-JEPA short-range: 8, long-range: 2).",
                            **COUNT)
    spatial_scale: list[float] = param(  # [low, high] in SCALE (check_pair)
        [0.15, 0.15], "Range of one rectangle's area as a fraction of the frame (short: 0.15, "
        "long: 0.7)."
    )
    aspect_ratio: list[float] = param(  # [low, high] in RATIO
        [0.75, 1.5], "Range of a rectangle's height / width (V-JEPA: 0.75 to 1.5)."
    )

    def __post_init__(self):
        self.check()

    def check(self, prefix: str = "MaskConfig.") -> None:
        """Raise ValueError naming ``prefix`` + the setting for a value outside its range."""
        check_values(self, prefix)
        check_pair(f"{prefix}spatial_scale", self.spatial_scale, **SCALE)
        check_pair(f"{prefix}aspect_ratio", self.aspect_ratio, **RATIO)


SHORT_RANGE = MaskConfig(8, [0.15, 0.15], [0.75, 1.5])
LONG_RANGE = MaskConfig(2, [0.7, 0.7], [0.75, 1.5])


def check_crop_ranges(scale, ratio, prefix: str = "") -> None:
    """Raise ValueError unless ``0 < scale low <= high <= 1`` and ``0 < ratio low <= high``.

    ``scale``: area fraction range of the random resized crop; ``ratio``: its width / height
    range (V-JEPA's ``random_resize_scale``, ``random_resize_aspect_ratio``; ``prefix`` + those
    names in the message).
    """
    check_pair(f"{prefix}random_resize_scale", list(scale), **SCALE)
    check_pair(f"{prefix}random_resize_aspect_ratio", list(ratio), **RATIO)


@dataclasses.dataclass
class PretrainConfig:
    img_size: int = param(
        128, "Frame size [px] the encoder sees (frames are resized to it).", **COUNT
    )
    patch_size: int = param(16, "Patch size [px]; img_size / patch_size tokens per side.", **COUNT)
    embed_dim: int = param(192, "Encoder width.", **COUNT)
    depth: int = param(4, "Encoder blocks.", **COUNT)
    num_heads: int = param(3, "Encoder attention heads.", **COUNT)
    predictor_dim: int = param(
        72, "Predictor width (V-JEPA: 3/8 of the encoder's, 384 : 1024).", **COUNT
    )
    predictor_depth: int = param(
        2, "Predictor blocks (V-JEPA: half the encoder's, 12 : 24).", **COUNT
    )
    predictor_heads: int = param(3, "Predictor attention heads.", **COUNT)
    frames_per_clip: int = param(
        4, "Consecutive frames per clip (a multiple of tubelet 2).", **AT_LEAST_2
    )
    still_fraction: float = param(
        0.25, "Fraction of clips that repeat one frame (images as video, and the way frames are "
        "encoded at planning time).",
        range=(0, 1)
    )
    steps: int = param(
        1500, "Optimizer steps; 0 saves the seeded initialization untrained.", **AT_LEAST_0
    )
    batch_size: int = param(8, "Clips per step.", **COUNT)
    start_lr: float = param(2e-4, "Learning rate at the first step (V-JEPA: 2e-4).", **AT_LEAST_0)
    lr: float = param(
        6.25e-4, "Peak learning rate after the warm-up (V-JEPA: 6.25e-4).", range=(0, math.inf),
        low_open=True, high_open=True
    )
    final_lr: float = param(1e-6, "End of the cosine decay (V-JEPA: 1e-6).", **AT_LEAST_0)
    warmup_fraction: float = param(
        0.133, "Fraction of the steps spent warming up (V-JEPA: 40 of 300 epochs).",
        range=(0, 1), high_open=True
    )
    weight_decay: float = param(
        0.04, "AdamW weight decay at the start (V-JEPA: 0.04).", **AT_LEAST_0
    )
    final_weight_decay: float = param(
        0.4, "Weight decay at the end of the schedule (0.4).", **AT_LEAST_0
    )
    ema_start: float = param(
        0.998, "Target-encoder momentum at the first step (V-JEPA; V-JEPA 2: 0.99925).",
        range=(0, 1)
    )
    ema_end: float = param(
        1.0, "Target-encoder momentum at the end of the schedule.", range=(0, 1)
    )
    ipe_scale: float = param(
        1.25, "Schedules (cosine, weight decay, momentum) span ipe_scale x steps (V-JEPA: 1.25).",
        range=(1, math.inf), high_open=True
    )
    mask_short: MaskConfig = dataclasses.field(
        default_factory=lambda: copy.deepcopy(SHORT_RANGE),
        metadata={"description": "Short-range mask (V-JEPA: 8 blocks of 0.15)."},
    )
    mask_long: MaskConfig = dataclasses.field(
        default_factory=lambda: copy.deepcopy(LONG_RANGE),
        metadata={"description": "Long-range mask (V-JEPA: 2 blocks of 0.7)."},
    )
    per_sample_masks: bool = param(
        False, "Draw every sample's mask rectangles on its own (the official collator) instead "
        "of one mask for the whole batch."
    )
    random_resize_scale: list[float] = param(
        [1.0, 1.0], "Area range of the random resized crop, one box per clip (V-JEPA: [0.3, "
        "1.0]); [1.0, 1.0] turns the crop off."
    )
    random_resize_aspect_ratio: list[float] = param(
        [0.75, 1.35], "Width / height range of the crop box (V-JEPA: [0.75, 1.35])."
    )
    random_horizontal_flip: bool = param(
        False, "Mirror half of the clips left-right (V-JEPA's video transform: on)."
    )
    variance_weight: float = param(
        0.0, "BEYOND THE PAPER (off: 0): weight of VICReg's variance term on the context "
        "encoder's tokens (pretrain_regularizer.py).",
        **AT_LEAST_0
    )
    covariance_weight: float = param(
        0.0, "BEYOND THE PAPER (off: 0): weight of VICReg's covariance term on the context "
        "encoder's tokens.",
        **AT_LEAST_0
    )
    target_layer_norm: bool = param(
        True, "Layer-norm (no affine) the target encoder's tokens before the L1 loss, as V-JEPA "
        "always does (app/vjepa/train.py forward_target); false = ablation: raw targets."
    )
    clip_grad: float = param(
        10.0, "Gradient-norm clip (V-JEPA configs: 10), of the encoder's and the predictor's "
        "gradients each on its own, from the first step after the warm-up (app/vjepa/train.py); "
        "0 disables.", zero_off="clipping", **AT_LEAST_0
    )
    monitor_frames: int = param(64, "Frames the collapse monitors are computed on.", **AT_LEAST_2)
    monitor_every: int = param(100, "Steps between collapse-monitor evaluations.", **COUNT)
    floor_feature_std: float = param(
        0.5, "Warn when feature_std falls below this x its start.", range=(0, 1)
    )
    floor_effective_rank: float = param(
        0.5, "Warn when effective_rank falls below this x its start.", range=(0, 1)
    )
    floor_pairwise_distance: float = param(
        0.5, "Warn when pairwise_distance (energy between frames) falls below this x its start.",
        range=(0, 1)
    )
    seed: int = param(0, "Seed of the initialization (encoder and predictor weights); also of "
                      "the batches and masks while data_seed is null.", range=SEED_RANGE)
    data_seed: int | None = param(
        None, "Seed of the batches (clip order, still clips, crops) and masks; null: seed. "
        "Apart from seed, it tells the initialization's part in a result from the data's."
    )

    def _check_masks_leave_context(self) -> None:
        """Refuse a token grid too small to mask, or a mask some of whose draws cover it all.

        The masks' rectangles on the ``img_size / patch_size`` grid: a block size that covers
        the whole grid (at the top of the ``spatial_scale`` range, for some aspect ratio), or
        blocks that cover it on nearly every draw, leave nothing to predict from: a failure
        otherwise met mid-way through the run, its steps unsaved (breaker40d, breaker50c;
        ``pretrain_mask_check.mask_problem``).
        """
        names = ("mask_short", "mask_long")
        side = self.img_size // self.patch_size
        if side < 2:
            passing = finer_patches(self.img_size, self.patch_size,
                                    [getattr(self, name) for name in names])[:1]
            example = f" (e.g. patch_size {passing[0][0]}: a {passing[0][1]}x{passing[0][1]} " \
                "grid)" if passing else ""
            raise ValueError(f"PretrainConfig.patch_size {self.patch_size} leaves a {side}x{side} "
                             f"token grid of img_size {self.img_size}, too small to mask: at "
                             f"least 2x2 (a smaller patch_size{example}, or a larger img_size)")
        for name in names:
            spec = getattr(self, name)
            if mask_passes(spec.num_blocks, spec.spatial_scale, spec.aspect_ratio, side):
                continue
            others = [getattr(self, other) for other in names if other != name]
            finer = finer_patches(self.img_size, self.patch_size, others)
            raise ValueError(mask_problem(
                f"PretrainConfig.{name}", spec.num_blocks, spec.spatial_scale, spec.aspect_ratio,
                side, f"img_size {self.img_size} / patch_size {self.patch_size}", finer))

    def __post_init__(self):
        check_values(self, "PretrainConfig.")  # every declared range (param's range=)
        for name in ("mask_short", "mask_long"):
            getattr(self, name).check(f"PretrainConfig.{name}.")
        check_crop_ranges(self.random_resize_scale, self.random_resize_aspect_ratio,
                          "PretrainConfig.")
        if self.img_size % self.patch_size:
            raise ValueError(f"PretrainConfig.img_size {self.img_size} is not a multiple of "
                             f"patch_size {self.patch_size}")
        self._check_masks_leave_context()
        for width, heads in (("embed_dim", "num_heads"), ("predictor_dim", "predictor_heads")):
            problem = head_problem(getattr(self, width), getattr(self, heads), width,
                                   heads)  # as train's predictor: else it fails in the RoPE
            if problem:
                raise ValueError(f"PretrainConfig.{problem}")
        if self.frames_per_clip % 2:
            raise ValueError("PretrainConfig.frames_per_clip must be a positive multiple of the "
                             f"tubelet size 2, got {self.frames_per_clip}")
        # the schedule: warm-up start_lr -> lr, cosine lr -> final_lr; momentum ema_start -> end
        for name in ("start_lr", "final_lr"):
            if getattr(self, name) > self.lr:
                raise ValueError(f"PretrainConfig.{name} {getattr(self, name):g} is above the "
                                 f"peak lr {self.lr:g}: the schedule rises from start_lr to lr, "
                                 "then falls to final_lr")
        if self.ema_start > self.ema_end:
            raise ValueError(f"PretrainConfig.ema_start {self.ema_start:g} is above ema_end "
                             f"{self.ema_end:g}: the target-encoder momentum rises to ema_end")
        problem = run_problem(self)  # a run that trains nothing, or overflows its schedules
        if problem:
            raise ValueError(f"PretrainConfig.{problem}")
        if self.data_seed is not None and (isinstance(self.data_seed, bool)
                                           or not isinstance(self.data_seed, int)):
            raise ValueError(f"PretrainConfig.data_seed must be an integer or null (null: seed), "
                             f"got {self.data_seed!r}")
        if self.data_seed is not None:
            check_range("PretrainConfig.data_seed", self.data_seed, SEED_RANGE)

    @property
    def batch_seed(self) -> int:
        """The seed of the batches and masks: ``data_seed``, or ``seed`` when that is None."""
        return self.seed if self.data_seed is None else self.data_seed

    def crops(self) -> bool:
        """Whether :meth:`augment` cuts anything the encoder's central crop would not.

        Off (the default: ``random_resize_scale`` [1, 1] and ``random_resize_aspect_ratio``
        the DROID crop's [0.75, 1.35]), every frame is seen at ``img_size`` through the one
        central crop (``models.preprocess``), so ``vjepa-ros pretrain`` keeps larger frames at
        that size from the start (a flip alone mirrors them alike). On, a box is cut from each
        frame as recorded, which is kept: a random box (scale below 1), or at scale [1, 1] the
        central crop clamped into another aspect ratio range ([1, 1]: a 640x480 frame's central
        square, which the frame squashed to a square at load would no longer hold). At scale
        [1, 1] a ``ClipAugment`` of DROID's range (``models.crop_range``) cuts what
        ``preprocess_frames`` cuts. Torch-free.
        """
        from vjepa_ros.models.crop_range import DROID_ASPECT_RATIO_RANGE

        return (list(self.random_resize_scale) != [1.0, 1.0]
                or tuple(self.random_resize_aspect_ratio) != DROID_ASPECT_RATIO_RANGE)

    def augment(self) -> ClipAugment | None:
        """Return the clip augmentation these settings ask for, or None (no crop, no flip)."""
        if not self.crops() and not self.random_horizontal_flip:
            return None
        from vjepa_ros.train.pretrain_augment import ClipAugment  # torch

        return ClipAugment(tuple(self.random_resize_scale),
                           tuple(self.random_resize_aspect_ratio), self.random_horizontal_flip)

    @property
    def floors(self) -> dict[str, float]:
        from vjepa_ros.train.collapse import MONITORS  # torch

        return {name: getattr(self, f"floor_{name}") for name in MONITORS}


def load_pretrain_config(path: str | Path | None = None, **overrides) -> PretrainConfig:
    """Return the :class:`PretrainConfig` of YAML file ``path`` (None: the defaults) + overrides.

    Settings not in the file keep their defaults. Raises ``ConfigError`` (a ValueError) naming
    the file or the setting for an unreadable file, an unknown key or a wrong type, and
    ValueError for impossible values (``PretrainConfig.__post_init__``).
    """
    settings = read_yaml_mapping(path, "pretraining settings") if path else {}
    try:
        _check_masks(settings)
        return from_dict(PretrainConfig, {**_mask_defaults(settings), **overrides})
    except ValueError as exc:  # from a file: its key path (lr), as train and reach name theirs
        text = str(exc)
        raise type(exc)(f"{path}: {text.removeprefix('PretrainConfig.')}" if path else text
                        ) from None


def _mask_defaults(settings: dict) -> dict:
    """Return ``settings`` with a partial mask filled from its own mask's defaults.

    ``mask_long: {spatial_scale: [0.5, 0.5]}`` keeps ``mask_long``'s 2 blocks: built on its own
    it took ``MaskConfig``'s generic defaults, the short-range mask's 8 (breaker40d).
    """
    nested = unflatten(dict(settings))
    for name, default in (("mask_short", SHORT_RANGE), ("mask_long", LONG_RANGE)):
        given = nested.get(name)
        if isinstance(given, dict):
            nested[name] = {**dataclasses.asdict(default), **given}
    return nested


def _check_masks(settings: dict) -> None:
    """Refuse a mask value out of range naming its mask: ``PretrainConfig.mask_long.num_blocks``.

    ``from_dict`` builds each :class:`MaskConfig` on its own, whose own check could only say
    ``MaskConfig.num_blocks``. Wrong types and unknown keys are left to ``from_dict``.
    """
    for name, given in unflatten(dict(settings)).items():
        if name not in ("mask_short", "mask_long") or not isinstance(given, dict):
            continue
        try:
            from_dict(MaskConfig, given, prefix=f"{name}.")
        except ConfigError:
            pass  # said by from_dict(PretrainConfig), the key named
        except ValueError as exc:
            raise ValueError(str(exc).replace("MaskConfig.", f"PretrainConfig.{name}.", 1)
                             ) from None
