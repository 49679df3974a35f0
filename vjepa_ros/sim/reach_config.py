"""Settings of reach episodes: the ROS-free loop, ``vjepa-ros reach`` and ``bench_reach.py``.

``config/reach_demo.yaml`` holds the defaults; :func:`load_reach_config` reads it (or another
file) strictly and applies command-line overrides. The planner settings use the planner node's
parameter group (``planner.*``), so the demo, the benchmark and a planner node started with
``-p planner.samples:=...`` search the same way.
"""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path

from vjepa_ros.config import UsageError, check_given, check_values, from_dict, param
from vjepa_ros.image_limits import camera_shape_refusal
from vjepa_ros.models.device_names import check_device_and_dtype
from vjepa_ros.package_files import config_path
from vjepa_ros.path_text import shown_path
from vjepa_ros.planning.methods import check_given_settings_used
from vjepa_ros.robot.cem_params import CEMParams
from vjepa_ros.robot.planner_config import parameter_message
from vjepa_ros.sim.choices import HELD_OUT_SEED_START
from vjepa_ros.sim.config import CAMERA_SIZE_PX, REAL_TIME_FACTOR, SUCCESS_RADIUS, SimConfig
from vjepa_ros.sim.runner import RunnerConfig
from vjepa_ros.threads import MAX_THREADS
from vjepa_ros.yaml_files import read_yaml_mapping

DEMO_MODEL_NAME = "demo_world_model.pt"


@dataclasses.dataclass
class ReachConfig:
    success_radius: float = param(
        0.05, "A reach succeeds when the true TCP is this close [m] to the goal's TCP.",
        **SUCCESS_RADIUS
    )
    max_steps: int = param(15, "Planning steps (commands) before the episode gives up.")
    camera_rate_hz: float = param(
        4.0, "Camera frames per simulated second while the arm moves (the planner's watchdog "
        "needs fresh frames; DROID and V-JEPA 2-AC use 4)."
    )

    def __post_init__(self):
        check_values(self, "episode.")  # episode.success_radius must lie in (0, 0.2] m, got 5.0
        if not (isinstance(self.max_steps, int) and self.max_steps >= 1):
            raise ValueError(f"episode.max_steps must be an integer >= 1, got "
                             f"{self.max_steps!r}")
        if not self.camera_rate_hz >= 2.5:
            raise ValueError(f"episode.camera_rate_hz must be >= 2.5 (the planner holds on "
                             f"frames older than 0.5 s), got {self.camera_rate_hz!r}")


@dataclasses.dataclass
class ReachSimSettings:
    """The simulator's settings of a reach episode; ``vjepa-ros reach`` passes them to sim_node.

    Their ranges are the simulator's (``sim.config.CAMERA_SIZE_PX``, ``REAL_TIME_FACTOR``), so
    that a bad value is refused with the settings file and its key (``ReachDemoConfig``), not
    by the node after start-up.
    """

    width: int = param(128, "Camera image width [px] (the demo model saw 128 px renders).",
                       range=CAMERA_SIZE_PX)
    height: int = param(128, "Camera image height [px].", range=CAMERA_SIZE_PX)
    shadows: bool = param(True, "Render shadows (as the collector's episodes do by default).")
    real_time_factor: float = param(
        1.0, "vjepa-ros reach: simulated seconds per wall second (the nodes run on the "
        "simulator's /clock, so a loaded CPU slows the run down without making inputs stale); "
        "0: as fast as the CPU allows.", range=REAL_TIME_FACTOR
    )


def _demo_planner() -> CEMParams:
    return CEMParams(horizon=1, samples=100, iterations=5, maxnorm=0.05)


