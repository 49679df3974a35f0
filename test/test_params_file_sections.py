"""A given launch argument wins over any params_file rcl reads, however it is written (mend51r).

``values_file`` writes the given values under every section name of the ``params_file``; those
names are read as rcl reads the file (``rcl_yaml.load``), so a file of several documents
(``---``) or with a tab between the tokens of a line -- both valid for rcl, refused by plain
PyYAML -- still has its sections named. What the planner gets is read back by rcl, as
``test_breaker51h.py`` reads it.
"""

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from test_breaker51h import _planner_reads  # noqa: E402

# /** first, then the planner's own name, then a spelling rcl applies after both
HEADER = "/**:\n  ros__parameters:\n    planner: {samples: 12}\n"
OWN = "/vjepa_planner:\n  ros__parameters:\n    model: {device: cpu}\n"
LATER = "/**/vjepa_planner:\n  ros__parameters:\n    model:\n      checkpoint: A.pt\n"


@pytest.mark.parametrize("text", [
    HEADER + OWN + "---\n" + LATER,  # two documents, one mapping to rcl
    HEADER + OWN + LATER.replace("checkpoint: A.pt", "checkpoint:\tA.pt"),  # a tab
], ids=["two_documents", "tab_between_tokens"])
def test_given_device_and_checkpoint_win_over_a_params_file_rcl_reads(monkeypatch, tmp_path,
                                                                      text):
    """``params_file:=lab.yaml device:=cuda checkpoint:=B.pt``: the planner gets cuda and B."""
    lab = tmp_path / "lab.yaml"
    lab.write_text(text)
    read = _planner_reads(monkeypatch, params_file=str(lab), device="cuda",
                          checkpoint="B.pt")
    assert read["planner.samples"] == 12
    assert (read["model.device"], read["model.checkpoint"]) == ("cuda", "B.pt")
