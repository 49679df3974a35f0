"""The ``model.*`` parameters of the ``vjepa_planner`` node: checkpoint, device, crop, threads.

Part of :class:`vjepa_ros.robot.planner_config.PlannerNodeConfig` (no rclpy, no torch here).
"""

from __future__ import annotations

import dataclasses
import math

from vjepa_ros.config import param
from vjepa_ros.models.device_names import check_device_and_dtype
from vjepa_ros.threads import MAX_THREADS


@dataclasses.dataclass
class ModelParams:
    checkpoint: str = param(
        "", "V-JEPA 2-AC checkpoint: Meta's vjepa2-ac-vitg.pt, a file written by vjepa-ros "
        "train, or demo (the packaged demo world model); required."
    )
    encoder_key: str = param(
        "encoder", "Checkpoint entry holding the encoder: encoder (as torch.hub) or "
        "target_encoder."
    )
    device: str = param("", "Torch device: cpu, cuda, cuda:1; empty: cuda when available.")
    dtype: str = param(
        "", "Model dtype: float32, bfloat16 or float16 (aliases fp32, bf16, half); empty: "
        "bfloat16 on CUDA, float32 on CPU."
    )
    aspect_ratio_min: float = param(
        0.0, "Preprocessing: frames narrower than this w/h are centre-cropped to it, in [0.1, 1]; "
        "0 (with aspect_ratio_max 0): the crop the model file records its training used "
        "(vjepa-ros train), else DROID's 0.75 .. 1.35.",
        range=(0, 1)
    )
    aspect_ratio_max: float = param(
        0.0, "Preprocessing: frames wider than this w/h are centre-cropped to it, in [1, 10]; 0 "
        "(with aspect_ratio_min 0): as aspect_ratio_min.",
        range=(0, 10)
    )
    encoder_args: str = param(
        "", "Official encoder hyper-parameters for a file that matches no preset, as a YAML/JSON "
        "mapping, e.g. '{num_heads: 16, num_frames: 64}'; empty: read from the file."
    )
    predictor_args: str = param(
        "", "Official AC predictor hyper-parameters for a file that matches no preset, as a "
        "YAML/JSON mapping, e.g. '{num_heads: 16}'; empty: read from the file."
    )
    compile_predictor: bool = param(
        False, "Compile the AC predictor's blocks with torch.compile (fused kernels; off: the "
        "official code's arithmetic). Measured on an H200 at the paper settings: 2.97 s instead "
        "of 4.20 s per plan. The first plan, and the first after a new sample count, compile "
        "(seconds); rounding differs from eager, so plans are not bit-identical; needs Triton "
        "on CUDA, a C++ compiler on CPU."
    )
    threads: int = param(
        0, "CPU threads torch uses for encoding and planning; 0: OMP_NUM_THREADS when set, else "
        "all cores but one (at least 1), so the node's callbacks keep a core (set-points, "
        "frames, services).",
        range=(0, MAX_THREADS)
    )
    gil_switch_interval_s: float = param(
        1e-4, "Python's GIL switch interval in this process [s] (sys.setswitchinterval; Python's "
        "own default 0.005): how long the planning thread may wait for the GIL after each torch "
        "op while callbacks run; 0: Python's default (the process's interval when its first "
        "planner started, 0.005 unless the program set another); planners alive in one process "
        "run at the smallest of theirs (a warning says so); the one found is set back when the "
        "last ends.", range=(0, 0.1)
    )

    def __post_init__(self):
        self.hyper_parameters()  # a malformed mapping fails at start-up, naming the parameter
        # the names only (torch knows whether the device is here): before torch loads
        check_device_and_dtype(self.device, self.dtype, ("model.device", "model.dtype"))
        crop = (self.aspect_ratio_min, self.aspect_ratio_max)
        in_ranges = 0.0 <= crop[0] <= 1.0 and 0.0 <= crop[1] <= 10.0  # else: the range's words
        if in_ranges and crop != (0.0, 0.0) and not (0.1 <= crop[0] <= 1.0 <= crop[1]):
            raise ValueError(
                f"model.aspect_ratio_min/max {crop[0]:g}, {crop[1]:g}: give both (min in [0.1, "
                "1], max in [1, 10]) or leave both 0 (the model file's crop, else DROID's "
                "0.75 .. 1.35)")
        interval = self.gil_switch_interval_s
        if not (math.isfinite(interval) and 0.0 <= interval <= 0.1):
            raise ValueError(f"model.gil_switch_interval_s must be between 0 (Python's default) "
                             f"and 0.1 s, got {interval!r}")

    def aspect_ratio_range(self) -> tuple[float, float] | None:
        """Return the (min, max) crop the parameters give; None when both are 0 (the defaults).

        None: ``load_world_model`` takes the crop the model file records (its training's), else
        DROID's. A value is a choice even when it is DROID's: 0.75, 1.35 given crop so against a
        file trained on other crops (with the node's warning; review31).
        """
        given = (self.aspect_ratio_min, self.aspect_ratio_max)
        return None if given == (0.0, 0.0) else given

    def hyper_parameters(self) -> dict:
        """Return ``{"encoder": {...}, "predictor": {...}}`` for ``load_world_model``.

        Raises ValueError naming the parameter when a string is not a mapping.
        """
        from vjepa_ros.models.official_names import parse_hyper_parameters

        return {kind: parse_hyper_parameters(getattr(self, f"{kind}_args"), f"model.{kind}_args")
                for kind in ("encoder", "predictor")}
