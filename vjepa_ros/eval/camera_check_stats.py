"""Statistics of the camera check's motions: what a verdict can rest on (numpy only).

Each executed motion ``b`` (base frame) has the model's inferred motion ``m`` (its frame); a
rotation ``R`` (base → model) turns ``m`` back into the base frame as ``Rᵀ·m``. These functions
measure, per check:

- :func:`direction_errors_deg`: the angle between each executed direction and the inferred one
  (after an optional correction);
- :func:`agreement`: the mean cosine of those angles — the share of a step's length that the
  planner turns into progress toward the goal when it commands the inferred direction (1: all
  of it; 0.5: a 60° error, where an exact model turned by 60° no longer reaches the benchmark's
  goals, README "Camera placement check"; ≤ 0: it moves sideways or away);
- :func:`axis_scale`: per base axis, the inferred length over the executed length of the motions
  along it (a model that does not see motion along the camera's optical axis infers almost
  none there);
- :func:`axis_sign_agreement`, :func:`explained_by_axis`, :func:`explained_by_line`: the
  per-axis (and per-line) numbers ``camera_check.check_motions`` reports and judges;
- :func:`pair_consistency_deg`: for executed motions in opposite directions (+x and −x), the
  angle between one inferred motion and the other's reverse — 0 when the model tells the two
  apart, above 90° when it infers nearly the same motion for both (it does not see the motion,
  whatever the frame: no rotation can help).

The motions along an axis (:func:`axis_masks`) are those whose largest component is that axis;
where an axis has motions within ~37° of it (largest component ≥ :data:`AXIS_LIKE` of the
length), only those count, so the 12 face diagonals of the live check (45° between two axes) do
not blur the per-axis numbers of its six axis motions.

The lines off the axes that two or more motions moved along (:func:`direction_lines`) keep their
length ratio (:func:`direction_scale`, reported, not judged: a line of two motions is too little
evidence) and their explained share (judged: ``camera_check_reasons``). Sight along every
direction, not only the base axes and these lines, is ``camera_check_weakest``'s.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.metrics import AXES, sign_agreement

AXIS_LIKE = 0.8  # a motion is "along" its dominant axis when that component is >= 0.8 of it
OPPOSITE_COS = -0.9  # two executed motions are a ± pair when their directions' cosine is below
# motions along one line (either way) when their directions are within this angle of it or its
# reverse: the live check's directions are exact, 35° (corner to face diagonal) or more apart
LINE_DEG = 10.0
# a direction's words name the axes whose component is at least this share of its length
WORD_COMPONENT = 0.3
# a direction is named in words (+x-z/-x+z) when within this angle of a signed combination of
# the axes (an axis, a face diagonal, a cube corner); else as its rounded vector
NAME_DEG = 10.0


def unit_directions(vectors) -> np.ndarray:
    """Rows of ``vectors`` [N, 3] scaled to unit length (float64; a zero row stays NaN)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _cosines(executed, inferred, rotation: Rotation | None) -> np.ndarray:
    """Cosine [N] between executed directions and inferred ones turned into the base frame."""
    inferred = np.asarray(inferred, dtype=np.float64)[:, :3]
    if rotation is not None:
        inferred = rotation.inv().apply(inferred)
    cosine = np.sum(unit_directions(np.asarray(executed, dtype=np.float64)[:, :3])
                    * unit_directions(inferred), axis=1)
    return np.clip(np.nan_to_num(cosine, nan=0.0), -1.0, 1.0)


def direction_errors_deg(executed, inferred, rotation: Rotation | None = None) -> np.ndarray:
    """Angle [deg] between each executed direction and the inferred one, [N] float64.

    ``executed`` [N, 3+] base frame, ``inferred`` [N, 3+] model frame (Δxyz first); with
    ``rotation`` (base → model) the inferred motions are first turned back into the base frame.
    An inferred motion of length 0 counts as 90° (no direction).
    """
    return np.degrees(np.arccos(_cosines(executed, inferred, rotation)))


def agreement(executed, inferred, rotation: Rotation | None = None) -> float:
    """Mean cosine between executed and inferred directions, in [-1, 1].

    What a planner step of length L in the inferred direction gains toward a goal in the
    executed direction, over L, averaged over the motions (the projection ``L·cos(error)``).
    An inferred motion of length 0 counts 0. ``rotation`` as in :func:`direction_errors_deg`.
    """
    return float(np.mean(_cosines(executed, inferred, rotation)))