@dataclasses.dataclass
class ReachDemoConfig:
    checkpoint: str = param(
        "", "World model file (one vjepa-ros train wrote, or vjepa2-ac-vitg.pt); empty: the "
        "packaged demo world model."
    )
    device: str = param("", "Torch device: cpu, cuda; empty: cuda when available.")
    dtype: str = param("", "float32, bfloat16 or float16; empty: bfloat16 on CUDA, float32 on "
                           "CPU.")
    goal_seed: int = param(
        HELD_OUT_SEED_START, "Seed of the scene and of the goal (held-out seeds start at "
        f"{HELD_OUT_SEED_START})."
    )
    timeout_s: float = param(900.0, "vjepa-ros reach: give up after this many wall seconds.")
    threads: int = param(
        0, "vjepa-ros reach: torch CPU threads for planning; 0: OMP_NUM_THREADS when set, else "
        "all cores but one (the simulator's process, rendering and stepping in real time, "
        "needs about half a core)."
    )
    episode: ReachConfig = dataclasses.field(default_factory=ReachConfig)
    planner: CEMParams = dataclasses.field(default_factory=_demo_planner)
    sim: ReachSimSettings = dataclasses.field(default_factory=ReachSimSettings)

    def __post_init__(self):
        if not (isinstance(self.goal_seed, int) and self.goal_seed >= 0):
            raise ValueError(f"goal_seed must be an integer >= 0 (a scene seed), got "
                             f"{self.goal_seed!r}")
        if not self.timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0 s, got {self.timeout_s!r}")
        if not (isinstance(self.threads, int) and 0 <= self.threads <= MAX_THREADS):
            raise ValueError(f"threads must be an integer in [0, {MAX_THREADS}] (0: the "
                             f"default), got {self.threads!r}")
        self.planner.check_cem()  # validate
        check_device_and_dtype(self.device, self.dtype)  # names only: before torch loads
        self.check_simulator_settings()

    def check_simulator_settings(self) -> None:
        """Refuse what the simulator (``vjepa-ros reach``'s sim_node) would refuse of these.

        Every setting reach passes to sim_node (``sim.*``, ``goal_seed`` as its ``seed``,
        ``episode.camera_rate_hz``) against the node's own ranges (``SimConfig``,
        ``RunnerConfig``), so the refusal names this file's key: ValueError ``sim.width must
        lie in [32, 1024], got 0``, ``goal_seed must lie in [0, 4294967295], got ...``,
        ``sim.width 33 and sim.height 1000: the camera image is 33x1000 px: long side more than
        4 times the short one ...``
        (``image_limits.camera_shape_problem``: frames every plan would refuse).
        """
        check_values(self.sim, "sim.")
        shape = camera_shape_refusal(self.sim.width, self.sim.height,  # the planner's rule
                                     ("sim.width", "sim.height"))
        if shape:
            raise ValueError(shape)
        check_given(SimConfig, {"seed": self.goal_seed}, "goal_")  # named goal_seed
        check_given(RunnerConfig, {"camera_rate_hz": self.episode.camera_rate_hz}, "episode.")


def default_config_file() -> Path:
    return config_path("reach_demo.yaml")


def load_reach_config(path: str | Path | None = None, overrides: dict | None = None
                      ) -> ReachDemoConfig:
    """Read ``config/reach_demo.yaml`` (or ``path``) and apply dotted ``overrides``.

    Unknown keys or wrong types raise :class:`~vjepa_ros.config.ConfigError`; impossible values
    (``max_steps`` 0, ``topk`` > ``samples`` ...) raise ``ValueError``; an override the search
    would not use (``planner.icem.*`` while ``planner.method`` is another, ``planner.refine.lr``
    while ``planner.refine.steps`` is 0, ``planner.warm_start`` or ``planner.early_stop_*``
    while it is not cem) raises ``UsageError`` (``planning.methods.check_given_settings_used``);
    such a key of the file (``planner.momentum_*`` under ``method: mppi`` or a typed ``--method
    mppi``) :class:`UnusedFileSetting` (:func:`check_file_settings_used`).
    A ``planner`` section starts from the demo's search (H 1, maxnorm 0.05), not the node's
    notebook defaults.
    """
    path = Path(path) if path else default_config_file()
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    values = _dotted(read_yaml_mapping(path))
    config = _build({**values, **given})
    check_given_settings_used(config.planner, list(given))
    check_file_settings_used(config.planner, values, path)
    return config


class UnusedFileSetting(UsageError):
    """A settings file's ``planner.*`` key the search would not use; its text names the file.

    Its keys are the file's (``planner.momentum_mean``), not options the user did not type: a
    command prints it as it is (``nodes.reach_demo``), not in its options' words.
    """


