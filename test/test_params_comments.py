"""The comment above each key of the shipped parameter files is its parameter's description.

A person editing ``config/planner.yaml`` (or camera, bag_player, image_publisher, sim) reads the
comment above a key, not ``ros2 param describe``: a description changed in the code only fails
here, naming the key and the command that rewrites the comments.
"""

from pathlib import Path

import pytest

from vjepa_ros.params_comments import FIX, PARAMS_FILES, descriptions, rewrite, stale

CONFIG = Path(__file__).resolve().parent.parent / "config"


@pytest.mark.parametrize("file_name", sorted(PARAMS_FILES))
def test_every_key_comment_of_a_shipped_file_is_its_description(file_name):
    described = descriptions(PARAMS_FILES[file_name])
    text = (CONFIG / file_name).read_text(encoding="utf-8")
    wrong = stale(text, described)
    assert not wrong, f"config/{file_name}: the comment above {', '.join(wrong)} is not the " \
        f"parameter's description; run `{FIX}`"
    assert rewrite(text, described) == text, f"config/{file_name} is not wrapped as `{FIX}` does"


DESCRIBED = {
    "a.speed": "Top speed [m/s].",
    "a.names": "Names to skip; empty: none.",
    "a.tag": "Tag " + "word " * 30 + "end.",
    "top": "A top-level key.",
}
STALE = """\
# File comment: kept.
/**:
  ros__parameters:
    a:
      # An old text
      # over two lines.
      speed: 0.5        # inline, stale
      # Names to skip (old).
      # names: []   (empty lists are left out: set them with -p)
      tag: "x # not a comment"
      other: 1          # not described: kept
    top: 3
"""


def test_stale_comments_are_named_and_rewritten_keeping_values_and_the_rest():
    assert stale(STALE, DESCRIBED) == ["a.speed", "a.names", "a.tag", "top"]
    new = rewrite(STALE, DESCRIBED)
    lines = new.splitlines()
    assert lines[:4] == STALE.splitlines()[:4]
    assert lines[4:7] == ["      # Top speed [m/s].", "      speed: 0.5",
                          "      # Names to skip; empty: none."]
    assert "      # names: []   (empty lists are left out: set them with -p)" in lines
    assert '      tag: "x # not a comment"' in lines
    assert "      other: 1          # not described: kept" in lines
    tag = lines.index('      tag: "x # not a comment"')
    assert max(len(line) for line in lines) <= 99 and lines[tag - 2].startswith("      # ")
    assert lines[-2:] == ["    # A top-level key.", "    top: 3"]
    assert stale(new, DESCRIBED) == [] and rewrite(new, DESCRIBED) == new


def test_a_comment_that_differs_only_in_wrapping_is_not_stale():
    text = "/**:\n  ros__parameters:\n    a:\n      # Top\n      #   speed   [m/s].\n" \
        "      speed: 0.5\n"
    assert stale(text, DESCRIBED) == []
    assert stale(text.replace("[m/s]", "[km/h]"), DESCRIBED) == ["a.speed"]
