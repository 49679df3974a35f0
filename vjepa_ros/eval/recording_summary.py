"""The ``recording`` part of eval's report: what was read from a bag, torch-free.

Shared by ``vjepa-ros eval`` (``evaluate.build_report``) and ``vjepa-ros inspect``, which prints
the same lines without loading a model (``report.bag_lines``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vjepa_ros.recordings.dropped_steps import median_rate_hz
from vjepa_ros.recordings.recording import Recording
from vjepa_ros.recordings.resample import Steps


def _range(values: np.ndarray) -> dict:
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return {"min": None, "max": None, "mean": None}
    return {"min": float(values.min()), "max": float(values.max()),
            "mean": float(values.mean())}


def describe_recording(recording: Recording, steps: Steps | None,
                       step_notes: list[str] = ()) -> dict:
    """Return the report's ``recording`` part; ``notes``: the input's, then ``step_notes``.

    ``steps``: the steps on eval's grid (``resample.Steps``); None (no step eval could plan:
    ``vjepa-ros inspect`` says why instead): the grid's counts are left out.
    """
    described = {
        "path": str(recording.path),
        "absolute_path": str(Path(recording.path).expanduser().absolute()),
        "storage": recording.storage,
        "compression": recording.compression,
        "duration_s": recording.duration_s,
        "image_topic": recording.image_topic,
        "image_type": recording.image_type,
        "frames": int(len(recording.image_times)),
        "frame_rate_hz": median_rate_hz(recording.image_times),  # None: under 2 times
        "state_source": recording.state_source,
        "state_topic": recording.state_topic,
        "states": int(len(recording.state_times)),
        "state_rate_hz": median_rate_hz(recording.state_times),
        "gripper_source": recording.gripper_source,
        "gripper_topics_searched": list(recording.gripper_searched),
        "gripper_closedness": _range(recording.states[:, 6]),
        "notes": [*recording.notes, *step_notes],
    }
    if steps is None:
        return described
    return described | {
        "grid_steps": int(len(steps)),
        "valid_steps": int(steps.valid.sum()),
        "dropped_steps": dict(steps.dropped),
        # measured: the furthest a valid step's frame lies from its grid time [s]
        "largest_frame_offset_s": float(np.abs(steps.frame_times - steps.grid_times)[
            steps.valid].max(initial=0)) / 1e9,
    }


