"""Notes on image sizes that planning still works with, but worse: said once, never refused.

One wording for ``vjepa-ros eval`` (a bag's frames, a ``--goal`` file), the live planner node
(camera frames, the active goal image) and the simulator commands (``run``, ``reach``, the
benchmarks): :func:`camera_size_note` is the one rule for the frames. When the model's file
records the frame sizes it was post-trained on (``vjepa-ros train`` does), a recorded size gets
no note and any other :func:`trained_size_note`, which also says when the frames are upsampled;
when it records none, :func:`frame_size_note` notes frames smaller than the world model's input
(upsampled; in the simulator also larger ones). :func:`goal_size_note` notes a goal image whose
size is not the frames' (another camera or another resolution: another scale or framing after
the model's crop and resize). :func:`grey_goal_note` notes a grey goal image for colour frames
and :func:`grey_frames_note` grey frames (a mono8 or infrared stream): the released models saw
colour only (breaker42c); :func:`colour_kind` tells grey from colour, and a picture without colour
information (black, saturated, uniform) as neither (breaker42h). :class:`SizeNotes` gives each
note once to a live stream (each grey goal once), with the channel notes of
:mod:`vjepa_ros.channel_notes`: a goal whose red and blue are the frames' swapped, near-black
frames or goals as a 12-bit camera's 16-bit words give them (each goal's once).
"""

from __future__ import annotations

from vjepa_ros.channel_notes import SAMPLE_STEP, ChannelNotes, JudgedGoal, digest


def frame_size_note(width: int, height: int, model_size, frames: str = "the bag's frames",
                    advice: str = "record at its size or larger", larger_too: bool = False,
                    model: str = "the world model",
                    risk: str = "a model trained on sharper frames may infer wrong motions"
                    ) -> str:
    """Return a note when ``width`` x ``height`` px frames are smaller than the model's input.

    ``model_size``: (height, width) [px] the world model resizes frames to (a WorldModel's
    ``img_size``, or an int for a square one; None: no note). Smaller frames are upsampled: a
    model trained on sharper frames may then infer wrong motions (a 64 px bag gave the 128 px
    demo model a confident 60° "correction" in the camera check). ``larger_too``: also note
    larger frames, for the simulator, whose models were trained on renders of exactly their input
    size (a downsampled larger render is not what they saw). ``model``, ``risk``: what resizes
    the frames and what upsampling risks there (``vjepa-ros pretrain``: the encoder it trains).
    "" when there is nothing to note.
    """
    if model_size is None:
        return ""
    model_h, model_w = input_size(model_size)
    size = f"{model_w}x{model_h}"
    if height >= model_h and width >= model_w:
        if not larger_too or (height, width) == (model_h, model_w):
            return ""
        return (f"{frames} are {width}x{height} px, larger than {model}'s {size} "
                f"input, the size it was trained at: they are downsampled, so expect other "
                f"results than at {size} px; {advice}")
    return (f"{frames} are {width}x{height} px, smaller than {model}'s {size} input: they are "
            f"upsampled, and {risk}; {advice}")


def trained_size_note(width: int, height: int, trained_sizes, frames: str = "the bag's frames",
                      advice: str = "record at {size}", model_size=None,
                      model: str = "the world model") -> str:
    """Return a note when ``width`` x ``height`` px frames are not a size the model trained on.

    ``trained_sizes``: the (height, width) [px] frame sizes the world model was post-trained on,
    as its checkpoint records them (``WorldModel.trained_frame_sizes``; None: unknown, no note).
    The model resizes every frame to its input size, so frames of another size show it the scene
    sharper or blurrier than in training and plans may be worse (the 128 px demo model on a
    256 px simulator). ``model_size``: the input size (as :func:`frame_size_note` takes it;
    None: not said): frames smaller than it are said to be upsampled to it. ``advice``: what to
    do, ``{size}`` becoming the first trained size ("128x128"), ``{width}`` and ``{height}`` its
    sides [px]. "" when the frames have a
    trained size.
    """
    if not trained_sizes or (height, width) in {tuple(size) for size in trained_sizes}:
        return ""
    sizes = [f"{size_w}x{size_h}" for size_h, size_w in trained_sizes]
    resized = "resized to its input"
    if model_size is not None:
        model_h, model_w = input_size(model_size)
        if height < model_h or width < model_w:
            resized = f"upsampled to {model}'s {model_w}x{model_h} input"
    first_h, first_w = trained_sizes[0]
    return (f"{frames} are {width}x{height} px, but the predictor was post-trained on "
            f"{' and '.join(sizes)} px frames (recorded in its checkpoint): {resized} they are "
            f"sharper or blurrier than in training, so plans may be worse; "
            f"{advice.format(size=sizes[0], width=first_w, height=first_h)}")


