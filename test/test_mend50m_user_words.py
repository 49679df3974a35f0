"""mend50m: the words a new user sees, and the README's quotes of them, say what happens.

The camera check's two progress bars are quoted by the README as they are labelled.
"""

from pathlib import Path

from vjepa_ros.eval.camera_check_bag import SEARCH_LABELS

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_names_the_camera_checks_progress_bars_as_labelled():
    text = " ".join(README.read_text().split())
    assert SEARCH_LABELS == ("camera-check search 1 of 2",
                             "camera-check search 2 of 2 (another seed)")
    assert all(f"`{label}`" in text for label in SEARCH_LABELS)
    assert "the `eval:` progress bars (one per search)" not in text
