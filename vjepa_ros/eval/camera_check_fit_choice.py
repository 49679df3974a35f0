"""The camera check's choice of fit: the yaw about base z, or the full 3-D rotation.

The motions decide (:func:`fit_choice`): all three axes spanned, or a plane other than the
table's, get the full rotation; tabletop motions get it only when they show more than a yaw
(a tilt seen beyond their scatter), else the yaw, which keeps z. Used by
``camera_check.check_motions``.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from vjepa_ros.eval.camera_check_noise import richer_fit_observed
from vjepa_ros.eval.camera_check_rotation import mirrored_fit
from vjepa_ros.eval.camera_check_stats import unit_directions

# The base motions span all three axes when the smallest singular value of the stacked unit
# directions is at least this fraction of the largest; then the full rotation is recommended.
# Below it, in the table's plane, the motions decide by what they show, not by this share
# (:func:`fit_choice`: 48 tabletop motions and a lift saw no tilt that 32 and the lift saw).
SPAN_3D = 0.3
# Motions in a plane get the yaw about base z when the plane's normal lies within this angle of z
# (a tabletop's x-y motions); in another plane (x-z: y never moved) the yaw is no rotation within
# the plane: a 40° pitch of the model's frame left it at 0° ("placement fine" with 40° RMS), so
# the full rotation, which two directions determine, is fitted instead.
PLANE_YAW_DEG = 30.0


def horizontal_plane(executed: np.ndarray) -> bool:
    """Return True when the executed directions' plane is about horizontal (:data:`PLANE_YAW_DEG`).

    The plane's normal is the direction of the smallest singular value of the unit directions.
    """
    normal = np.linalg.svd(unit_directions(executed))[2][-1]
    return abs(float(normal[2])) >= math.cos(math.radians(PLANE_YAW_DEG))


def fit_choice(m_b: np.ndarray, m_m: np.ndarray, residual: dict, span: np.ndarray,
                executed: np.ndarray, confidence: float):
    """Return (full fit?, the reflections' fit by ``yaw_only``, cached): yaw or full rotation.

    The full rotation when the motions span all three axes (:data:`SPAN_3D`) or a plane other
    than the table's (:data:`PLANE_YAW_DEG`). Motions mostly in the table's plane get it when
    the motions show more than a yaw: the best full rotation or 3-D reflection (3 parameters)
    explains them better than the best yaw or in-plane reflection (1), beyond the motions'
    scatter (``camera_check_noise.richer_fit_observed`` at ``confidence``): a tilt of the
    model's frame seen in the inferred motions' out-of-plane components, or in what the lifts
    present are inferred as, however few among the tabletop motions. Else the yaw, which
    keeps z (an in-plane reflection and a tilt of 180° explain tabletop motions alike).
    ``m_b``/``m_m`` [N, 3]: the executed / inferred motions with an inferred length;
    ``residual``: the RMS angles [deg] of ``"yaw"`` and ``"full"``.
    """

    @functools.cache  # each fit once, whoever asks for it first
    def mirrors(yaw_only: bool):
        return mirrored_fit(m_b, m_m, yaw_only=yaw_only)

    if span[2] >= SPAN_3D * span[0] or not horizontal_plane(executed):
        return True, mirrors
    if len(m_b) < 2:
        return False, mirrors
    planar = min(residual["yaw"], mirrors(True)[1])
    spatial = min(residual["full"], mirrors(False)[1])
    return richer_fit_observed(planar, 1, spatial, 3, len(m_b), confidence), mirrors
