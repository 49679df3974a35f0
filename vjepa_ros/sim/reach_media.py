"""Pictures of a reach episode: an image strip (PNG) and an animation (GIF), with PIL.

Strip: the goal image, then the frame planned on at every step, then the final frame, in rows of
at most ``columns`` tiles, each captioned. GIF: one frame per planning step plus the final one,
each showing the camera frame beside the goal image.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CAPTION_HEIGHT = 14  # px of caption bar under each tile
BACKGROUND = (255, 255, 255)
GOAL_BORDER = (0, 160, 0)


def _pil():
    try:
        from PIL import Image, ImageDraw
    except ImportError as exc:  # pragma: no cover - pillow comes with matplotlib
        raise ImportError("saving the episode pictures needs Pillow: pip install pillow") from exc
    return Image, ImageDraw


def episode_captions(episode) -> list[str]:
    """Captions of :func:`episode_tiles`: goal, one per step (distance), final."""
    steps = [f"{s.step}: {s.distance * 100:.1f} cm" for s in episode.steps]
    return ["goal", *steps, f"end {episode.final_distance * 100:.1f} cm"]


def _tile(frame: np.ndarray, caption: str, border=None):
    image_cls, draw_cls = _pil()
    frame = np.asarray(frame, dtype=np.uint8)
    height, width = frame.shape[:2]
    tile = image_cls.new("RGB", (width, height + CAPTION_HEIGHT), BACKGROUND)
    tile.paste(image_cls.fromarray(frame), (0, 0))
    draw = draw_cls.Draw(tile)
    if border is not None:
        draw.rectangle([0, 0, width - 1, height - 1], outline=border, width=3)
    draw.text((3, height + 1), caption, fill=(0, 0, 0))
    return tile


def save_strip(path, goal_frame, frames, captions, columns: int = 8) -> Path:
    """Write goal + frames as a captioned grid PNG; ``captions`` has one entry per tile."""
    image_cls, _ = _pil()
    tiles = [np.asarray(goal_frame), *[np.asarray(f) for f in frames]]
    if len(captions) != len(tiles):
        raise ValueError(f"{len(tiles)} tiles but {len(captions)} captions")
    shapes = {t.shape for t in tiles}
    if len(shapes) != 1:
        raise ValueError(f"all frames must have one size, got {sorted(shapes)}")
    height, width = tiles[0].shape[:2]
    columns = max(1, min(columns, len(tiles)))
    rows = -(-len(tiles) // columns)
    cell_h = height + CAPTION_HEIGHT
    sheet = image_cls.new("RGB", (columns * width, rows * cell_h), BACKGROUND)
    for index, (frame, caption) in enumerate(zip(tiles, captions, strict=True)):
        border = GOAL_BORDER if index == 0 else None
        sheet.paste(_tile(frame, caption, border), ((index % columns) * width,
                                                     (index // columns) * cell_h))
    path = Path(path)
    sheet.save(path, format="PNG")
    return path


def save_gif(path, goal_frame, frames, captions, seconds_per_frame: float = 0.5) -> Path:
    """Write an animated GIF: each frame beside the goal image; one caption per frame."""
    image_cls, _ = _pil()
    if len(captions) != len(frames) or not frames:
        raise ValueError(f"need one caption per frame, got {len(frames)} frames and "
                         f"{len(captions)} captions")
    goal_tile = _tile(goal_frame, "goal", GOAL_BORDER)
    pictures = []
    for frame, caption in zip(frames, captions, strict=True):
        current = _tile(frame, caption)
        picture = image_cls.new("RGB", (current.width + goal_tile.width,
                                        max(current.height, goal_tile.height)), BACKGROUND)
        picture.paste(current, (0, 0))
        picture.paste(goal_tile, (current.width, 0))
        pictures.append(picture)
    path = Path(path)
    duration = [round(seconds_per_frame * 1000)] * len(pictures)
    duration[-1] *= 3  # linger on the end
    pictures[0].save(path, format="GIF", save_all=True, append_images=pictures[1:],
                     duration=duration, loop=0)
    return path


def save_episode_pictures(out_dir, episode, name: str = "reach") -> tuple[Path, Path]:
    """Write ``<name>_strip.png`` and ``<name>.gif`` of a ``ReachEpisode`` to ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    captions = episode_captions(episode)
    strip = save_strip(out_dir / f"{name}_strip.png", episode.goal_frame, episode.frames,
                       captions)
    gif = save_gif(out_dir / f"{name}.gif", episode.goal_frame, episode.frames, captions[1:])
    return strip, gif