def camera_size_note(width: int, height: int, model_size, trained_sizes,
                     frames: str = "the bag's frames",
                     advice: str = "record at its size or larger",
                     trained_advice: str = "record at {size}", larger_too: bool = False,
                     **wording) -> str:
    """Return the one size note for frames of ``width`` x ``height`` px, or "".

    The rule of the live planner node, ``vjepa-ros eval``, ``camera-check`` and the simulator
    commands (``run``, ``reach``, the benchmarks). ``trained_sizes`` recorded (the model's
    ``trained_frame_sizes``): a recorded size gets no note, any other :func:`trained_size_note`
    with ``trained_advice`` (saying too when they are smaller than the input ``model_size``:
    upsampled). None recorded: :func:`frame_size_note` with ``advice``, for frames smaller than
    ``model_size`` and, with ``larger_too`` (the simulator, whose models were trained on renders
    of their input size), larger ones; ``wording``: its ``model``, ``risk`` (and then
    ``advice``) words.
    """
    if trained_sizes:
        return trained_size_note(width, height, trained_sizes, frames, trained_advice,
                                 model_size)
    return frame_size_note(width, height, model_size, frames,
                           **{"advice": advice, "larger_too": larger_too, **wording})


def grouped_frame_size_notes(items, model_size, frames, advice, **wording) -> list[str]:
    """Return one :func:`frame_size_note` per frame size smaller than the model's input.

    For the data of a training run (``vjepa-ros train``, ``vjepa-ros pretrain``), whose many
    sources or segments share few sizes: one note per size, in the order sizes first appear.
    ``items``: (item, (height, width) [px] of its frames) pairs, an item being a source or a
    segment; ``model_size``: as :func:`frame_size_note` takes it. ``frames(group)``: how the
    note names the frames of the items of one size (``"the frames of all 5 sources"``);
    ``advice(width, height)``: what to do about frames of that size; ``wording``: the ``model``
    and ``risk`` words of :func:`frame_size_note`.
    """
    groups: dict[tuple[int, int], list] = {}
    for item, (height, width) in items:
        groups.setdefault((int(height), int(width)), []).append(item)
    return [frame_size_note(width, height, model_size, frames(group), advice(width, height),
                            **wording) for (height, width), group in groups.items()
            if frame_size_note(width, height, model_size, **wording)]  # frames, advice: if due


def input_size(model_size) -> tuple[int, int]:
    """Return (height, width) [px] of ``model_size``: such a pair, or an int for a square.

    A whole float (a file's config written as ``img_size: 128.0``) is that int.
    """
    if isinstance(model_size, (int, float)):
        return int(model_size), int(model_size)
    height, width = model_size
    return int(height), int(width)


def goal_size_note(goal_shape, frame_shape, frames: str = "the bag's frames",
                   advice: str = "take the goal from the same camera at the same size") -> str:
    """Return a note when the goal image's size differs from the frames' ("" when equal).

    ``goal_shape``, ``frame_shape``: array shapes ``(H, W, ...)`` [px]. Both are cropped and
    resized to the model's input, so a goal of another size (another camera, or resized) shows
    the scene at another scale or framing, and the planner may chase that difference.
    """
    (goal_h, goal_w), (frame_h, frame_w) = goal_shape[:2], frame_shape[:2]
    if (goal_h, goal_w) == (frame_h, frame_w):
        return ""
    return (f"the goal image is {goal_w}x{goal_h} px and {frames} are {frame_w}x{frame_h} px: "
            "after the model's crop and resize the goal shows the scene at another scale or "
            f"framing, and the planner may chase that difference; {advice}")


