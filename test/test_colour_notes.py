"""The grey-frames and grey-goal notes (``image_notes.colour_kind``, ``SizeNotes.colour``, eval).

fix42h: a frame without colour information (black, saturated, uniform) decides nothing; every
grey goal is noted once by its content; a stream told grey costs a sparse sample a frame; eval
judges a bag by frames spread over it, not by its first.
"""

import types

import numpy as np
import pytest

from vjepa_ros.image_notes import SizeNotes, colour_kind


def _grey(rng, h=48, w=64):
    return np.repeat(rng.integers(0, 256, (h, w, 1), dtype=np.uint8), 3, axis=2)


def test_what_a_picture_tells():
    rng = np.random.default_rng(0)
    assert colour_kind(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)) == "colour"
    assert colour_kind(_grey(rng)) == "grey" and colour_kind(_grey(rng)[..., 0]) == "grey"
    black_white = np.where(rng.random((48, 64, 1)) < 0.5, 0, 255).astype(np.uint8)
    for blank in (np.zeros((48, 64, 3), np.uint8), np.full((48, 64, 3), 255, np.uint8),
                  np.full((48, 64, 3), 128, np.uint8), np.repeat(black_white, 3, axis=2),
                  np.zeros((48, 64), np.uint8)):
        assert colour_kind(blank) == "", blank.shape
    dim = np.zeros((48, 64, 3), np.uint8)
    dim[47, 63] = 3  # a grey pixel the sparse sample misses: the picture shows something grey
    assert colour_kind(dim) == "grey"
    dim[47, 63, 2] = 4  # ... or a colour one
    assert colour_kind(dim) == "colour"


def test_a_saturated_start_then_grey_frames_are_noted_once():
    rng = np.random.default_rng(1)
    notes = SizeNotes(None)
    assert notes.colour(np.full((48, 64, 3), 255, np.uint8)) == []  # blown out: not told
    (said,) = notes.colour(_grey(rng))
    assert "camera's frames are grey" in said
    assert notes.colour(_grey(rng)) == [] and notes.colour(np.zeros((48, 64, 3), np.uint8)) == []


def test_a_grey_goal_waits_for_frames_that_tell_and_the_same_one_again_is_not_noted():
    rng = np.random.default_rng(2)
    notes, goal = SizeNotes(None), _grey(rng)
    assert notes.colour(np.zeros((48, 64, 3), np.uint8), goal) == []  # colour or not: unknown
    (said,) = notes.colour(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), goal)
    assert "goal image is grey" in said
    colour = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    assert notes.colour(colour, goal.copy()) == []  # the same picture sent again
    assert notes.colour(colour, np.zeros((48, 64, 3), np.uint8)) == []  # a black goal: not grey


def test_colour_frames_turning_grey_are_noted_and_black_ones_cost_the_sample(monkeypatch):
    rng = np.random.default_rng(3)
    notes = SizeNotes(None)
    assert notes.colour(rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)) == []
    touched = []
    real = np.array_equal

    def counting(a, b, *args, **kwargs):
        touched.append(np.asarray(a).size)
        return real(a, b, *args, **kwargs)

    monkeypatch.setattr(np, "array_equal", counting)
    black = np.zeros((720, 1280, 3), np.uint8)
    assert notes.colour(black) == []  # lights off: still a colour stream, and cheap
    assert sum(touched) <= 2 * black[::7, ::7, 0].size
    (said,) = notes.colour(_grey(rng, 720, 1280))  # another publisher: a mono8 stream
    assert "are grey" in said


def _recording(frames):
    """Return colour_notes of a Recording of these frames (stood in for), and its reads."""
    from vjepa_ros.recordings.recording import Recording

    read = []

    def iter_frames(indices, lost=None):  # Recording.iter_frames: frames that all decode
        for index in indices:
            read.append(int(index))
            yield int(index), frames[int(index)]

    stand_in = types.SimpleNamespace(image_times=np.arange(len(frames)), image_topic="/cam",
                                     iter_frames=iter_frames)
    return (lambda goal=None: Recording.colour_notes(stand_in, goal)), read


@pytest.mark.parametrize("first", ["black", "white"])
def test_eval_does_not_judge_a_bag_by_a_blank_first_frame(first):
    rng = np.random.default_rng(4)
    blank = np.zeros((48, 64, 3), np.uint8) if first == "black" else \
        np.full((48, 64, 3), 255, np.uint8)
    colour = [blank] + [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(99)]
    notes, read = _recording(colour)
    assert notes() == [] and read == [0, 25]  # stops at the first colour frame
    (said,) = notes(_grey(rng))
    assert "goal image is grey" in said and "bag's frames are colour" in said
    grey = [blank] + [_grey(rng) for _ in range(99)]
    notes, read = _recording(grey)
    (said,) = notes(_grey(rng))
    assert "bag's frames are grey" in said and read == [0, 25, 50, 74, 99]
    notes, _ = _recording([blank] * 10)
    assert notes(_grey(rng)) == []  # nothing tells: no note


def test_eval_reads_the_first_frame_only_of_a_colour_bag(tmp_path, monkeypatch):
    """The real frame reading: a colour bag's notes decode its first frame and close the bag."""
    from vjepa_ros.example_episode import load_example
    from vjepa_ros.recordings import recording as recording_module
    from vjepa_ros.recordings.bag_writing import write_episode
    from vjepa_ros.recordings.bags import read_recording

    episode = load_example()  # real Franka colour frames (../shared/data)
    recording = read_recording(write_episode(tmp_path / "bag", episode))
    assert len(recording.image_times) > 1
    decoded, real = [], recording_module.decode_frame

    def decode(path, topic, msgtype, raw, ordinal, types):
        decoded.append(ordinal)
        return real(path, topic, msgtype, raw, ordinal, types)

    monkeypatch.setattr(recording_module, "decode_frame", decode)
    grey_goal = np.repeat(episode.frames[-1][..., :1], 3, axis=2)
    (said,) = recording.colour_notes(grey_goal)
    assert "goal image is grey" in said and decoded == [0]