def axis_masks(executed) -> dict[str, np.ndarray]:
    """Per base axis, the boolean mask [N] of the executed motions along it (module docstring)."""
    executed = np.asarray(executed, dtype=np.float64)[:, :3]
    size = np.abs(executed)
    dominant = np.argmax(size, axis=1)
    axis_like = size.max(axis=1) >= AXIS_LIKE * np.linalg.norm(executed, axis=1)
    masks = {}
    for i, axis in enumerate(AXES):
        mine = dominant == i
        masks[axis] = mine & axis_like if (mine & axis_like).any() else mine
    return masks


def axis_scale(executed, inferred) -> dict[str, float | None]:
    """Per base axis, Σ|inferred| / Σ|executed| over the motions along it (None: no motion).

    Lengths only: a model that infers a long motion in a wrong direction still scores 1 here
    (:func:`agreement` judges directions).
    """
    executed = np.asarray(executed, dtype=np.float64)[:, :3]
    inferred = np.asarray(inferred, dtype=np.float64)[:, :3]
    scales = {}
    for axis, mine in axis_masks(executed).items():
        total = float(np.linalg.norm(executed[mine], axis=1).sum())
        scales[axis] = (float(np.linalg.norm(inferred[mine], axis=1).sum()) / total
                        if total > 0 else None)
    return scales


def direction_words(direction) -> str:
    """Name a direction [3] as the check's motion labels do, e.g. ``+x+y-z`` ("" for zero).

    The axes whose component is at least :data:`WORD_COMPONENT` of its length, each with its
    sign: a face diagonal ``+x-z``, a cube corner ``+x+y-z``, an axis ``-y``.
    """
    direction = np.asarray(direction, dtype=np.float64)[:3]
    length = float(np.linalg.norm(direction))
    if not length > 0:
        return ""
    return "".join(f"{'+' if value > 0 else '-'}{axis}"
                   for axis, value in zip(AXES, direction / length, strict=True)
                   if abs(value) >= WORD_COMPONENT)


def line_name(direction) -> str:
    """Name the line along ``direction`` [3], both ways: ``+x-z/-x+z`` or ``(0.73, 0.64, -0.22)``.

    Words (:func:`direction_words`) when the direction lies within :data:`NAME_DEG` of a signed
    combination of the axes (each component -1, 0 or 1), oriented so that the first component
    named is positive; else the unit vector rounded to two decimals, so oriented too.
    """
    direction = np.asarray(direction, dtype=np.float64)[:3]
    direction = direction / np.linalg.norm(direction)
    combos = np.array([(i, j, k) for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)
                       if (i, j, k) > (0, 0, 0)], dtype=np.float64)  # first nonzero positive
    combos /= np.linalg.norm(combos, axis=1, keepdims=True)
    cosine = combos @ direction
    nearest = int(np.argmax(np.abs(cosine)))
    if abs(cosine[nearest]) >= np.cos(np.radians(NAME_DEG)):
        return f"{direction_words(combos[nearest])}/{direction_words(-combos[nearest])}"
    lead = direction[np.flatnonzero(np.round(np.abs(direction), 2) > 0)[0]]
    direction = direction if lead > 0 else -direction
    return "(" + ", ".join(f"{round(value, 2) + 0.0:.2f}" for value in direction) + ")"


def direction_lines(executed) -> dict[str, np.ndarray]:
    """Return the lines off the base axes that two or more executed motions moved along.

    Each with its mask [N] of the motions along it.

    Motions whose directions lie within :data:`LINE_DEG` of one another or of the other's reverse
    share a line (the live check's corner ``+x+y-z`` and the opposite corner ``-x-y+z``); a line
    counts when it holds at least two motions and is not along a base axis (its motions are not
    :data:`AXIS_LIKE`: the axes are judged per axis, :func:`axis_masks`). Keys: the directions
    in words (:func:`direction_words`), e.g. ``"+x+y-z/-x-y+z"``, in the motions' order; two
    lines with the same words (17.6° apart: (1, 1, -1) and (1, 0.45, -1)) are each keyed by
    their words and their mean direction rounded (:func:`line_name`), never one over the other
    (breaker43f).
    """
    executed = np.asarray(executed, dtype=np.float64)[:, :3]
    directions = unit_directions(executed)
    valid = np.isfinite(directions).all(1)
    axis_like = np.abs(np.nan_to_num(directions)).max(axis=1) >= AXIS_LIKE
    near = np.cos(np.radians(LINE_DEG))
    free = valid & ~axis_like
    found = []
    for i in np.flatnonzero(free):
        if not free[i]:
            continue
        mine = free & (np.abs(np.nan_to_num(directions @ directions[i])) >= near)
        free &= ~mine
        if mine.sum() < 2:
            continue
        words = list(dict.fromkeys(direction_words(executed[j]) for j in np.flatnonzero(mine)))
        signs = np.sign(directions[mine] @ directions[i])[:, None]
        found.append(("/".join(words), mine, (signs * directions[mine]).mean(axis=0)))
    counts: dict[str, int] = {}
    for words, _, _ in found:
        counts[words] = counts.get(words, 0) + 1
    return {(words if counts[words] == 1 else f"{words} {line_name(mean)}"): mine
            for words, mine, mean in found}