def colour_kind(rgb) -> str:
    """Say what an ``[H, W, 3]`` image holds: "grey", "colour", or "" (it cannot tell).

    Grey: its three channels are equal everywhere, a grey picture however it was stored (an 8-bit
    grey PNG, an infrared (Y8) grab, a grey picture saved as RGB, a mono8 frame: all replicated
    into three equal channels; a 2-D array too). "": equal channels that carry no colour
    information, since a colour camera gives them too (breaker42h): one value everywhere (a lens
    cap, a grey card), or only black and saturated pixels (a colour camera's all-zero frames at
    start-up, lights off, a blown-out exposure). Cheap for colour: a sparse sample decides first
    (a colour camera's noise differs in the channels).
    """
    import numpy as np

    rgb = np.asarray(rgb)
    if rgb.ndim == 2:
        return "grey" if _informative(rgb) else ""
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        return "colour"  # (no [H, W, 3] image: not judged)
    if not _sample_grey(rgb) or not (np.array_equal(rgb[..., 0], rgb[..., 1]) and
                                     np.array_equal(rgb[..., 1], rgb[..., 2])):
        return "colour"
    return "grey" if _informative(rgb[..., 0]) else ""


def _sample_grey(rgb) -> bool:
    """Whether the channels of a sparse sample (every ``SAMPLE_STEP``-th pixel) are equal."""
    import numpy as np

    sample = rgb[::SAMPLE_STEP, ::SAMPLE_STEP]
    return bool(np.array_equal(sample[..., 0], sample[..., 1]) and
                np.array_equal(sample[..., 1], sample[..., 2]))


def _informative(channel) -> bool:
    """Whether one channel of a grey picture shows something (:func:`colour_kind`).

    Not one value everywhere, and some pixel neither black nor saturated (the dtype's range: 0
    and 255 for uint8; 0.0 and 1.0 for floats).
    """
    import numpy as np

    channel = np.asarray(channel)
    if channel.size == 0 or not bool((channel != channel.flat[0]).any()):
        return False
    low, high = ((np.iinfo(channel.dtype).min, np.iinfo(channel.dtype).max)
                 if np.issubdtype(channel.dtype, np.integer) else (0.0, 1.0))
    return bool(((channel > low) & (channel < high)).any())


GREY_GOAL_ADVICE = "capture the goal with the same colour camera"


def grey_goal_note(goal_grey: bool, frames_grey: bool, frames: str = "the bag's frames",
                   advice: str = GREY_GOAL_ADVICE) -> str:
    """Return a note when the goal image is grey while the frames are colour ("" else).

    ``goal_grey``, ``frames_grey``: :func:`colour_kind` says "grey" of the goal and of the
    frames (frames that cannot tell: call it once they do). The published
    V-JEPA 2 models saw colour frames only: a grey goal (a greyscale export, an infrared grab) is
    a representation no colour frame of the scene reaches, and the planner chases the colour
    difference. Grey frames with a grey goal: :func:`grey_frames_note` says it of the frames.
    """
    if not goal_grey or frames_grey:
        return ""
    return (f"the goal image is grey (its three channels are equal everywhere: a greyscale or "
            f"infrared picture) while {frames} are colour: the world model encodes the goal as "
            "no colour frame of the scene looks, and the planner may chase the colour "
            f"difference; {advice}")


def grey_frames_note(frames: str = "the camera's frames",
                     advice: str = "use the camera's colour stream (e.g. "
                                   "/camera/camera/color/image_raw, rgb8 or bgr8)") -> str:
    """Return the note for grey frames (a mono8 or infrared stream): the models saw colour."""
    return (f"{frames} are grey (three equal channels: a mono8 or infrared stream?), but the "
            "published V-JEPA 2 world models saw colour frames only: plans may be worse; "
            f"{advice}")


