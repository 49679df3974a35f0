"""Channel notes of a live stream (``channel_notes`` through ``SizeNotes.colour``).

A goal with red and blue swapped against the frames, near-black frames and goals as a 12-bit
camera's 16-bit words give them (breaker56a's defects 3 and 4, the whole family).
"""

import numpy as np
import pytest

from vjepa_ros.channel_notes import DARK_FRAMES, TWELVE_BIT_TOP, swapped_goal_note, twelve_bit_note
from vjepa_ros.image_encodings import image_msg_to_rgb
from vjepa_ros.image_notes import SizeNotes


def scene(red=200.0, green=190.0, blue=170.0, seed=0, shape=(48, 64)):
    """Return a noisy colour picture of the given channel means [levels]."""
    rng = np.random.default_rng(seed)
    base = np.array([red, green, blue])
    noise = rng.normal(0.0, 12.0, (*shape, 3))
    return np.clip(np.rint(base + noise), 0, 255).astype(np.uint8)


def swapped(rgb):
    return np.ascontiguousarray(rgb[..., ::-1])


def notes_for(frame, goal=None, goals=(), notes=None):
    notes = notes or SizeNotes(None)
    return notes.colour(frame, goal=goal, goals=goals)


def test_a_swapped_goal_is_noted_once_per_goal_and_an_unswapped_one_never():
    frame = scene()
    notes = SizeNotes(None)
    goal = swapped(scene(seed=1))
    (said,) = notes.colour(frame, goal=goal)
    assert "red and blue look swapped" in said and "cv2.imwrite" in said and "bgr8" in said
    assert notes.colour(scene(seed=2), goal=goal) == []  # the same goal: said once
    assert notes.colour(scene(seed=3), goal=swapped(goal).copy()) == []  # unswapped now
    other = swapped(scene(seed=4, red=203, blue=168))  # another swapped goal: said again
    assert any("swapped" in note for note in notes.colour(frame, goal=other))


@pytest.mark.parametrize("means", [(128, 128, 128), (180, 150, 176), (176, 150, 180)],
                         ids=["grey-ish scene", "red about blue", "blue about red"])
def test_no_swap_note_where_red_and_blue_do_not_tell(means):
    frame, goal = scene(*means), swapped(scene(*means, seed=1))
    assert not [n for n in notes_for(frame, goal=goal) if "swapped" in n]


def test_a_goal_of_other_light_is_not_called_swapped():
    """Red over blue in both, by other amounts (another light, white balance): no note."""
    frame, goal = scene(210, 190, 160), scene(190, 185, 175, seed=1)
    assert swapped_goal_note((190, 185, 175), (210, 190, 160)) == ""
    assert not [n for n in notes_for(frame, goal=goal) if "swapped" in n]


def test_a_swapped_sub_goal_of_a_list_is_labelled():
    frame = scene()
    goals = (("sub-goal 1 of 2 (a.png)", scene(seed=1)),
             ("sub-goal 2 of 2 (b.png)", swapped(scene(seed=2))))
    said = notes_for(frame, goals=goals)
    assert len(said) == 1 and said[0].startswith("sub-goal 2 of 2 (b.png): ") and \
        "swapped" in said[0], said


def test_the_swap_is_judged_on_the_first_bright_colour_frame():
    """A black start-up frame tells nothing: the goal's swap is judged on the next one."""
    notes, goal = SizeNotes(None), swapped(scene(seed=1))
    goals = (("", goal),)
    assert notes.colour(np.zeros((48, 64, 3), np.uint8), goals=goals) == []
    assert any("swapped" in n for n in notes.colour(scene(), goals=goals))


def test_a_grey_stream_decides_the_swap_at_once():
    """Grey frames cannot tell a swap: decided (no note), the goals not looked through again."""
    notes, grey = SizeNotes(None), np.repeat(scene(seed=8)[..., :1], 3, axis=2)
    goals = (("", swapped(scene(seed=1))),)
    assert not [n for n in notes.colour(grey, goals=goals) if "swapped" in n]
    assert not notes.goal_notes_pending