def check_file_settings_used(planner: CEMParams, values: dict, path: str | Path) -> None:
    """Refuse a ``planner.*`` key of the file ``path`` that ``planner``'s search would not use.

    ``values``: the file's dotted settings. The rule of the typed options
    (``planning.methods.check_given_settings_used``: ``planner.momentum_*`` under ``method:
    mppi``, ``planner.icem.*`` under another method, ...), for the method the file or an option
    chose. Raises :class:`UnusedFileSetting` (exit status 2), ``FILE: planner.momentum_mean is
    for planner.method cem or icem, ...``.
    """
    try:
        check_given_settings_used(planner, [key for key in values if key.startswith("planner.")])
    except UsageError as exc:
        raise UnusedFileSetting(f"{shown_path(path)}: {exc}") from None


def help_defaults() -> ReachDemoConfig:
    """Return the package's ``config/reach_demo.yaml`` settings, for the defaults ``--help`` shows.

    The built-in ones (``ReachDemoConfig()``) when that file cannot be used: the parsers are
    built for every command, and a missing or broken package file must not stop the command
    that reports it (``vjepa-ros check``: ``config MISSING``); the commands that read the file
    (``run``, ``reach``) still refuse it when they run.
    """
    try:
        return load_reach_config()
    except (OSError, ValueError):  # ConfigError (not found, unreadable, a wrong type) too
        return ReachDemoConfig()


def check_config_file(path: str | Path) -> None:
    """Refuse the user's settings file ``path`` (``--config``) on its own, naming it and the key.

    So that a bad value of the file is not taken for an option the user did not type. Raises
    ``UsageError`` (a file that cannot be read, :func:`~vjepa_ros.yaml_files.read_yaml_mapping`;
    an unknown key: ``reach.yaml: planner.sampels: unknown setting (closest: samples)``),
    ``ConfigError`` (a wrong type) or ValueError (an impossible value: ``reach.yaml:
    planner.samples must lie in [1, 100000], got 0``), :class:`UnusedFileSetting` for a setting
    its search would not use (``reach.yaml: planner.momentum_mean is for planner.method cem or
    icem, ...`` under ``method: mppi``, as the typed option is refused), the planner's settings
    named as the planner node's parameters (``planner.topk``).
    """
    data = _dotted(read_yaml_mapping(path))
    try:
        config = _build(data)
    except ValueError as exc:
        raise type(exc)(f"{shown_path(path)}: {parameter_message(str(exc))}") from None
    check_file_settings_used(config.planner, data, path)


def _build(values: dict) -> ReachDemoConfig:
    """Return the settings of dotted ``values`` over the defaults; raise as load_reach_config."""
    planner = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("planner.")}
    others = {k: v for k, v in values.items() if not k.startswith("planner.")}
    config = from_dict(ReachDemoConfig, others)
    base = dataclasses.asdict(_demo_planner())
    config.planner = from_dict(CEMParams, {**base, **planner}, prefix="planner.")
    config.__post_init__()
    return config


def _dotted(data: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_dotted(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def demo_model_path() -> Path:
    """Where the packaged demo world model lives (it may not exist yet)."""
    return Path(str(resources.files("vjepa_ros") / "data" / DEMO_MODEL_NAME))


def resolve_checkpoint(checkpoint: str = "", option: str = "--checkpoint") -> Path:
    """Return the model path to use: ``checkpoint`` (``~``, ``$NAME`` expanded) or the demo model.

    Raises FileNotFoundError for a missing path (or a missing demo model: its advice names
    ``option``, the command's option that takes a file: ``pass --world-model FILE``), ValueError
    (``user_paths.UnsetVariable``) naming a variable in it that is not set. It only locates: the
    commands check a path the user gave with ``input_paths.world_model_path`` (one line naming
    the option: missing, a folder, unreadable) and the loader reads it.
    """
    from vjepa_ros.user_paths import expand_path

    path = expand_path(checkpoint) if checkpoint else demo_model_path()  # as the node reads it
    if not (path.exists() if checkpoint else path.is_file()):
        if checkpoint:
            raise FileNotFoundError(f"world model file not found: {path}")
        raise FileNotFoundError(
            f"the demo world model is not installed ({path} is missing): train it (README, "
            f"'Demo world model') or pass {option} FILE"
        )
    return path