class SizeNotes:
    """The size notes of a live camera stream and its goal, each new one returned once.

    :meth:`check` is cheap per frame: it computes notes only when the frame or goal size changes.
    """

    FRAMES = ChannelNotes.FRAMES  # "the camera's frames"
    FRAME_ADVICE = "set the camera to at least that size"
    # (where the note is seen: a `ros2 run sim_node`, or the README's `vjepa-ros launch --node
    # sim`, where the simulator's parameters are set as -p sim.NAME:=VALUE)
    TRAINED_ADVICE = ("set the camera to {size} (the simulator: its camera.width and "
                      "camera.height parameters; under vjepa-ros launch --node sim: -p "
                      "sim.camera.width:={width} -p sim.camera.height:={height})")
    GOAL_ADVICE = "capture the goal with this camera (~/capture_goal) at its size"
    GREY_GOAL_ADVICE = "capture the goal with this colour camera (~/capture_goal)"
    # a sub-goal of a list: ~/capture_goal would replace the whole list with one goal (user52u)
    SUBGOAL_ADVICE = ("save that sub-goal's image again at the camera's size, or rebuild the "
                      "list from this camera (~/clear_goals, then ~/add_subgoal at each pose); "
                      "~/capture_goal would replace the whole list with one goal")
    GREY_SUBGOAL_ADVICE = ("save that sub-goal's image again in colour from this camera, or "
                           "rebuild the list from it (~/clear_goals, then ~/add_subgoal at each "
                           "pose); ~/capture_goal would replace the whole list with one goal")

    def __init__(self, model_size, trained_sizes=None):
        """``model_size``, ``trained_sizes``: as :func:`camera_size_note` takes them."""
        self.model_size = model_size
        self.trained_sizes = trained_sizes
        self.last: tuple | None = None
        # the size notes given, per file and kind: (the label without its count, the note)
        self.given: set[tuple[str, str]] = set()
        self.frames_kind = ""  # what the stream's frames are: "grey", "colour", "" (not told yet)
        self.frames_noted = False  # the grey-frames note given
        self.judged: dict[int, JudgedGoal] = {}  # the goal images last judged, by id
        self.grey_goals: set[bytes] = set()  # the digests of the grey goals noted
        self.channels = ChannelNotes()  # near-black frames, near-black or swapped goals
        # the goals tuples last judged by check / colour (the same tuple again: nothing new to
        # judge), and whether a grey one of the latter is still to be noted, or a channel note
        # of one still to be judged (a swap: on the first colour frame that tells)
        self.checked_goals: tuple | None = None
        self.coloured_goals: tuple | None = None
        self.goal_notes_pending = False

    def colour(self, frame, goal=None, goals=()) -> list[str]:
        """Return the colour notes not given before: grey frames, a grey goal for colour ones.

        ``frame``: the camera's ``[H, W, 3]`` frame; ``goal``: the active goal image (None: none);
        ``goals``: ``(label, image)`` of each sub-goal of a list, its note prefixed ``"label: "``
        and advising to save that image again or rebuild the list, not ``~/capture_goal``, which
        replaces the whole list (the planner judges the whole list, not only the active sub-goal:
        breaker52a). The stream's frames are grey or colour as the first frame that tells says
        (:func:`colour_kind`: an all-black start-up frame does not); the grey-frames note comes
        once. Every grey goal is noted once (by its content: another grey goal after a colour one
        is noted again, the same one sent again not), while the frames are colour. A goal is judged
        once (while it is the same array). Cost: a colour frame, and any frame once the frames are
        told grey, costs a sparse sample of its pixels; a frame that does not tell (black,
        saturated, uniform) the full comparison while none has told yet. The same ``goals``
        tuple as last time (no ``goal``) is not looked through again unless a grey goal of it is
        still to be noted (the notes are those of looking). Channel notes
        (:mod:`vjepa_ros.channel_notes`): near-black frames once, at the ``DARK_FRAMES``-th
        before any bright one (12-bit data in 16-bit words, or a dark scene); each goal's
        near-black or red-blue-swapped note once per content, the swap judged on the first
        bright frame once the stream is told colour (grey frames: not judged).
        """
        notes = []
        if self._frames_kind(frame) == "grey" and not self.frames_noted:
            self.frames_noted = True
            notes.append(grey_frames_note(self.FRAMES))
        notes += [note for note in (self.channels.frame(frame),) if note]
        if (goal is None and type(goals) is tuple and goals is self.coloured_goals
                and not self.goal_notes_pending):
            return notes
        goals_given, goals = goals, ([("", goal)] if goal is not None else []) + list(goals)
        judged, self.judged = self.judged, {}
        frame_means = None  # (the frame's, once a goal's swap is judged on it)
        for label, image in goals:
            entry = judged.get(id(image))
            if entry is None or entry.image is not image:
                entry = JudgedGoal(image, colour_kind(image) == "grey")
            self.judged[id(image)] = entry
            if entry.grey and self.frames_kind == "colour":
                if entry.content() not in self.grey_goals:
                    self.grey_goals.add(entry.content())
                    note = grey_goal_note(True, False, self.FRAMES, self.GREY_SUBGOAL_ADVICE
                                          if label else self.GREY_GOAL_ADVICE)
                    notes.append(f"{label}: {note}" if label else note)
            if entry.due and frame_means is None:
                frame_means = self.channels.swap_means(frame, self.frames_kind)
            notes += [f"{label}: {note}" if label else note for note in
                      self.channels.goal(entry, label, frame_means, self.frames_kind)]
        self.coloured_goals = goals_given if goal is None else None
        self.goal_notes_pending = any(
            (entry.grey and entry.key not in self.grey_goals) or entry.due
            for entry in self.judged.values())
        return notes

    def _frames_kind(self, frame) -> str:
        """Return what the stream's frames are now, judging ``frame`` as cheaply as it can.

        Told grey: the sparse sample alone (its channels differing: colour frames now). Told
        colour: a frame whose sample has equal channels that show something is looked at whole
        (the stream may have turned grey); one that shows nothing (black) not.
        """
        import numpy as np

        frame, kind = np.asarray(frame), self.frames_kind
        if kind and frame.ndim == 3 and frame.shape[2] >= 3:
            if not _sample_grey(frame):
                self.frames_kind = "colour"
                return self.frames_kind
            if kind == "grey" or not _informative(frame[::SAMPLE_STEP, ::SAMPLE_STEP, 0]):
                return kind
        self.frames_kind = colour_kind(frame) or kind
        return self.frames_kind

    def check(self, frame_shape, goal_shape=None, goals=()) -> list[str]:
        """Return the notes not given before for frames of ``frame_shape``, goal ``goal_shape``.

        ``goals``: ``(label, shape)`` of each sub-goal of a list (:func:`subgoal_label`), its note
        prefixed ``"label: "`` and advising :attr:`SUBGOAL_ADVICE` (every sub-goal is judged as
        soon as the list is set, breaker52a). Each note once per file and kind: a sub-goal's label
        without its count (a list grown by ``~/add_subgoal`` says no file's note again,
        breaker52k), a file twice in a list at each place. An entry may give the image itself
        (``(label, image)``): a single goal's (one entry labelled "") note is then once per
        picture, by content (another goal of the same wrong size is noted again, breaker56a;
        the same picture sent again not), as the grey notes are. The same ``goals`` tuple as
        last time (no ``goal_shape``), frames of the same size: no note without looking through
        it again.
        """
        if (goal_shape is None and type(goals) is tuple and goals is self.checked_goals
                and tuple(frame_shape[:2]) == self.last[0]):
            return []
        self.checked_goals = goals if goal_shape is None else None
        single = goals[0][1] if len(goals) == 1 and not goals[0][0] else None
        picture = digest(single) if hasattr(single, "dtype") else None  # an image, not a shape
        goals = (() if goal_shape is None else (("", tuple(goal_shape[:2])),)) + tuple(
            (label, tuple(getattr(shape, "shape", shape)[:2])) for label, shape in goals)
        key = (tuple(frame_shape[:2]), goals, picture)
        if key == self.last:
            return []
        self.last = key
        height, width = key[0]
        notes = [("", camera_size_note(width, height, self.model_size, self.trained_sizes,
                                        self.FRAMES, self.FRAME_ADVICE, self.TRAINED_ADVICE))]
        notes += [(label, goal_size_note(shape, frame_shape, self.FRAMES,
                                         self.SUBGOAL_ADVICE if label else self.GOAL_ADVICE))
                  for label, shape in goals]
        new = []
        for index, (label, note) in enumerate(notes):  # 0: the frames' note
            # per file, not per text: "of N" grows (breaker52k); a single goal's per picture
            key = (_place(label), note) if label or not index or picture is None else (
                picture, note)
            if note and key not in self.given:
                self.given.add(key)
                new.append(f"{label}: {note}" if label else note)
        return new


def subgoal_label(index: int, count: int, source: str = "") -> str:
    """Return how a note names sub-goal ``index`` (1-based) of ``count``, and its file."""
    return f"sub-goal {index} of {count}" + (f" ({source})" if source else "")


def _place(label: str) -> str:
    """Return a :func:`subgoal_label` without its count: the same file at the same place."""
    import re

    return re.sub(r"^(sub-goal \d+) of \d+", r"\1", label)

