"""Poses [7] (xyz [m], xyz Euler [rad], closedness) moved by hand for the jump-rule tests.

:func:`moved`: a pose moved by dx, dy, dz and turned by dyaw. First written for breaker40f.
"""

import numpy as np


def moved(pose, dx=0.0, dy=0.0, dz=0.0, dyaw=0.0):
    """Return ``pose`` [7] moved by dx, dy, dz [m] and turned by dyaw [rad]."""
    out = np.array(pose, dtype=np.float64)
    out[:3] += [dx, dy, dz]
    out[5] += dyaw
    return out
