"""``vjepa-ros inspect``: a split recording's part says its note once; a hand line without fingers.

mend62e: a data file of a split recording given by itself printed "is one part of a split
recording" twice (finding the sources said it, and eval's reading of the part said it again
among the bag's notes); the ``hand`` line said "read as 0.08 m" for a reading that reads no
finger at all (``--no-gripper``, no finger topic found).
"""

import shutil

import pytest
from test_split_parts import halves  # noqa: F401 - the fixture: a recording's two parts

from vjepa_ros.cli import main
from vjepa_ros.eval.inspect_data import hand_words

PART = "is one part of a split recording (its parts: rec_0.mcap, rec_1.mcap)"


@pytest.fixture(scope="module")
def parts(halves, tmp_path_factory):  # noqa: F811 - test_split_parts' fixture
    """rec_0.mcap, rec_1.mcap: one 4 Hz recording split at its middle, alone in a folder.

    With the bag folder the first part was written as (its ``metadata.yaml``: the hand record).
    """
    folder = tmp_path_factory.mktemp("parts") / "data"
    folder.mkdir()
    for name, file in zip(("rec_0.mcap", "rec_1.mcap"), halves[0][:2], strict=True):
        shutil.copy(file, folder / name)
    return folder, halves[0][0].parent


def _inspect(capsys, *argv):
    status = main(["inspect", *map(str, argv)])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_one_part_given_alone_says_so_once_in_its_notes(parts, capsys):
    folder, _ = parts
    status, out, err = _inspect(capsys, folder / "rec_0.mcap")
    assert status == 0 and not err, err
    assert out.count(PART) == 1, out
    note = next(line for line in out.splitlines() if PART in line)
    assert note.startswith(f"note          {folder / 'rec_0.mcap'} {PART}: only this part is "
                           f"read; to read the whole recording, give its folder {folder}")
    assert out.index("bag           ") < out.index(PART) < out.index("train         ")


def test_a_part_eval_refuses_still_says_once_that_it_is_a_part(parts, capsys):
    folder, _ = parts
    status, out, err = _inspect(capsys, folder / "rec_1.mcap", "--image-topic", "/nope")
    assert status == 1 and "image topic /nope is not in the bag" in err, err
    assert (out + err).count(PART) == 1, out + err
    assert out.startswith(f"note          {folder / 'rec_1.mcap'} {PART}"), out


def test_json_keeps_the_note_in_the_recordings_notes(parts, capsys):
    import json

    folder, _ = parts
    status, out, _ = _inspect(capsys, folder / "rec_0.mcap", "--json")
    assert status == 0
    found = json.loads(out)
    assert [n for n in found["sources"][0]["eval"]["recording"]["notes"] if PART in n]


def test_a_reading_without_fingers_says_no_finger_is_read(parts, capsys, tmp_path):
    _, bag = parts
    status, out, _ = _inspect(capsys, bag, "--no-gripper")
    hand = next(line for line in out.splitlines() if line.startswith("hand "))
    assert status == 0 and hand.endswith(
        "written by vjepa-ros; no finger is read: gripper none (--no-gripper))"), hand
    assert "0.08" not in hand.split("(custom_data")[1], hand
    shutil.copytree(bag, tmp_path / "bare")
    (tmp_path / "bare" / "metadata.yaml").unlink()  # no hand record: the data file alone
    data = next((tmp_path / "bare").glob("*.mcap"))
    status, out, _ = _inspect(capsys, data, "--no-gripper")
    assert status == 0 and "hand          no hand recorded in metadata.yaml's custom_data; no " \
        "finger is read: gripper none (--no-gripper)\n" in out, out
    # a finger topic searched and not found: the reader's "none (assumed open)"
    assert hand_words(data, 0.08, 0.08, "none (assumed open)") == \
        "no hand recorded in metadata.yaml's custom_data; no finger is read: gripper none " \
        "(assumed open)"
    assert hand_words(data, 0.08, 0.08, "/franka_gripper/joint_states").startswith(
        "the fingers' full opening read as 0.08 m")  # fingers read: as before