def sixteen_bit_message(rgb, encoding="rgb16", top=4095, big=False):
    from types import SimpleNamespace

    values = (rgb.astype(np.int64) * top // 255).astype(">u2" if big else "<u2")
    if encoding.startswith("bayer_"):
        mosaic = np.empty(rgb.shape[:2], values.dtype)
        for dy, dx, channel in ((0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 2)):
            mosaic[dy::2, dx::2] = values[dy::2, dx::2, channel]
        values = mosaic
    elif encoding == "bgr16":
        values = values[..., ::-1]
    height, width = rgb.shape[:2]
    return SimpleNamespace(height=height, width=width, encoding=encoding,
                           step=values[0].nbytes, is_bigendian=int(big),
                           data=np.ascontiguousarray(values).tobytes())


@pytest.mark.parametrize("encoding,big", [("rgb16", False), ("rgb16", True), ("bgr16", False),
                                          ("bayer_grbg16", False), ("bayer_bggr16", True)])
def test_twelve_bit_frames_are_noted_once_and_full_range_ones_not(encoding, big):
    picture = scene(seed=5)
    full = image_msg_to_rgb(sixteen_bit_message(picture, encoding, 65535, big))
    notes = SizeNotes(None)
    for _ in range(DARK_FRAMES + 1):
        assert notes.colour(full) == []
    frame = image_msg_to_rgb(sixteen_bit_message(picture, encoding, 4095, big))
    assert frame.max() <= TWELVE_BIT_TOP  # not rescaled: the fixed scale stays
    notes = SizeNotes(None)
    said = [notes.colour(frame) for _ in range(DARK_FRAMES + 3)]
    assert said[:DARK_FRAMES - 1] == [[]] * (DARK_FRAMES - 1)  # (auto exposure settling?)
    (note,) = said[DARK_FRAMES - 1]
    assert note.startswith("the camera's frames are near-black") and "4095" in note
    assert "left by 4" in note and said[DARK_FRAMES:] == [[]] * 3  # once


def test_dark_frames_at_start_up_then_bright_ones_are_no_twelve_bit_camera():
    """A camera's first frames while its auto exposure settles: dark, then bright: no note."""
    notes, dark = SizeNotes(None), (scene(seed=9) // 20).astype(np.uint8)
    assert [notes.colour(dark) for _ in range(DARK_FRAMES - 1)] == [[]] * (DARK_FRAMES - 1)
    assert notes.colour(scene()) == []
    assert [notes.colour(dark) for _ in range(DARK_FRAMES + 1)] == [[]] * (DARK_FRAMES + 1)


def test_a_twelve_bit_goal_file_and_goal_image_are_noted_per_goal(tmp_path):
    import cv2

    from vjepa_ros.image_files import load_image_file

    bgr = scene(seed=7)[..., ::-1].astype(np.uint16)  # OpenCV writes BGR
    path = tmp_path / "goal12.png"
    assert cv2.imwrite(str(path), bgr * 4095 // 255)
    goal = load_image_file(path)
    notes, frame = SizeNotes(None), scene()
    (said,) = notes.colour(frame, goal=goal)
    assert said.startswith("the goal image is near-black") and "4095" in said
    assert notes.colour(frame, goal=goal.copy()) == []  # the same content: once
    full = tmp_path / "goal16.png"
    assert cv2.imwrite(str(full), bgr * 257)
    assert SizeNotes(None).colour(frame, goal=load_image_file(full)) == []


@pytest.mark.parametrize("picture", [np.zeros((48, 64, 3), np.uint8),
                                     np.full((48, 64, 3), 9, np.uint8)],
                         ids=["all-zero start-up frame", "one value everywhere"])
def test_no_near_black_note_for_pictures_that_tell_nothing(picture):
    assert twelve_bit_note(picture) == ""
    assert SizeNotes(None).colour(picture, goal=picture) == []


@pytest.mark.parametrize("frame_means,goal_means", [
    ((104, 108, 113), (112, 110, 104)),  # near-neutral scene, a red object in the goal (review56r)
    ((98, 100, 106), (110, 104, 96)),  # the same, a larger object
    ((205, 195, 181), (180, 190, 188)),  # warm scene, a blue bin in the goal: balance -8
    ((200, 190, 178), (170, 185, 215)),  # daylight goal for tungsten frames: +22 to -45
    ((150, 150, 170), (175, 150, 160)),  # cool scene, a red cloth over half the goal: +15
], ids=["review56r neutral scene, red object", "larger object", "blue bin", "other light",
        "red cloth"])
def test_a_goal_whose_balance_moved_by_its_own_amount_is_not_called_swapped(frame_means,
                                                                           goal_means):
    assert swapped_goal_note(goal_means, frame_means) == ""
    frame, goal = scene(*frame_means), scene(*goal_means, seed=1)
    assert not [n for n in notes_for(frame, goal=goal) if "swapped" in n]


@pytest.mark.parametrize("frame_means", [(206, 195, 185), (185, 195, 206), (190, 170, 150),
                                         (120, 130, 160)],
                         ids=["package's pybullet scene", "its mirror", "warm", "cool"])
def test_a_real_swap_is_still_noted(frame_means):
    """A swapped picture of the scene (the arm elsewhere: means moved a level or two)."""
    red, green, blue = frame_means
    goal_means = (blue + 1.5, green - 1.0, red - 1.0)
    assert "swapped" in swapped_goal_note(goal_means, frame_means)
    frame, goal = scene(*frame_means), swapped(scene(red - 1.0, green - 1.0, blue + 1.5, seed=1))
    assert any("swapped" in n for n in notes_for(frame, goal=goal))
