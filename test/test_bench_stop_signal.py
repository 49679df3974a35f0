"""A benchmark stopped by Ctrl-C says what it saved and where, in one line (status 130).

Every script ended a stop with a bare ``bench_reach.py: interrupted``: whether its ``--json``
file had been written was left to guess. Each script runs in a process of its own, stopped
(SIGINT to itself, as Ctrl-C) as soon as its options are parsed, or once its output file is
claimed (``out_paths.output_file``) for a script given one: nothing is written yet.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(p.name for p in (ROOT / "benchmarks").glob("bench_*.py"))
WRITES = {  # the scripts that write files of the user's: the options given them
    "bench_camera_check.py": ["--json", "OUT"],
    "bench_camera_motion_count.py": ["--checkpoint", "demo", "--json", "OUT"],
    "bench_manipulation.py": ["--json", "OUT"],
    "bench_reach.py": ["--json", "OUT"],
    "bench_search.py": ["open-loop", "--json", "OUT"],
}
REQUIRED = {"bench_camera_verdict.py": ["--rows", "rows.json"],  # (stopped before read)
            "bench_compiled_agreement.py": ["--episodes", "episodes"],
            "bench_encoder_rank.py": ["--data", "data"]}
STOP_EARLY = """
import os, runpy, signal, sys
from vjepa_ros import cli_parser, out_paths

script, stop_at = sys.argv[1], sys.argv[2]

def stopping(original, here):
    def call(*args, **kwargs):
        result = original(*args, **kwargs)
        if here == stop_at:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, raised here in the main thread
        return result
    return call

cli_parser.ArgumentParser.parse_args = stopping(cli_parser.ArgumentParser.parse_args, "parse")
out_paths.output_file = stopping(out_paths.output_file, "output")
sys.argv = [script, *sys.argv[3:]]
runpy.run_path(script, run_name="__main__")
"""


def test_every_script_is_listed_where_it_writes_files():
    assert set(WRITES) <= set(SCRIPTS) and len(SCRIPTS) >= 20


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_stopped_benchmark_says_what_it_saved(tmp_path, script):
    out = tmp_path / "numbers.json"
    args = [str(out) if a == "OUT" else a
            for a in WRITES.get(script, REQUIRED.get(script, []))]
    done = subprocess.run(
        [sys.executable, "-c", STOP_EARLY, f"benchmarks/{script}",
         "output" if script in WRITES else "parse", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 128 + signal.SIGINT, done.stderr
    saved = f"nothing saved (--json {out} not written)" if script in WRITES else "nothing saved"
    assert done.stderr.strip().splitlines()[-1] == f"{script}: interrupted; {saved}", done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def test_the_line_names_the_files_written_before_the_stop(tmp_path):
    from vjepa_ros import saved_outputs

    saved_outputs.forget()
    try:
        assert saved_outputs.saved_text() == "nothing saved"
        kept, old = tmp_path / "kept.json", tmp_path / "old.png"
        old.write_text("an earlier run's")  # there before: not this run's unless rewritten
        saved_outputs.expect(kept, "--json")
        saved_outputs.expect(old, "--plot")
        assert saved_outputs.saved_text() == (
            f"nothing saved (--json {kept} not written; --plot {old} not written)")
        kept.write_text("[]")
        for name in ("a.npz", "b.npz"):
            saved_outputs.wrote(tmp_path / name, "--cache")
        assert saved_outputs.saved_text() == (
            f"saved --json {kept}, --cache {tmp_path / 'a.npz'} and 1 more; --plot {old} not "
            "written")
    finally:
        saved_outputs.forget()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_benchmark_stopped_while_its_nodes_plan_ends_in_its_one_line(signum, tmp_path):
    """A stop while the in-process planner node plans: its one line and the shell's status.

    Ctrl-C ended it in status 134 (SIGABRT), "terminate called without an active exception"
    after the line: the script never shut its nodes down. Its model file's folder
    (``tempfile.mkdtemp``, here in a TMPDIR of its own) was left behind.
    """
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    process = subprocess.Popen(
        [sys.executable, "benchmarks/bench_planner_node.py", "--seconds", "60", "--samples", "4",
         "--iterations", "1"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "TMPDIR": str(tmp_path)})
    lines = []
    for line in process.stderr:  # the node plans once it has its goal
        lines.append(line)
        if "new goal" in line:
            process.send_signal(signum)
            break
    try:
        err = "".join(lines) + process.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"still running 60 s after the signal: {''.join(lines)}")
    word = "interrupted" if signum == signal.SIGINT else "terminated"
    assert process.returncode == 128 + signum, err
    assert err.rstrip().splitlines()[-1] == f"bench_planner_node.py: {word}; nothing saved", err
    assert "terminate called" not in err and "Traceback" not in err, err
    assert list(tmp_path.iterdir()) == []
