"""Notes on pictures whose channels the world model would take wrong silently: never refused.

Two rules beside the size and grey notes of :mod:`vjepa_ros.image_notes`, given once each to a
live stream by :class:`ChannelNotes` (through ``SizeNotes.colour``):

- :func:`swapped_goal_note`: a goal image whose red and blue are the camera's frames' exchanged
  (``cv2.imwrite`` of an RGB array, which OpenCV writes as BGR; a BGR buffer published as
  ``rgb8``): the world model encodes a goal no frame of the scene looks like (breaker56a).
- :func:`twelve_bit_note`: a near-black picture, every value at most :data:`TWELVE_BIT_TOP` of
  255: what a 12-bit camera's values (0..4095) in 16-bit words (``rgb16``, ``bayer_*16``, a
  16-bit PNG) become through the fixed 16-to-8-bit scale (v / 257: 65535 -> 255). Not rescaled:
  a 16-bit camera filmed in a dark room gives the same values, and one scale keeps frames and
  goals comparable (``image_encodings._to_8bit``). Training and pretraining read recordings'
  frames by the same rule (:func:`recorded_frames_note`, ``train.episodes.load_segments``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

# [levels of 255] the least red-blue imbalance of frames and goal that can tell a swap: a
# near-neutral scene (frames' red 9 under blue) whose goal shows a coloured object (red 8 over
# blue) is no swap (review56r); the package's pybullet scene (red 21 over blue) is told
SWAP_MARGIN = 18.0
# the most the goal's red-blue imbalance may differ from the frames' mirrored, as a share of the
# frames' (a swapped picture of the scene mirrors it closely: the pybullet scene's by 3 %)
MIRROR_TOLERANCE = 0.3
# [levels of 255] 4095 (a 12-bit camera's top) through the 16-to-8-bit scale: round(4095 / 257)
TWELVE_BIT_TOP = 16
# near-black frames before a stream's note, none bright before: a camera's first frames while its
# auto exposure settles (dark for a few tenths of a second) are no 12-bit data; 1 s at 30 Hz
DARK_FRAMES = 30
SAMPLE_STEP = 7  # every 7th pixel each way: a frame's channel means and brightness, cheaply


def channel_means(rgb, step: int = 1) -> tuple[float, float, float]:
    """Return the mean red, green and blue [levels] of ``rgb`` ``[H, W, 3]``.

    ``step``: every step-th pixel each way (:data:`SAMPLE_STEP` for a frame judged per frame).
    """
    sample = np.asarray(rgb)[::step, ::step, :3].reshape(-1, 3)
    return tuple(float(value) for value in sample.mean(axis=0, dtype=np.float64))


def red_blue_tells(means) -> bool:
    """Whether pictures of ``means`` (R, G, B) [levels] show red and blue apart enough.

    At least :data:`SWAP_MARGIN` levels between their mean red and blue: in a grey scene, or
    one whose red and blue are about equal, a swap neither shows nor changes much.
    """
    return abs(means[0] - means[2]) >= SWAP_MARGIN


def swapped_goal_note(goal_means, frame_means, frames: str = "the camera's frames",
                      advice: str = "capture the goal with this camera (~/capture_goal)") -> str:
    """Return a note when the goal's red and blue look like the frames' exchanged ("" else).

    ``goal_means``, ``frame_means``: :func:`channel_means` of the goal and of a frame (R, G, B)
    [levels of 255]. The rule: both show red and blue apart (:func:`red_blue_tells`: at least
    :data:`SWAP_MARGIN` levels), the goal's imbalance the frames' mirrored (red minus blue of
    the goal plus that of the frames at most :data:`MIRROR_TOLERANCE` of the frames'), and the
    goal's red and blue at most half as far from the frame's blue and red as from its red and
    blue (the goal is another picture of the scene: the arm elsewhere, so the means differ a
    little). A coloured object in the goal, or another light, shifts the balance by its own
    amount, not to the mirror.
    """
    (goal_r, _, goal_b), (frame_r, _, frame_b) = goal_means, frame_means
    if not (red_blue_tells(goal_means) and red_blue_tells(frame_means)):
        return ""
    frame_imbalance = frame_r - frame_b
    if abs((goal_r - goal_b) + frame_imbalance) > MIRROR_TOLERANCE * abs(frame_imbalance):
        return ""
    same = abs(goal_r - frame_r) + abs(goal_b - frame_b)
    exchanged = abs(goal_r - frame_b) + abs(goal_b - frame_r)
    if exchanged > same / 2:
        return ""
    return (f"the goal image's red and blue look swapped against {frames} (mean red "
            f"{goal_r:.0f}, blue {goal_b:.0f} of 255; the frames' red {frame_r:.0f}, blue "
            f"{frame_b:.0f}): saved with cv2.imwrite of an RGB array (OpenCV writes BGR), or "
            "published as rgb8 from a BGR buffer (cv_bridge: give encoding='bgr8')? The world "
            "model encodes a goal no frame of the scene looks like, and the planner may chase "
            f"the colour difference; convert it (cv2.cvtColor(image, cv2.COLOR_RGB2BGR) before "
            f"cv2.imwrite) or {advice}")


# what to do about near-black frames: a live camera's (the driver) and a recording's
LIVE_FIX = ("shift the values left by 4 in the driver (its pixel format's MSB alignment, or a "
            "16-bit or 8-bit mode of the camera)")
RECORDED_FIX = ("shift the 16-bit values left by 4 before reading them (an .npz: save frames "
                "<< 4; a bag: record again with the driver shifting them)")


def twelve_bit_note(rgb, what: str = "the camera's frames", step: int = 1,
                    fix: str = LIVE_FIX) -> str:
    """Return a note when ``rgb`` ``[H, W, 3]`` uint8 is near-black as 12-bit data makes it.

    Near-black: no value above :data:`TWELVE_BIT_TOP` (16 of 255), and not one value
    everywhere (a camera's all-zero start-up frame, a lens cap on a noiseless sensor: nothing
    to tell). ``what``: how the note names the picture ("the camera's frames", "the goal
    image"); ``step``: look at every step-th pixel each way first (a frame: cheap when bright),
    then at all of them; ``fix``: what to do about 12-bit data (:data:`LIVE_FIX`, or
    :data:`RECORDED_FIX` for frames read from a file). "" when there is nothing to note.
    """
    rgb = np.asarray(rgb)
    if rgb.size == 0 or rgb.dtype != np.uint8:
        return ""
    if step > 1 and rgb[::step, ::step].max() > TWELVE_BIT_TOP:
        return ""  # bright: told by the sample
    top = rgb.max()
    if top > TWELVE_BIT_TOP or rgb.min() == top:
        return ""
    return dark_text(what, fix)


def dark_text(what: str, fix: str = LIVE_FIX, plural: bool | None = None) -> str:
    """Return the near-black note's text for ``what`` (:func:`twelve_bit_note`), with ``fix``.

    ``plural``: whether ``what`` takes "are" (None: when it ends in "s").
    """
    are = "are" if (what.endswith("s") if plural is None else plural) else "is"
    return (f"{what} {are} near-black (no value above {TWELVE_BIT_TOP} of 255): a 12-bit "
            "camera sending its values 0..4095 in 16-bit words (rgb16, bayer_*16, a 16-bit PNG) "
            f"gives that through the 16-to-8-bit scale (65535 -> 255), which is not changed: {fix}"
            ", or, if the scene is this dark, light it or lengthen the exposure")


class DarkFrames:
    """A recording's frames judged near-black together, one array at a time (never rescaled).

    :meth:`add` frames ``[H, W, 3]`` or ``[T, H, W, 3]`` uint8 as they are read; :meth:`note`
    says, as :func:`twelve_bit_note` says of one picture, when none held a value above
    :data:`TWELVE_BIT_TOP` and not one value was everywhere (a recording whose first frames are
    dark while the exposure settles has bright ones later: no note). Training's readers
    (:func:`recorded_frames_note`) and eval's (``Recording.colour_notes``) judge by it.
    """

    def __init__(self):
        self.bright = False  # a value above TWELVE_BIT_TOP seen: nothing more to judge
        self.low, self.high = 255, 0  # the least and the most value of the frames judged

    def add(self, frames) -> None:
        """Judge more frames (other dtypes and empty arrays: left out)."""
        frames = np.asarray(frames)
        if self.bright or frames.dtype != np.uint8 or not frames.size:
            return
        # every 7th row and column (and frame) first: a bright recording is told cheaply
        if bright(frames[..., ::SAMPLE_STEP, ::SAMPLE_STEP, :]) or bright(frames):
            self.bright = True
            return
        self.low, self.high = min(self.low, int(frames.min())), max(self.high, int(frames.max()))

    def note(self, what: str) -> str:
        """Return the near-black note naming ``what`` ("the frames of a.npz"), or ""."""
        if self.bright or self.high <= self.low:  # no frame, or one value everywhere
            return ""
        return dark_text(what, RECORDED_FIX, plural=True)


def recorded_frames_note(frames, what: str) -> str:
    """Return the near-black note for a recording's frames read for training ("" else).

    ``frames``: the recording's frame arrays as read (``[T, H, W, 3]`` uint8 each: its
    segments), judged together (:class:`DarkFrames`); ``what``: the recording, as the note
    names it ("the frames of WHAT are near-black ...").
    """
    dark = DarkFrames()
    for array in frames:
        dark.add(array)
    return dark.note(f"the frames of {what}")


def bright(frame) -> bool:
    """Whether ``frame`` has a value above the near-black top (:data:`TWELVE_BIT_TOP`)."""
    return bool(np.asarray(frame).max() > TWELVE_BIT_TOP)


def digest(image) -> bytes:
    """Return a digest of an image's shape and pixels: one key per content."""
    import hashlib

    image = np.ascontiguousarray(image)
    hashed = hashlib.blake2b(digest_size=16)
    hashed.update(repr((image.shape, image.dtype.str)).encode())
    hashed.update(image.data)
    return hashed.digest()


@dataclasses.dataclass
class JudgedGoal:
    """One goal image as ``SizeNotes.colour`` judged it, kept while it is the same array."""

    image: np.ndarray  # [H, W, 3] uint8, the goal's own array (not copied)
    grey: bool  # colour_kind(image) == "grey"
    key: bytes | None = None  # digest(image), once a note needs it (content())
    # the channel notes still to judge ("dark", "swap"), emptied as they are
    due: set[str] = dataclasses.field(default_factory=lambda: {"dark", "swap"})

    def content(self) -> bytes:
        """Return the image's :func:`digest`, computed once."""
        if self.key is None:
            self.key = digest(self.image)
        return self.key


class ChannelNotes:
    """The channel notes of a live stream and its goals, each given once (``SizeNotes.colour``).

    :meth:`frame`: near-black frames once, at the :data:`DARK_FRAMES`-th before any bright one
    (12-bit data in 16-bit words, or a dark scene); judged no more once noted or a frame was
    bright (a 12-bit camera gives no bright frame). :meth:`goal`: each goal's near-black or
    red-blue-swapped note once per content, the swap judged on the first frame that
    :meth:`swap_means` gives means of.
    """

    FRAMES = "the camera's frames"

    def __init__(self):
        # the (kind, content digest) of the goals given a note: "dark", "swap"
        self.noted: set[tuple[str, bytes]] = set()
        self.dark_frames_judged = False
        self.dark_frames = 0  # near-black frames seen while judging

    def frame(self, frame) -> str:
        """Note one ``[H, W, 3]`` uint8 frame; return the near-black frames' note when due."""
        if self.dark_frames_judged:  # until noted or a bright frame: a camera's depth
            return ""
        dark = twelve_bit_note(frame, self.FRAMES, step=SAMPLE_STEP)
        self.dark_frames += bool(dark)
        self.dark_frames_judged = self.dark_frames >= DARK_FRAMES or (not dark and bright(frame))
        return dark if self.dark_frames_judged else ""

    def swap_means(self, frame, frames_kind: str):
        """Return ``frame``'s channel means to judge a goal's swap on, or () not on this one.

        ``frames_kind``: what the stream's frames are ("colour", "grey", "": not told yet). A
        frame of a stream told colour, bright enough (no near-black 12-bit one) and whose red
        and blue tell (else no goal's swap is judged, the goal then decided unswapped: a swap
        that does not show changes little).
        """
        if frames_kind != "colour" or twelve_bit_note(frame, step=SAMPLE_STEP):
            return ()
        return channel_means(frame, SAMPLE_STEP)

    def goal(self, entry: JudgedGoal, label: str, frame_means, frames_kind: str) -> list[str]:
        """Return the channel notes due for one goal, each once per goal content.

        ``entry``: ``SizeNotes``' judged goal, its ``due`` notes emptied as they are judged; its
        digest is computed when a note is due. "dark" is judged at once, "swap" once
        ``frame_means`` (:meth:`swap_means`) is not () (grey frames: decided unswapped, their own
        note says what to fix). ``label``: "" for the active goal, a sub-goal's label else.
        """
        what = "the goal image" if not label else "its image"
        notes, due = [], entry.due
        if "dark" in due:
            due.discard("dark")
            notes.append(("dark", twelve_bit_note(entry.image, what, step=SAMPLE_STEP)))
        if "swap" in due and frames_kind == "grey":
            due.discard("swap")
        if "swap" in due and frame_means != ():
            due.discard("swap")
            notes.append(("swap", swapped_goal_note(channel_means(entry.image, SAMPLE_STEP),
                                                    frame_means, self.FRAMES)))
        given = []
        for kind, note in notes:
            if note and (kind, entry.content()) not in self.noted:
                self.noted.add((kind, entry.content()))
                given.append(note)
        return given
