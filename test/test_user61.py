"""user61: a lab roboticist follows the README's reference sections (planner, sim_node, post-training).

Each test is a strict xfail that fails because of the defect its reason names; a doc defect is a
test that reads the doc and runs the program and shows they disagree.
"""

import pytest

from conftest import REPO_ROOT
from vjepa_ros.cli import main

README = REPO_ROOT / "README.md"


def _table_row(heading: str, needle: str) -> list[str]:
    """Return the cells of the first table row under ``heading`` of the README holding ``needle``."""
    text = README.read_text()
    section = text[text.index(heading):]
    section = section[:section.index("\n### ", 1)]
    for line in section.splitlines():
        if line.startswith("|") and needle in line:
            return [cell.strip() for cell in line.strip().strip("|").split(" | ")]
    raise AssertionError(f"README {heading!r}: no table row holds {needle!r}")


@pytest.mark.xfail(strict=True, reason="user61 #1: README 'Messages and exit statuses' gives status 1 for "
                                       "the launch -p out-of-range line, which exits 2")
def test_launch_p_out_of_range_exit_status_is_the_one_the_readme_gives(capsys):
    """The exit status the README's table gives a launch ``-p`` value out of range is the real one.

    What the user does: reads README "Planner node (ROS 2)" > "Messages and exit statuses" to
    write a bring-up script that tells a typo (2) from a file problem (1), and runs
    `vjepa-ros launch --checkpoint demo -p planner.planner.samples:=-5`.

    What happens: the table's first row shows exactly the line the command prints
    (`vjepa-ros launch: planner: -p planner.planner.samples must lie in [1, 100000], got -5`)
    with exit status 1; the command exits 2 (as docs/planner_node.md says of a `-p` value out of
    its range, and as the table's second row says of "a bad -p item or value"). A params-file
    value out of range under launch is named by its file (`--params-file ./p.yaml: ...`), not by
    a `-p` name, so the row's launch example belongs to no status-1 case.

    What should happen: the README row that shows the launch `-p` line gives its real status, 2.
    """
    shown = "vjepa-ros launch: planner: -p planner.planner.samples must lie in [1, 100000], got -5"
    row = _table_row("### Messages and exit statuses", shown)
    documented = int(row[-1])
    status = main(["launch", "--checkpoint", "demo", "-p", "planner.planner.samples:=-5"])
    assert shown in capsys.readouterr().err
    assert status == documented, (f"README says exit status {documented} for {shown!r}; "
                                  f"the command exits {status}")

