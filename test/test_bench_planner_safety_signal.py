"""``bench_planner_safety.py`` stopped by SIGTERM: one line, status 143, no process or folder left.

rclpy's signal handler shut its context down and the check ended in an
``ExternalShutdownException`` traceback; a signal while a scenario's node was starting left the
planner node and the sensor process running.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = ("bench_planner_safety.py: terminated (SIGTERM); the planner node and sensor processes "
        "it started are stopped; nothing saved")


def children(pid: int) -> list[int]:
    """Return the running (not zombie) processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(parent) == pid and state != "Z":
            found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_sigterm_stops_the_check_and_its_processes_in_one_line(tmp_path):
    check = subprocess.Popen(
        [sys.executable, "benchmarks/bench_planner_safety.py", "--scenario", "inside",
         "--seconds", "60"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(tmp_path)})
    started = []
    try:
        deadline = time.monotonic() + 120
        while len(started) < 2 and time.monotonic() < deadline and check.poll() is None:
            time.sleep(0.2)
            started = children(check.pid)
        assert len(started) == 2, "the planner node and the sensor process did not start"
        time.sleep(1.0)  # the node is starting (or the scenario running)
        check.send_signal(signal.SIGTERM)
        out, err = check.communicate(timeout=90)
    finally:
        if check.poll() is None:
            check.kill()
            check.communicate()
    assert check.returncode == 143, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == LINE, err
    deadline = time.monotonic() + 60  # only a failing run waits this long
    while any(map(running, started)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(running, started)), "a child outlived the check"
    assert list(tmp_path.iterdir()) == []  # its scratch folders (model, logs, camera check)
