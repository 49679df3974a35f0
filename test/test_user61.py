"""user61: a roboticist follows the README's reference sections (planner, sim_node, post-training).

Each test was a strict xfail that failed because of the defect it names (fixed by fix61u); a doc
defect is a test that reads the doc and runs the program and shows they agree.
"""

from conftest import REPO_ROOT
from vjepa_ros.cli import main

README = REPO_ROOT / "README.md"


def _table_row(heading: str, needle: str) -> list[str]:
    """Return the cells of the first README table row under ``heading`` holding ``needle``."""
    text = README.read_text()
    section = text[text.index(heading):]
    section = section[:section.index("\n### ", 1)]
    for line in section.splitlines():
        if line.startswith("|") and needle in line:
            return [cell.strip() for cell in line.strip().strip("|").split(" | ")]
    raise AssertionError(f"README {heading!r}: no table row holds {needle!r}")


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



def test_a_reader_that_stops_early_is_no_failure(tmp_path):
    """`vjepa-ros inspect BAG | head -1` reads as success, as `--help | head -1` does.

    What the user does: after recording (`vjepa-ros record sim_bag --frames 16`, the README's
    "A bag" lines) pipes a command into `head` to see its first line: `vjepa-ros inspect
    sim_bag | head -1` (the same with `vjepa-ros planner status | head -3` while the planner runs).

    What happens: once `head` has its lines and exits, the command's next write fails and it
    prints `vjepa-ros inspect: [Errno 32] Broken pipe` on stderr and exits 1, the status the
    README gives a refusal or a planner that is not there ("1 refused or not there"); nothing
    went wrong. `vjepa-ros train --help`, into the same closed pipe, ends quietly with status 0.

    What should happen: a reader that closed its end early ends the command quietly, without a
    line that reads as the command's failure, and not with the status of a refusal.
    """
    import os
    import subprocess
    import sys

    from conftest import write_test_bag

    bag = write_test_bag(tmp_path / "bag", frames=4)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (head) has gone
    try:
        done = subprocess.run([sys.executable, "-m", "vjepa_ros.cli", "inspect", str(bag)],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
                              cwd=REPO_ROOT, check=False)
    finally:
        os.close(write_end)
    assert "Broken pipe" not in done.stderr, done.stderr
    assert done.returncode != 1, f"status 1 (a refusal) for a reader that stopped: {done.stderr}"
