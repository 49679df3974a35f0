"""fix62f: sub-0.5 s clock steps against latency drops; inspect of frames that do not deserialize.

breaker62d #5's family: ``Recording.frame_encoding`` reads the first camera message that
deserializes (one cut short is a lost frame, as ``iter_frames`` reads it); none does: inspect's
one line, never a traceback.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pytest
from test_breaker62d import _first_frame_damaged

from vjepa_ros.cli import main


def _inspect(bag, *args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(["inspect", str(bag), *args])
    return status, out.getvalue(), err.getvalue()


def test_inspect_names_the_encoding_of_the_first_frame_that_deserializes(tmp_path):
    """The first three camera messages cut short: the frames' encoding is the fourth's, read."""
    bag = _first_frame_damaged(tmp_path / "bag", lambda ordinal: ordinal < 3)
    status, out, _ = _inspect(bag, "--json")
    report = json.loads(out)["sources"][0]["eval"]
    assert status == 0 and report["frames"]["encoding"] == "rgb8", report["frames"]
    assert (report["frames"]["width"], report["frames"]["height"]) == (64, 48)
    said = [note for note in report["recording"]["notes"] if "did not decode" in note]
    assert len(said) == 1 and "3 frames on" in said[0], said


@pytest.mark.parametrize("json_out", [False, True], ids=["text", "json"])
def test_inspect_of_a_bag_none_of_whose_frames_deserialize_is_one_line(tmp_path, json_out):
    """Every camera message cut short: status 1, 'no frame decodes' in one line, no traceback."""
    bag = _first_frame_damaged(tmp_path / "bag", lambda ordinal: True)
    status, out, err = _inspect(bag, *(["--json"] if json_out else []))
    said = out if json_out else err
    assert status == 1 and "no frame decodes: 20 frames on" in said, (out, err)
    assert "Traceback" not in out + err
    if not json_out:
        assert len(err.strip().splitlines()) == 1, err