def direction_scale(executed, inferred, lines: dict[str, np.ndarray]) -> dict[str, float]:
    """Per line (:func:`direction_lines`), Σ|inferred| / Σ|executed| over its motions.

    As :func:`axis_scale` per base axis: a model blind along the line infers almost none of it.
    """
    executed = np.asarray(executed, dtype=np.float64)[:, :3]
    inferred = np.asarray(inferred, dtype=np.float64)[:, :3]
    return {words: float(np.linalg.norm(inferred[mine], axis=1).sum()
                         / np.linalg.norm(executed[mine], axis=1).sum())
            for words, mine in lines.items()}


def opposite_pairs(executed) -> list[tuple[int, int]]:
    """Index pairs (i, j), i < j, of executed motions in opposite directions (cosine < −0.9).

    Each motion is in at most one pair (the most opposite partner still free first).
    """
    directions = unit_directions(np.asarray(executed, dtype=np.float64)[:, :3])
    cosine = np.nan_to_num(directions @ directions.T, nan=1.0)
    pairs, used = [], set()
    for i, j in sorted(zip(*np.nonzero(np.triu(cosine < OPPOSITE_COS, 1)), strict=True),
                       key=lambda ij: cosine[ij]):
        if i not in used and j not in used:
            pairs.append((int(i), int(j)))
            used.update((i, j))
    return sorted(pairs)


def pair_consistency_deg(executed, inferred) -> list[tuple[tuple[int, int], float]]:
    """For each ± pair (:func:`opposite_pairs`): ((i, j), angle [deg] between m_i and −m_j).

    Rotation-invariant: 0° when the model infers opposite motions for opposite executed ones,
    whatever its frame; above 90° when it infers motions pointing the same way for both.
    """
    inferred = np.asarray(inferred, dtype=np.float64)[:, :3]
    pairs = opposite_pairs(executed)
    if not pairs:
        return []
    first = np.array([i for i, _ in pairs])
    second = np.array([j for _, j in pairs])
    angles = direction_errors_deg(inferred[first], -inferred[second])
    return [(pair, float(angle)) for pair, angle in zip(pairs, angles, strict=True)]


def axis_sign_agreement(inferred: np.ndarray, executed: np.ndarray, min_motion: float,
               unchecked=()) -> dict:
    """Per base axis, the sign agreement (None: no component counted, or an ``unchecked`` axis).

    An axis no used motion moved along is not checked (the verdict says so): the signs of the
    small components of other motions along it are not shown as if it were.
    """
    fractions, counted = sign_agreement(inferred, executed, min_motion)
    return {axis: (None if n == 0 or axis in unchecked else float(f))
            for axis, f, n in zip(AXES, fractions, counted, strict=True)}


def explained_by_axis(executed: np.ndarray, explained: np.ndarray | None) -> dict:
    """Mean explained share per base axis over the motions along it (``axis_masks``).

    A motion counts for its dominant axis; where an axis has motions within ~37° of it, only
    those count, so the live check's diagonal motions (45° between two axes) do not blur the
    per-axis shares of its axis motions.
    """
    if explained is None:
        return dict.fromkeys(AXES)
    return {axis: float(explained[mine].mean()) if mine.any() else None
            for axis, mine in axis_masks(executed).items()}


def explained_by_line(lines: dict, explained: np.ndarray | None) -> dict:
    """Mean explained share per line off the base axes (``direction_lines``; None: not known)."""
    return {words: (float(explained[mine].mean()) if explained is not None else None)
            for words, mine in lines.items()}
