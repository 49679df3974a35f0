"""The planner's debug picture: current frame | goal frame | where imagined and goal differ."""

from __future__ import annotations

import cv2
import numpy as np

from vjepa_ros.images import check_rgb


def _square(rgb: np.ndarray, size: int) -> np.ndarray:
    return cv2.resize(check_rgb(rgb), (size, size), interpolation=cv2.INTER_AREA)


def error_heatmap(token_error: np.ndarray, grid: tuple[int, int], size: int) -> np.ndarray:
    """Colour map [size, size, 3] RGB of per-token errors [N] laid out on ``grid`` (rows, cols)."""
    token_error = np.asarray(token_error, dtype=np.float32)
    if token_error.shape != (grid[0] * grid[1],):
        raise ValueError(
            f"token_error has shape {list(token_error.shape)}, expected [{grid[0] * grid[1]}] "
            f"for a {grid[0]}x{grid[1]} token grid"
        )
    peak = float(token_error.max()) if np.isfinite(token_error).all() else 0.0
    scaled = token_error / peak if peak > 0 else np.zeros_like(token_error)
    levels = (np.clip(scaled, 0, 1) * 255).astype(np.uint8).reshape(grid)
    levels = cv2.resize(levels, (size, size), interpolation=cv2.INTER_NEAREST)
    return np.ascontiguousarray(cv2.applyColorMap(levels, cv2.COLORMAP_INFERNO)[..., ::-1])


def compose_debug_image(current, goal, token_error, grid, size: int = 224) -> np.ndarray:
    """Return ``[size, 3·size, 3]`` uint8 RGB: current | goal | |imagined − goal| per token."""
    peak = float(np.max(token_error)) if np.size(token_error) else 0.0
    panels = [_square(current, size), _square(goal, size), error_heatmap(token_error, grid, size)]
    labels = ["current", "goal", f"imagined vs goal (max {peak:.3f})"]
    for panel, label in zip(panels, labels, strict=True):
        cv2.putText(panel, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1,
                    cv2.LINE_AA)
    return np.concatenate(panels, axis=1)
