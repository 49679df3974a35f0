"""mend50: the words a new user sees on a camera whose transport changed name the bag.

A camera topic of Images, then CompressedImages (a driver restarted with compressed transport):
the reader's note and the player's each begin with the bag's path, as the reader's other notes
do (``PATH: /topic ...``), so a folder of many bags says which one. (The camera check's two
progress bars are named in test_breaker49c, a damaged message's number counted from 1 in
test_breaker49b and test_eval_recordings_damaged.)
"""

import pytest
from test_breaker49b import CAMERA
from test_breaker49e import _mcap_writer_bag

from vjepa_ros.eval.playback import bag_contents
from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.topic_types import one_stream

pytestmark = pytest.mark.usefixtures("one_thread")


def test_the_readers_transport_switch_note_names_the_bag(tmp_path):
    path = _mcap_writer_bag(tmp_path / "cam run.mcap", compressed_from=5)
    notes = read_recording(path).notes
    lead = f"{shown_path(path)}: {CAMERA} carries 5 {m.IMAGE}, then 7 {m.COMPRESSED_IMAGE} "
    assert [note for note in notes if note.startswith(lead)
            and "(the camera's transport changed?): read all 12" in note], notes


def test_the_players_transport_switch_note_names_the_bag(tmp_path):
    path = _mcap_writer_bag(tmp_path / "x.mcap", compressed_from=5)
    notes = bag_contents(path).notes
    assert [note for note in notes
            if note.startswith(f"{shown_path(path)}: {CAMERA} carries messages of 2 types")
            and note.endswith(f"carries messages of 2 types: only its 7 {m.COMPRESSED_IMAGE} "
                              f"message(s) are published; its 5 {m.IMAGE} message(s) are not "
                              "(the camera's transport changed?)")], notes


def test_two_publishers_note_names_the_bag_too(tmp_path):
    bag = tmp_path / "b.mcap"
    note = one_stream("/cam", m.IMAGE, [m.IMAGE, m.COMPRESSED_IMAGE] * 6,
                      list(range(0, 12 * 250_000_000, 250_000_000)), bag=bag)[1]
    assert note.startswith(f"{bag}: /cam: its 6 {m.COMPRESSED_IMAGE} message(s) come among"), note
