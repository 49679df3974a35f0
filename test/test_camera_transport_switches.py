"""One camera whose transport changed, or two publishers of a camera's two types at once.

``topic_types.one_stream`` on message types and receive times alone (no bag): Image (IMG) and
CompressedImage (CMP) frames of a 4 Hz camera. A switch (any number, an overlap of a message or
two of each type) keeps every message; types whose messages come together over a span (a
stray frame, raw and compressed published side by side, alternating at every frame) keep the
topic's type only.
"""

import random

import pytest

from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.topic_types import one_camera, one_stream

PERIOD = 250_000_000  # [ns] 4 Hz
IMG, CMP = m.IMAGE, m.COMPRESSED_IMAGE


def _frames(kind, frames, offset_ns=0):
    return [(kind, i * PERIOD + offset_ns) for i in frames]


SWITCHES = {  # name: (kind, time) of each message
    "clean": _frames(IMG, range(5)) + _frames(CMP, range(5, 12)),
    "one message overlap": _frames(IMG, range(5)) + [(CMP, 4 * PERIOD - 1000)]
    + _frames(CMP, range(6, 12)),
    "two each side": _frames(IMG, range(6)) + _frames(CMP, (4, 5), -1000)
    + _frames(CMP, range(6, 12)),
    "switched back": _frames(IMG, range(4)) + _frames(CMP, range(4, 8))
    + _frames(IMG, range(8, 12)),
    "five switches": [(IMG if run % 2 else CMP, (run * 5 + i) * PERIOD)
                      for run in range(6) for i in range(5)],
    "back with overlaps": _frames(IMG, range(4)) + _frames(CMP, range(3, 8), -1000)
    + _frames(IMG, range(7, 12), -1000),
}
TWO_PUBLISHERS = {
    "stray frame": _frames(IMG, range(12)) + [(CMP, 5 * PERIOD + 1000)],
    "stray before the first": _frames(IMG, range(12)) + [(CMP, -1000)],
    "side by side": _frames(IMG, range(12)) + _frames(CMP, range(12), 1000),
    "half a period apart": _frames(IMG, range(12)) + _frames(CMP, range(12), PERIOD // 2),
    "every other frame": [(IMG if i % 2 else CMP, i * PERIOD) for i in range(12)],
    "three frames in common": _frames(IMG, range(8)) + _frames(CMP, range(5, 12), PERIOD // 3),
}


def _split(messages):
    """Return (kinds, times) in a shuffled read order (the rule must not need time order)."""
    shuffled = random.Random(len(messages)).sample(messages, len(messages))
    return [kind for kind, _ in shuffled], [time for _, time in shuffled]


@pytest.mark.parametrize("name", SWITCHES)
def test_a_camera_whose_transport_changed_keeps_every_message(name):
    kinds, times = _split(SWITCHES[name])
    keep, note = one_stream("/cam", IMG, kinds, times)
    assert one_camera(kinds, times) and keep is None, note
    assert "the camera's transport changed?" in note and f"read all {len(kinds)}" in note, note


def test_the_note_names_the_runs_in_time_order_and_the_overlap():
    kinds, times = _split(SWITCHES["one message overlap"])
    note = one_stream("/cam", CMP, kinds, times)[1]
    assert f"carries 4 {IMG}, then 6 {CMP} message(s), and 2 more where both types came at a " \
        "switch" in note, note
    kinds, times = _split(SWITCHES["switched back"])
    assert f"carries 4 {IMG}, then 4 {CMP}, then 4 {IMG} message(s) (" in one_stream(
        "/cam", IMG, kinds, times)[1]


@pytest.mark.parametrize("name", TWO_PUBLISHERS)
def test_two_publishers_at_once_keep_the_topics_type_only(name):
    kinds, times = _split(TWO_PUBLISHERS[name])
    main = max((IMG, CMP), key=kinds.count)
    keep, note = one_stream("/cam", main, kinds, times)
    assert not one_camera(kinds, times)
    assert keep == [kind == main for kind in kinds], note
    assert "a second publisher at the same time?" in note and f"read the {main} ones" in note


def test_a_topic_of_one_type_is_one_stream_without_a_note():
    assert one_stream("/cam", IMG, [IMG] * 3, [0, PERIOD, 2 * PERIOD]) == (None, "")
    assert not one_camera([IMG] * 3, [0, PERIOD, 2 * PERIOD])
