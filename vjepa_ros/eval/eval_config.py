"""Settings of the offline evaluation (``vjepa-ros eval``), torch-free.

Kept apart from ``evaluate.py`` (torch) so that the command checks its options before anything
heavy is imported.
"""

from __future__ import annotations

import dataclasses
import math

from vjepa_ros.config import check_given, param
from vjepa_ros.recordings.step_rates import MAX_STATE_GAP_S, rate_problem

# Grid points per axis of the energy landscape: points² action sequences are rolled out and kept
# ([G, H, 7] float32), 101² = 10201, about the predictor work of one paper-preset planning step
# (8000). 100000 once planned every step, then asked torch for 280 GB and ended with its raw
# allocator message.
LANDSCAPE_POINTS_MAX = 101


@dataclasses.dataclass
class EvalConfig:
    rate_hz: float = param(4.0, "Model step rate [Hz] the recording is resampled to (DROID: 4).")
    goal_offset: int = param(
        0, "Goal = the frame this many steps after the current one, at least the planner's "
        "horizon (above it the executed sequence stops short of the goal frame: a note says "
        "so); 0: the planner's horizon."
    )
    max_steps: int = param(0, "Evaluate at most this many steps (0: all).")
    min_motion_m: float = param(
        0.002, "Executed motions below this [m] are left out of sign agreement and cosine.",
        range=(0, 0.2)  # one step: as safety.max_step_m; above it every motion is left out
    )
    max_frame_offset_s: float = param(
        0.0, "Largest distance [s] between a step's grid time and its frame; 0: half a step."
    )
    max_state_gap_s: float = param(
        0.1, "Largest span [s] between the two recorded states a step's state is interpolated "
        "from; a longer gap drops the step (0.1: a state stream at 10 Hz or faster).",
    )
    start_s: float = param(0.0, "Evaluate from this time [s] after the bag's first message.")
    end_s: float = param(0.0, "Evaluate up to this time [s] after the bag's first message; 0: "
                         "its end.")
    landscape_points: int = param(
        11, "Grid points per axis of the Δx/Δz energy landscape: 0 (no landscape) or "
        f"2..{LANDSCAPE_POINTS_MAX}."
    )
    landscape_step: int = param(-1, "Step of the energy landscape; -1: the first evaluated step.")
    encode_batch: int = param(8, "Frames per encoder call.")
    seed: int = param(0, "Seed of the planner's sampling noise.")

    def check(self) -> EvalConfig:
        if rate_problem("rate_hz", self.rate_hz):
            raise ValueError(rate_problem("rate_hz", self.rate_hz))
        for name in ("goal_offset", "max_steps", "landscape_points"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        check_given(EvalConfig, {"min_motion_m": self.min_motion_m})  # its declared range
        if not 0 < self.max_state_gap_s <= MAX_STATE_GAP_S:
            raise ValueError(
                f"max_state_gap_s must be a time > 0 and at most {MAX_STATE_GAP_S:g} s, got "
                f"{self.max_state_gap_s:g}" + (
                    f": states further apart than {MAX_STATE_GAP_S:g} s do not show the arm's "
                    "path between them; record the states faster"
                    if self.max_state_gap_s > MAX_STATE_GAP_S else ""))
        for name in ("start_s", "end_s"):
            if not 0 <= getattr(self, name) < math.inf:
                raise ValueError(f"{name} must be a finite time >= 0 [s] from the bag's start, "
                                 f"got {getattr(self, name)}")
        if self.end_s and self.end_s <= self.start_s:
            raise ValueError(f"end_s ({self.end_s:g} s) must be after start_s "
                             f"({self.start_s:g} s), or 0 for the bag's end")
        if self.landscape_points == 1 or self.landscape_points > LANDSCAPE_POINTS_MAX:
            raise ValueError(
                f"landscape_points must be 0 (none) or 2..{LANDSCAPE_POINTS_MAX}, got "
                f"{self.landscape_points}: the landscape rolls out points x points action "
                f"sequences ({LANDSCAPE_POINTS_MAX}: {LANDSCAPE_POINTS_MAX ** 2}, about one "
                "paper-preset planning step)"
            )
        if self.encode_batch < 1:
            raise ValueError(f"encode_batch must be >= 1, got {self.encode_batch}")
        return self


def goal_offset_problem(goal_offset: int | None, horizon: int, source: str = "") -> str:
    """Return why a goal frame ``goal_offset`` steps ahead is refused ("" when it is not).

    ``goal_offset``: ``EvalConfig.goal_offset`` (0: the horizon) or None when a goal image is
    given; ``horizon``: ``CEMConfig.horizon``; ``source``: where a horizon the user did not set
    comes from (``preset 'notebook'``: ``the planner horizon 2 (the CEMConfig.horizon of preset
    'notebook')``; "": ``the planner horizon CEMConfig.horizon 2``). A goal nearer than the horizon
    is refused: the executed sequence the energy scores (H frame-to-frame actions) would run
    past the goal frame, and README defines no meaning for it (breaker50b). A further one is
    kept (the paper plans toward sub-goals several steps away) with :func:`goal_offset_note`.
    """
    if not goal_offset or goal_offset >= horizon:
        return ""
    named = (f"{horizon} (the CEMConfig.horizon of {source})" if source
             else f"CEMConfig.horizon {horizon}")
    return (f"goal_offset {goal_offset} is below the planner horizon {named}: the executed "
            f"sequence of {horizon} steps would run past the goal frame; give a goal_offset of "
            f"at least {horizon} (0: the horizon), or a CEMConfig.horizon of at most "
            f"{goal_offset}")


def goal_offset_note(goal_offset: int | None, horizon: int) -> str:
    """Say that the executed sequence stops short of a goal frame beyond the horizon ("" if not).

    ``goal_offset``, ``horizon`` as :func:`goal_offset_problem`. The executed sequence is the
    recording's H frame-to-frame actions from frame k (as the model was trained, one step
    period each), so it ends at frame k + H: the goal frame only when ``goal_offset`` is the
    horizon (or 0); above it, its energy is not 0 even where the arm reached the goal frame, and
    ``planned <= executed`` compares two H-step motions toward a goal neither has to reach
    (breaker52b).
    """
    if not goal_offset or goal_offset <= horizon:
        return ""
    short = goal_offset - horizon
    return (f"goal_offset {goal_offset} is above the planner horizon CEMConfig.horizon "
            f"{horizon}: the executed sequence the energies score is the recording's {horizon} "
            f"step(s) from frame k, ending at frame k + {horizon}, {short} step(s) short of the "
            f"goal frame k + {goal_offset}: energy_executed is not 0 even where the arm reached "
            f"the goal frame, and planned <= executed compares two {horizon}-step motions toward "
            "a goal neither has to reach; for a sequence that ends at the goal frame give "
            f"goal_offset 0 (the horizon) or a CEMConfig.horizon of {goal_offset}")
