"""Pictures of a reach or task episode: an image strip (PNG) and an animation (GIF), with PIL.

Strip: the goal image (a task: its sub-goal images), then the frame planned on at every step, then
the final frame, in rows of at most ``columns`` tiles, each captioned; goal tiles have a green
border. GIF: one frame per planning step plus the final one, each showing the camera frame beside
the goal image (a task: the sub-goal that step planned toward).
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

import numpy as np

from vjepa_ros.atomic_files import replacing

CAPTION_HEIGHT = 14  # px of caption bar under each tile (one line)
LINE_HEIGHT = 11  # px each further caption line adds (the bitmap font: 11 px a line)
CHAR_WIDTH = 6  # px a character of the bitmap font (caption_font)
BACKGROUND = (255, 255, 255)
GOAL_BORDER = (0, 160, 0)

# the pictures saved inside a noting_saves block, each added as its save returns (whole)
_SAVED: ContextVar[list[Path] | None] = ContextVar("saved_pictures", default=None)


@contextlib.contextmanager
def noting_saves() -> Iterator[list[Path]]:
    """Yield a list that gets the path of every picture saved inside the block, as saved.

    A strip or GIF is added once its save returns, the file there whole (a stop mid-write
    leaves the old picture and adds nothing); a stop after the strip keeps the strip's path.
    Told by the save itself, not by a modification time (a filesystem with coarse times shows
    none for a picture rewritten within its tick).
    """
    token = _SAVED.set(saved := [])
    try:
        yield saved
    finally:
        _SAVED.reset(token)


def _saved(path: Path) -> Path:
    if (saved := _SAVED.get()) is not None:
        saved.append(path)
    return path


def _pil():
    try:
        from PIL import Image, ImageDraw
    except ImportError as exc:  # pragma: no cover - pillow comes with matplotlib
        raise ImportError("saving the episode pictures needs Pillow: pip install pillow") from exc
    return Image, ImageDraw


@lru_cache(maxsize=1)
def caption_font():
    """Return the captions' font: Pillow's built-in bitmap font (6 px a character, spaces too).

    Pillow >= 10.1's default font is a FreeType one that at 10 px draws a space 2 px wide, so a
    caption "1 g1" read "1g1"; Pillow < 10.1's default is the bitmap font already.
    """
    from PIL import ImageFont

    return getattr(ImageFont, "load_default_imagefont", ImageFont.load_default)()


def episode_captions(episode) -> list[str]:
    """Captions of :func:`episode_tiles`: goal, one per step (distance), final."""
    steps = [f"{s.step}: {s.distance * 100:.1f} cm" for s in episode.steps]
    return ["goal", *steps, f"end {episode.final_distance * 100:.1f} cm"]


def caption_lines(caption: str, width: int) -> list[str]:
    """Return ``caption`` wrapped at words into lines that fit a tile ``width`` px wide.

    A caption wider than its tile was cut ("g1 approac" under a 64 px frame: breaker41h).
    """
    return textwrap.wrap(caption, max(1, (width - 3) // CHAR_WIDTH)) or [""]


def _tile(frame: np.ndarray, caption: str, border=None, lines: int = 1):
    """Return a tile: ``frame`` above a caption bar of ``lines`` lines (at least the caption's)."""
    image_cls, draw_cls = _pil()
    frame = np.asarray(frame, dtype=np.uint8)
    height, width = frame.shape[:2]
    wrapped = caption_lines(caption, width)
    lines = max(lines, len(wrapped))
    tile = image_cls.new("RGB", (width, height + CAPTION_HEIGHT + LINE_HEIGHT * (lines - 1)),
                         BACKGROUND)
    tile.paste(image_cls.fromarray(frame), (0, 0))
    draw = draw_cls.Draw(tile)
    if border is not None:
        draw.rectangle([0, 0, width - 1, height - 1], outline=border, width=3)
    for row, line in enumerate(wrapped):
        draw.text((3, height + 1 + LINE_HEIGHT * row), line, fill=(0, 0, 0), font=caption_font())
    return tile


def _frame_list(frames) -> list[np.ndarray]:
    """One frame [H, W, 3] as a list of one, or a sequence of frames as a list."""
    array = np.asarray(frames[0] if isinstance(frames, (list, tuple)) else frames)
    if isinstance(frames, (list, tuple)) or array.ndim == 4:
        return [np.asarray(f) for f in frames]
    return [array]


def save_strip(path, goal_frame, frames, captions, columns: int = 8) -> Path:
    """Write goal(s) + frames as a captioned grid PNG; ``captions`` has one entry per tile.

    ``goal_frame``: one goal image [H, W, 3] or a sequence of them (sub-goals), each bordered.
    """
    image_cls, _ = _pil()
    goals = _frame_list(goal_frame)
    tiles = [*goals, *[np.asarray(f) for f in frames]]
    if len(captions) != len(tiles):
        raise ValueError(f"{len(tiles)} tiles but {len(captions)} captions")
    shapes = {t.shape for t in tiles}
    if len(shapes) != 1:
        raise ValueError(f"all frames must have one size, got {sorted(shapes)}")
    height, width = tiles[0].shape[:2]
    columns = max(1, min(columns, len(tiles)))
    rows = -(-len(tiles) // columns)
    lines = max(len(caption_lines(caption, width)) for caption in captions)
    cell_h = height + CAPTION_HEIGHT + LINE_HEIGHT * (lines - 1)
    sheet = image_cls.new("RGB", (columns * width, rows * cell_h), BACKGROUND)
    for index, (frame, caption) in enumerate(zip(tiles, captions, strict=True)):
        border = GOAL_BORDER if index < len(goals) else None
        sheet.paste(_tile(frame, caption, border, lines), ((index % columns) * width,
                                                            (index // columns) * cell_h))
    path = Path(path).expanduser()
    with replacing(path) as partial:  # a stop mid-write leaves the old picture
        sheet.save(partial, format="PNG")
    return _saved(path)


def save_gif(path, goal_frame, frames, captions, seconds_per_frame: float = 0.5,
             goal_captions=None) -> Path:
    """Write an animated GIF: each frame beside its goal image; one caption per frame.

    ``goal_frame``: one goal image [H, W, 3] for every frame, or one per frame (the sub-goal each
    step planned toward), captioned by ``goal_captions`` (default "goal").
    """
    image_cls, _ = _pil()
    if len(captions) != len(frames) or not frames:
        raise ValueError(f"need one caption per frame, got {len(frames)} frames and "
                         f"{len(captions)} captions")
    goals = _frame_list(goal_frame)
    goals = goals * len(frames) if len(goals) == 1 else goals
    goal_captions = list(goal_captions or ["goal"] * len(frames))
    if len(goals) != len(frames) or len(goal_captions) != len(frames):
        raise ValueError(f"need one goal image and goal caption per frame (or one goal), got "
                         f"{len(frames)} frames, {len(goals)} goals, {len(goal_captions)} "
                         "goal captions")
    pictures = []
    lines = max(len(caption_lines(caption, np.asarray(tile).shape[1]))
                for caption, tile in [*zip(captions, frames, strict=True),
                                      *zip(goal_captions, goals, strict=True)])
    for frame, caption, goal, goal_caption in zip(frames, captions, goals, goal_captions,
                                                  strict=True):
        current = _tile(frame, caption, lines=lines)
        goal_tile = _tile(goal, goal_caption, GOAL_BORDER, lines)
        picture = image_cls.new("RGB", (current.width + goal_tile.width,
                                        max(current.height, goal_tile.height)), BACKGROUND)
        picture.paste(current, (0, 0))
        picture.paste(goal_tile, (current.width, 0))
        pictures.append(picture)
    path = Path(path).expanduser()
    duration = [round(seconds_per_frame * 1000)] * len(pictures)
    duration[-1] *= 3  # linger on the end
    with replacing(path) as partial:  # a stop mid-write leaves the old animation
        pictures[0].save(partial, format="GIF", save_all=True, append_images=pictures[1:],
                         duration=duration, loop=0)
    return _saved(path)


def picture_names(name: str) -> tuple[str, str]:
    """Return the file names of the pictures saved as ``name``: its strip's, then its GIF's.

    ``(<name>_strip.png, <name>.gif)``: what the savers below write, and what the overwrite
    notes of ``run`` and ``reach`` name.
    """
    return f"{name}_strip.png", f"{name}.gif"


def save_episode_pictures(out_dir, episode, name: str = "reach") -> tuple[Path, Path]:
    """Write ``<name>_strip.png`` and ``<name>.gif`` of a ``ReachEpisode`` to ``out_dir``."""
    out_dir = Path(out_dir).expanduser()
    out_dir.mkdir(parents=True, exist_ok=True)
    captions = episode_captions(episode)
    strip_name, gif_name = picture_names(name)
    strip = save_strip(out_dir / strip_name, episode.goal_frame, episode.frames, captions)
    gif = save_gif(out_dir / gif_name, episode.goal_frame, episode.frames, captions[1:])
    return strip, gif


def save_task_pictures(out_dir, run, name: str) -> tuple[Path, Path]:
    """Write ``<name>_strip.png`` and ``<name>.gif`` of a task run (``sim/task_run.TaskRun``).

    Strip: the sub-goal images ("g1 grasp", ...), the frame of every step ("3 g1": step 3 planned
    toward sub-goal 1), the final frame ("end ok" / "end fail"). GIF: each of those frames beside
    the sub-goal it planned toward (the final frame beside the last one).
    """
    ending = f"end {'ok' if run.outcome.success else 'fail'}"
    return save_step_pictures(out_dir, run.setup, run.steps, name, (run.episode.final_frame,
                                                                    ending))


def save_step_pictures(out_dir, setup, steps, name: str, ending=None) -> tuple[Path, Path]:
    """Write ``<name>_strip.png`` and ``<name>.gif`` of ``steps`` (``sim.reach.ReachStep``).

    ``setup``: the task (``sim.manipulation.TaskSetup``: its sub-goal images and names);
    ``ending``: ``(frame, caption)`` of a last tile beside the last sub-goal, or None (an episode
    stopped before its end: only the steps done). Raises ValueError for no tile to show.
    """
    out_dir = Path(out_dir).expanduser()
    out_dir.mkdir(parents=True, exist_ok=True)
    names, goals = setup.names, [goal.frame for goal in setup.goals]
    last = len(goals) - 1
    active = [last if s.subgoal is None else min(s.subgoal.index, last) for s in steps]
    captions = [f"{s.step} g{index + 1}" for s, index in zip(steps, active, strict=True)]
    frames = [s.frame for s in steps]
    if ending is not None:
        frames.append(ending[0])
        captions.append(ending[1])
        active.append(last)
    strip_name, gif_name = picture_names(name)
    strip = save_strip(out_dir / strip_name, goals, frames,
                       [f"g{i + 1} {n}" for i, n in enumerate(names)] + captions)
    gif = save_gif(out_dir / gif_name, [goals[i] for i in active], frames, captions,
                   goal_captions=[f"g{i + 1} {names[i]}" for i in active])
    return strip, gif
