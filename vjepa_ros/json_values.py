"""Values made strict JSON: the one converter of every report a command writes.

``vjepa-ros eval``'s ``report.json``, ``camera-check``'s report and ``train``'s ``log.json`` hold
numpy numbers and arrays and may hold NaN or inf (an undefined cosine, a diverged loss); strict
JSON has neither, so each report passes through :func:`json_safe` before ``json.dumps(...,
allow_nan=False)``.
"""

from __future__ import annotations

import math

import numpy as np


def json_safe(value):
    """Return the value with NaN/inf floats replaced by None (strict JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    return value
