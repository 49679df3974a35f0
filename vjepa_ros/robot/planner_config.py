"""Parameters of the ``vjepa_planner`` node as typed dataclasses (no rclpy here).

``config/planner.yaml`` holds the same names and defaults; ``ros2 param describe`` shows the
descriptions. ``planner.*`` mirrors :class:`vjepa_ros.planning.config.CEMConfig` with ROS-friendly
types: ``close_gripper`` −1, ``early_stop_patience`` 0 and ``chunk_size`` 0 mean None, and
``seed`` −1 draws a random seed.
"""

from __future__ import annotations

import dataclasses
import math
import re
import warnings

from vjepa_ros.config import check_values, param
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.models.device_names import check_device_and_dtype
from vjepa_ros.planning.config import (
    PRESETS,
    CEMConfig,
    FrozenMeanWarning,
    close_gripper_step,
    horizon_warning,
)
from vjepa_ros.planning.method_reads import METHODS, idle_fields
from vjepa_ros.planning.methods import ICEMSettings, MPPISettings, RefineSettings
from vjepa_ros.planning.setting_ranges import node_range
from vjepa_ros.planning.settings_check import check_fields
from vjepa_ros.robot.camera_check_limits import settings_problem
from vjepa_ros.robot.camera_check_motions import CheckMotionConfig, motion_directions
from vjepa_ros.robot.camera_check_trial import CheckTrialConfig, leash_problem
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
from vjepa_ros.robot.kinematics import RobotConfig
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.stream_jerk import stream_accel_problem, stream_jerk_problem
from vjepa_ros.threads import MAX_THREADS

IMAGE_TRANSPORTS = ("raw", "compressed")


def _group(cls):
    return dataclasses.field(default_factory=cls)


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


_NOTEBOOK = CEMConfig()  # the official notebook wrapper's settings (momenta, clips, ...)
# Defaults of horizon, samples and maxnorm: the paper's robot runs (H 1 converges where the
# notebook's H 2 stops short, see planning.config.horizon_warning); config/planner_notebook.yaml
# holds the notebook's.
_PAPER = PRESETS["paper"]


