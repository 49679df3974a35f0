"""The step rates a recording may be resampled to, and the longest state gap: light, no numpy.

Shared by the resampler (``resample.py``), its hints (``rate_hint.py``, ``dropped_steps.py``) and
the settings that choose a rate or a gap (``vjepa-ros eval``'s ``EvalConfig``, ``vjepa-ros
train``'s ``data.rate_hz`` / ``data.max_state_gap_s``, ``vjepa-ros pretrain --rate``).
"""

from __future__ import annotations

# Step rates [Hz] a recording may be resampled to (DROID and the published models: 4 Hz). Beyond
# the range the grid has no usable step (one step in 10 s) or more steps than any camera has
# frames; an infinite or huge rate once overflowed the grid, a tiny one the int64 stamps.
RATE_RANGE_HZ = (0.1, 100.0)
# Longest gap [s] between two recorded states that a step's state may be interpolated across: a
# state stream at 0.2 Hz or faster. Across a longer gap the straight line between two states is
# no longer the arm's path (a slow 5 cm/s move covers 25 cm in 5 s), so the step's state, and
# the executed motion scored against the plan, would be made up; 1e300 was once accepted.
MAX_STATE_GAP_S = 5.0


def rate_problem(name: str, rate_hz: float) -> str:
    """Say why ``rate_hz`` [Hz] (the setting ``name``) is not a usable step rate ("" if it is)."""
    low, high = RATE_RANGE_HZ
    if low <= rate_hz <= high:  # False for NaN
        return ""
    return f"{name} must be a step rate in {low:g}..{high:g} Hz (DROID: 4), got {rate_hz:g}"