@dataclasses.dataclass
class CEMParams:
    horizon: int = param(_PAPER.horizon, "Actions per imagined rollout. 1 (paper) converges; "
                         ">= 2 scores only the plan's end and stops short (notebook: 2).",
        **node_range("horizon"))
    samples: int = param(
        _PAPER.samples, "Action sequences per CEM iteration (notebook: 400); at most 100000, "
        "125 times the paper's 800 (headroom for a big GPU; more is a typo that would exhaust "
        "memory).",
        **node_range("samples"))  # and what does not fit in memory: refused at start-up
    topk: int = param(
        _NOTEBOOK.topk, "Elites that refit the search distribution (paper: 10); fewer than "
        "samples, and at most 10000 (a tenth of the most samples). Under mppi (no refit): the "
        "k lowest energies averaged into the reported elite energy.",
        **node_range("topk"))  # and fewer than samples (CEMConfig)
    iterations: int = param(_NOTEBOOK.iterations, "CEM iterations per replanning step.",
        **node_range("iterations"))
    maxnorm: float = param(
        _PAPER.maxnorm, "xyz search: initial std and per-axis clip [m] (notebook: 0.05).",
        **node_range("maxnorm")
    )
    gripper_clip: float = param(_NOTEBOOK.gripper_clip, "Gripper deltas are clipped to ±this.",
        **node_range("gripper_clip"))
    gripper_init_std: float = param(_NOTEBOOK.gripper_init_std, "Initial gripper delta std.",
        **node_range("gripper_init_std"))
    momentum_mean: float = param(
        _NOTEBOOK.momentum_mean, "Momentum of the xyz mean update (methods cem and icem; mppi "
        "refits nothing). 1: the xyz mean never leaves its start (warned at start-up).",
        **node_range("momentum_mean"))
    momentum_std: float = param(
        _NOTEBOOK.momentum_std, "Momentum of the xyz std update (methods cem and icem).",
        **node_range("momentum_std"))
    momentum_mean_gripper: float = param(
        _NOTEBOOK.momentum_mean_gripper, "Momentum of the gripper mean update (methods cem and "
        "icem). 1: the gripper mean never leaves its start (warned at start-up).",
        **node_range("momentum_mean_gripper")
    )
    momentum_std_gripper: float = param(
        _NOTEBOOK.momentum_std_gripper, "Momentum of the gripper std update (methods cem and "
        "icem).",
        **node_range("momentum_std_gripper")
    )
    gripper_round_threshold: float = param(
        _NOTEBOOK.gripper_round_threshold, "Planned gripper deltas below this become 0.",
        **node_range("gripper_round_threshold")
    )
    close_gripper: int = param(
        -1,
        "From this rollout step (below horizon) on the gripper delta is forced to 1; -1: never. "
        "Off under goals.gripper subgoal or hold (the delta stays 0).",
        **node_range("close_gripper", none_as=-1)  # a rollout step below horizon
    )
    search_rotation: bool = param(
        _NOTEBOOK.search_rotation, "Also search rotation deltas (beyond the published planner)."
    )
    rotation_maxnorm: float = param(
        _NOTEBOOK.rotation_maxnorm, "Rotation search std and clip [rad] (search_rotation).",
        **node_range("rotation_maxnorm")
    )
    energy: str = param(_NOTEBOOK.energy, "Energy: l1 (published) or l2.")
    warm_start: bool = param(
        _NOTEBOOK.warm_start, "Start each plan from the previous mean shifted by one step "
        "(method cem; icem and mppi: their shift_warm_start)."
    )
    early_stop_patience: int = param(
        0, "Stop after this many iterations without improvement; 0: run all iterations "
        "(method cem; icem and mppi run all).",
        **node_range("early_stop_patience", none_as=0)
    )
    early_stop_rel_tol: float = param(
        _NOTEBOOK.early_stop_rel_tol,
        "Relative energy drop that counts as improvement (method cem).",
        **node_range("early_stop_rel_tol")
    )
    chunk_size: int = param(
        0, "Samples per predictor call (bounds memory); 0: automatic from free memory; at most "
        "100000, the most samples (a larger chunk is all samples in one call). cem and icem plan "
        "the same for any chunk; mppi within the energies' float rounding (README, Planner).",
        **node_range("chunk_size", none_as=0)
    )
    seed: int = param(0, "Seed of the CEM sampling noise; -1: random.",
                      range=(-1, 2**32 - 1))  # numpy's seeds; torch takes these too
    # -- search method: the published CEM (default), iCEM or MPPI (vjepa_ros/planning/methods.py)
    method: str = param(
        _NOTEBOOK.method, f"Search method, one of {', '.join(METHODS)}: cem = the published "
        "planner; icem (Pinneri et al. 2020), mppi (Williams et al. 2017): README, Planner."
    )
    icem: ICEMSettings = _group(ICEMSettings)
    mppi: MPPISettings = _group(MPPISettings)
    refine: RefineSettings = _group(RefineSettings)  # gradient refinement after any method

    def __post_init__(self):
        """Refuse a value outside its declared range, then settings the planner cannot run.

        Raises ValueError in one line: ``planner.iterations must lie in [1, 1000], got 0``
        (``config.param``'s ``range=``; each field by its annotation first, the planning
        package's one rule, ``settings_check.check_fields``: ``planner.horizon must be an
        integer in [1, 16], got True``; the ``icem`` / ``mppi`` / ``refine`` groups built from a
        mapping of their settings, what ``dataclasses.asdict`` and JSON give back, breaker54i),
        then the planning package's own cross-field checks
        (``CEMConfig.topk (20) must be less than CEMConfig.samples (8)``; the node and commands
        name their parameters and options: ``robot.planner_config.parameter_message``,
        ``cli_options.cem_option_message``).
        """
        close_gripper_step(self.close_gripper, "planner.close_gripper")  # below -1: its words
        check_fields(self, "planner.")
        check_values(self, "planner.")
        self.check_cem()

    def check_cem(self) -> None:
        """Raise ValueError for settings the planning package refuses, as :meth:`to_cem` does.

        A check, not a config planned with: it warns of nothing (a mean momentum of 1 is the
        warning of the :meth:`to_cem` an entry point plans with: ``option_warnings``).
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FrozenMeanWarning)
            self.to_cem()

    def to_cem(self) -> CEMConfig:
        """Return the planning package's config (validated there).

        The settings the method does not read (``planning.method_reads.idle_fields``:
        ``warm_start`` under icem, ``planner.icem.*`` under cem, ...) go over at their defaults,
        which ``CEMConfig`` takes: the node warns of them instead (``robot/idle_parameters.py``).
        A mean momentum of 1 is ``CEMConfig``'s ``FrozenMeanWarning``, which each entry point
        says in its words (``option_warnings.said_warnings``: the commands, the benchmarks, the
        node's :meth:`PlannerNodeConfig.startup_warnings`).
        """
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values.pop("seed")
        values["close_gripper"] = close_gripper_step(self.close_gripper, "planner.close_gripper")
        values["early_stop_patience"] = self.early_stop_patience or None
        values["chunk_size"] = self.chunk_size or None
        for name in idle_fields(self.method):  # the node warns of them (idle_parameters)
            values.pop(name)
        return CEMConfig(**values)

    @classmethod
    def from_cem(cls, cem: CEMConfig, seed: int | None = 0) -> CEMParams:
        """Return the parameters that :meth:`to_cem` turns back into ``cem`` (seed None: -1).

        The inverse of :meth:`to_cem` (None becomes -1 or 0 as the module says). Raises
        ValueError for ``cem.fixed_axes``, which no node parameter holds.
        """
        if cem.fixed_axes:
            raise ValueError(f"CEMConfig.fixed_axes {list(cem.fixed_axes)} has no planner.* "
                             "parameter")
        values = {f.name: getattr(cem, f.name) for f in dataclasses.fields(cls)
                  if f.name != "seed"}
        values["close_gripper"] = -1 if cem.close_gripper is None else cem.close_gripper
        values["early_stop_patience"] = cem.early_stop_patience or 0
        values["chunk_size"] = cem.chunk_size or 0
        return cls(**values, seed=-1 if seed is None else seed)


@dataclasses.dataclass
class CameraCheckParams:
    """The live camera check (``~/camera_check``): its motions, verdict and output."""

    motion: CheckMotionConfig = _group(CheckMotionConfig)
    verdict: CheckThresholds = _group(CheckThresholds)
    trial: CheckTrialConfig = _group(CheckTrialConfig)
    output_dir: str = param(
        "", "Where ~/camera_check writes camera_check.json, camera_check.png and "
        "planner_camera_check.yaml (this node's parameters with the correction); empty: "
        "$ROS_HOME/camera_check (default ~/.ros/camera_check)."
    )

    def __post_init__(self):
        """Refuse verdict thresholds the check's own motions cannot meet (before the arm moves).

        Raises ValueError naming both parameters: ``verdict.min_motion_m`` not below
        ``motion.distance_m`` (no motion would count) or ``verdict.min_motions`` above the number
        of motions the check makes (6; 18 with ``motion.diagonals``, 14 with ``motion.corners``,
        26 with both).
        """
        motion, verdict = self.motion, self.verdict
        if not verdict.min_motion_m < motion.distance_m:
            raise ValueError(
                f"camera_check.verdict.min_motion_m ({verdict.min_motion_m:g} m) must be below "
                f"camera_check.motion.distance_m ({motion.distance_m:g} m): no motion of the "
                "check would count; lower the one or raise the other")
        made = len(motion_directions(motion.diagonals, motion.corners))
        if verdict.min_motions > made:
            raise ValueError(
                f"camera_check.verdict.min_motions ({verdict.min_motions}) exceeds the "
                f"{made} motions the check makes (camera_check.motion.diagonals "
                f"{str(motion.diagonals).lower()}, corners {str(motion.corners).lower()}); "
                "lower it or turn the diagonals or corners on")


@dataclasses.dataclass
class PlannerNodeConfig:
    model: ModelParams = _group(ModelParams)
    planner: CEMParams = _group(CEMParams)
    robot: RobotConfig = _group(RobotConfig)
    control: ControlConfig = _group(ControlConfig)
    safety: SafetyLimits = _group(SafetyLimits)
    goals: GoalSwitchConfig = _group(GoalSwitchConfig)
    camera_check: CameraCheckParams = _group(CameraCheckParams)
    image_transport: str = param(
        "raw", "Type on the 'image' topic: raw (sensor_msgs/Image) or compressed "
        "(sensor_msgs/CompressedImage, JPEG/PNG; remap image to .../image_raw/compressed)."
    )
    goal_image_path: str = param(
        "", "Goal image file (an absolute path: a relative one is the node's working "
        "directory's; or a file:// URI, or a package:// URL of an installed package's share "
        "folder), 32..8192 px a side, long side at most 4x the short one (a truncated or "
        "smaller file is refused); settable at run time (ros2 param set), not while "
        "goal_image_paths holds files. Empty: no file goal (emptying it clears the goal it set)."
    )
    goal_image_paths: list[str] = param(
        [], "Sub-goal image files in order (e.g. pick-and-place), each as goal_image_path; "
        "settable at run time, not while goal_image_path holds a file (set it to '' first); an "
        "empty entry is refused; [] clears the goal they set."
    )
    goal_steps: list[int] = param(
        [], "Executed steps per sub-goal before switching to the next (one per path; for a goal "
        "from ~/capture_goal, ~/add_subgoal or ~/goal_image, one per sub-goal; 0 = no limit, "
        "last one only). Empty: goals.default_steps (a single goal: no limit)."
    )
    goal_gripper: list[float] = param(
        [], "Gripper closedness (0 open .. 1 closed) at each goal image file, one per path, for "
        "goals.gripper subgoal (captured sub-goals carry their own; given, one per sub-goal, it "
        "replaces theirs). Empty: not known (captured: as measured)."
    )

    def __post_init__(self):
        if self.image_transport not in IMAGE_TRANSPORTS:
            raise ValueError(
                f"image_transport must be one of {IMAGE_TRANSPORTS}, got {self.image_transport!r}"
            )
        self.planner.check_cem()  # validate the CEM settings at start-up
        check_values(self)  # each value's range and frame id alone, then the checks across them
        trial, step = self.camera_check.trial, self.safety.max_step_m
        if trial.offset_m > step:
            raise ValueError(
                f"camera_check.trial.offset_m ({trial.offset_m:g} m) must be at most "
                f"safety.max_step_m ({step:g} m): the move to each trial's starting pose is one "
                "step; lower the one or raise the other")
        problem = (settings_problem(self.camera_check.motion, self.safety,
                                    self.control.arrival_tolerance_m, trial,
                                    self.control.arrival_tolerance_rad)
                   or leash_problem(trial, self.safety))
        if problem:
            raise ValueError(problem)
        problem = stream_accel_problem(self.safety.max_accel_m_s2,
                                       self.safety.max_angular_accel_rad_s2, self.robot.model) \
            or stream_jerk_problem(self.control.stream_rate_hz, self.safety.max_accel_m_s2,
                                   self.safety.max_angular_accel_rad_s2, self.robot.model)
        if problem:
            raise ValueError(problem)

    def startup_warnings(self) -> list[str]:
        """Return the warnings the node logs once at start-up (settings known to misbehave).

        A ``planner.momentum_mean`` / ``_gripper`` of 1 under a method that reads it (that part
        of the search mean never moves: the ``FrozenMeanWarning`` :meth:`CEMParams.to_cem`
        raises, ``option_warnings.said_warnings``). Also a
        ``control.model_frame_rpy_deg`` that looks typed in radians (``model_frame_units.
        radians_words``; past ``camera_check.verdict.fine_deg`` or ``control.model_frame_check_
        rpy_deg``'s angles: a check's correction, not said).
        """
        from vjepa_ros.option_warnings import said_warnings
        from vjepa_ros.robot.model_frame_units import radians_words

        frozen: list[str] = []
        with said_warnings(frozen.append):
            cem = self.planner.to_cem()
        return [text for text in (horizon_warning(cem), *map(parameter_message, frozen),
                                  radians_words(
            self.control.model_frame_rpy_deg, self.camera_check.verdict.fine_deg,
            checked_rpy_deg=self.control.model_frame_check_rpy_deg)) if text]


GOAL_PARAMETERS = ("goal_image_path", "goal_image_paths", "goal_steps", "goal_gripper")


def parameter_message(message: str) -> str:
    """Return ``message`` naming the node's parameters instead of the planning settings.

    ``CEMConfig.samples`` -> ``planner.samples``, ``icem.noise_beta`` ->
    ``planner.icem.noise_beta`` (the planning package's own names for the ``planner.*`` group).
    """
    return re.sub(r"(?<![\w.])(?:CEMConfig\.|(?=(?:icem|mppi|refine)\.\w))", "planner.",
                  message)
