"""The console scripts take Ctrl-C / SIGTERM from the start (``vjepa_ros/entry_points.py``).

A stop while a command or node executable still loads (0.1–1 s of imports, the parser) ended in
a ``KeyboardInterrupt`` traceback, or, for a process started with SIGINT ignored (``cmd &`` in a
script), was lost and the command ran on.
"""

import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vjepa_ros.entry_points import run_stoppable

REPO_ROOT = Path(__file__).resolve().parents[1]


def _setup_console_scripts() -> list[str]:
    tree = ast.parse((REPO_ROOT / "setup.py").read_text())
    call = next(node for node in ast.walk(tree) if isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "setup")
    keywords = {kw.arg: kw.value for kw in call.keywords}
    return ast.literal_eval(keywords["entry_points"])["console_scripts"]


def test_every_console_script_starts_through_entry_points():
    for spec in _setup_console_scripts():
        target = spec.split("=", 1)[1].strip()
        assert target.startswith("vjepa_ros.entry_points:"), spec


def test_every_node_module_ends_through_end_after():
    """``python -m vjepa_ros.nodes.X`` (Launch's child processes) ends as its console script."""
    for name in ("planner_node", "sim_node", "camera_node", "image_publisher", "bag_player"):
        path = REPO_ROOT / "vjepa_ros" / "nodes" / f"{name}.py"
        tree = ast.parse(path.read_text())
        main_block = [node for node in tree.body if isinstance(node, ast.If)
                      and "__main__" in ast.unparse(node.test)]
        assert len(main_block) == 1, path
        last = main_block[0].body[-1]
        assert isinstance(last, ast.Expr) and ast.unparse(last.value).startswith("end_after("), (
            path, ast.unparse(last))


def test_the_entry_module_loads_no_command_before_the_signals_are_taken():
    code = ("import sys; import vjepa_ros.entry_points; "
            "print(sorted(m for m in sys.modules if m.startswith(('vjepa_ros.', 'rclpy', "
            "'torch', 'yaml', 'numpy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO_ROOT, check=True).stdout
    # (main_start: the package's __init__, sys and os alone)
    assert ast.literal_eval(out.strip()) == ["vjepa_ros.entry_points", "vjepa_ros.main_start",
                                             "vjepa_ros.terminate"]


@pytest.mark.parametrize("signum, word, status", [
    (signal.SIGINT, "interrupted", 130), (signal.SIGTERM, "terminated", 143)])
def test_a_stop_while_the_command_loads_ends_it_in_one_line(signum, word, status, capsys):
    """Started with SIGINT ignored (a background job), the stop still ends it, in one line."""
    loaded = []

    def load():
        os.kill(os.getpid(), signum)  # as the signal lands mid-import
        time.sleep(5.0)
        loaded.append(True)
        return lambda: 0

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert run_stoppable("vjepa-ros", load) == status
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # restored on the way out
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not loaded
    assert capsys.readouterr().err == f"vjepa-ros: {word}\n"


def _says_its_line_then_a_second_stop_lands(signum: int):
    """Say the command's stop line, then raise a second stop (as on the command's way out)."""
    from vjepa_ros.terminate import Terminated, report_stop

    first = Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()
    report_stop("x cmd", first, "nothing saved")
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


@pytest.mark.parametrize("signum, word, status", [
    (signal.SIGINT, "interrupted", 130), (signal.SIGTERM, "terminated", 143)])
def test_a_second_stop_after_the_commands_own_line_says_no_other(signum, word, status, capsys):
    """One line, not ``vjepa-ros eval: interrupted; nothing saved`` + ``vjepa-ros: interrupted``.

    Fuzzed: a second Ctrl-C 13 ms after the first landed as eval's line was said.
    """
    from vjepa_ros.command_errors import run_reporting

    assert run_stoppable("x", lambda: lambda: _says_its_line_then_a_second_stop_lands(
        signum)) == status
    assert capsys.readouterr().err == f"x cmd: {word}; nothing saved\n"
    assert run_reporting("x cmd", lambda: _says_its_line_then_a_second_stop_lands(
        signum)) == status
    assert capsys.readouterr().err == f"x cmd: {word}; nothing saved\n"
    # a first stop outside the command's handling still gets its line
    assert run_reporting("x cmd", lambda: os.kill(os.getpid(), signum) or time.sleep(5)) \
        == status
    assert capsys.readouterr().err == f"x cmd: {word}\n"


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_scripts_child_ends_silently_through_either_handler(signum, status, capsys,
                                                               monkeypatch):
    """A benchmark script's child (``terminate.QUIET_STOP_ENV``): its parent says the one line.

    ``run_reporting`` kept it silent but ``run_stoppable`` (a node module or console script the
    script started) said ``NAME: interrupted`` beside the script's own line.
    """
    from vjepa_ros.command_errors import run_reporting
    from vjepa_ros.terminate import QUIET_STOP_ENV

    monkeypatch.setenv(QUIET_STOP_ENV, "1")

    def stopped():
        os.kill(os.getpid(), signum)
        time.sleep(5.0)

    assert run_stoppable("sim_node", lambda: stopped) == status
    assert run_reporting("x cmd", stopped, saved=lambda: "nothing saved") == status
    assert capsys.readouterr().err == ""


def test_stop_status_is_128_plus_the_signal():
    from vjepa_ros.terminate import Terminated, stop_signal, stop_status

    assert (stop_signal(Terminated()), stop_status(Terminated())) == (signal.SIGTERM, 143)
    assert (stop_signal(KeyboardInterrupt()), stop_status(KeyboardInterrupt())) \
        == (signal.SIGINT, 130)


def test_the_command_status_passes_through():
    assert run_stoppable("x", lambda: lambda: 3) == 3
    assert run_stoppable("x", lambda: lambda: None) == 0


def _stopped_while_loading(call: str, *argv: str) -> subprocess.CompletedProcess:
    """Start ``call`` as its console script does, SIGINT ignored; Ctrl-C while it loads.

    ``-X importtime`` reports each finished import on stderr: the signal goes out at the first
    import reported after ``vjepa_ros.entry_points`` (one of the command's own modules, imported
    once the entry took the signals; before that the interpreter's start ignores it, as any
    process started so does), while the command still loads.
    """
    code = f"import sys; from vjepa_ros.entry_points import {call} as m; sys.exit(m())"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-c", code, *argv], cwd=REPO_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    lines, entry_loaded = [], False
    for line in process.stderr:
        lines.append(line)
        if entry_loaded:
            process.send_signal(signal.SIGINT)
            break
        entry_loaded = line.rstrip().endswith("| vjepa_ros.entry_points")
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out,
                                       "".join(lines) + err)


def _own_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("import time:")]


def test_ctrl_c_while_vjepa_ros_loads_ends_it_with_130_and_one_line():
    done = _stopped_while_loading("vjepa_ros_command", "check")  # check runs ~2 s: torch
    lines = _own_lines(done.stderr)
    assert done.returncode == 130, lines
    assert "Traceback" not in done.stderr
    assert lines in (["vjepa-ros: interrupted"], ["vjepa-ros check: interrupted"]), lines


def test_ctrl_c_while_a_node_executable_loads_ends_it_with_130_and_one_line():
    done = _stopped_while_loading("image_publisher")  # rclpy alone takes ~0.5 s to import
    lines = _own_lines(done.stderr)
    assert done.returncode == 130, lines
    assert "Traceback" not in done.stderr
    assert lines[-1:] == ["image_publisher: interrupted"], lines


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_after_the_command_returned_ends_the_process_at_once_without_a_traceback(signum):
    """The interpreter's exit after torch takes seconds; a stop then must not raise inside it."""
    code = ("import os, sys, time; from vjepa_ros.entry_points import exiting; "
            "status = exiting(0); "
            f"os.kill(os.getpid(), {int(signum)}); time.sleep(30); print('slept', flush=True); "
            "sys.exit(status)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert done.returncode == -signum  # ended by the signal: 128 + signum to a shell
    assert done.stderr == ""
    # at once: not after the 30 s sleep (seen by its line, not by a 25 s wall-clock limit that
    # the interpreter's start and imports on a busy 2-core machine eat into)
    assert done.stdout == ""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("landing", [1, 3])
def test_a_stop_between_the_commands_line_and_the_exit_ends_it_silently_by_the_signal(
        signum, landing):
    """A stop landing inside ``signal.signal`` after the command returned: no traceback.

    The 1st call restores the handlers (still raising), the 3rd gives them their default action
    (``exiting``). Both raised KeyboardInterrupt / Terminated out of the console script's end:
    a traceback after ``vjepa-ros launch: interrupted`` (CI, a second Ctrl-C soon after).
    """
    # raised, not sent: a signal to itself is handled at the next check, which may come after
    # signal.signal set the default action (a run that exited 0 in CI)
    stop = "KeyboardInterrupt" if signum == signal.SIGINT else "terminate.Terminated"
    code = (
        "import os, signal, sys\n"
        "from vjepa_ros import entry_points, terminate\n"
        "real, calls = signal.signal, []\n"
        "def landing(signum, handler):\n"
        "    calls.append(signum)\n"
        f"    if len(calls) == {landing}:  # what the raising handler does there\n"
        f"        raise {stop}()\n"
        "    return real(signum, handler)\n"
        "def command():\n"
        "    print('x: done', file=sys.stderr, flush=True)\n"
        "    signal.signal = landing\n"
        "    return 0\n"
        "entry_points.end_after(lambda: entry_points.run_stoppable('x', lambda: command))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert done.stderr == "x: done\n"
    assert done.returncode in (-signum, 128 + signum)  # by the signal, or os._exit after it


def test_a_second_ctrl_c_while_launch_exits_ends_it_without_a_traceback():
    """``vjepa-ros launch``: Ctrl-C, its line, then Ctrl-C again during the interpreter's exit."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "vjepa_ros.cli", "launch", "--checkpoint", "demo"], cwd=REPO_ROOT,
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in process.stderr:
            lines.append(line)
            if "launch: running" in line:
                process.send_signal(signal.SIGINT)
            if "launch: interrupted" in line:
                process.send_signal(signal.SIGINT)  # torch's finalizers run for ~2 s after
                break
        lines += process.communicate(timeout=60)[1].splitlines(keepends=True)
    finally:
        process.kill()
    text = "".join(lines)
    assert "launch: interrupted" in text
    assert process.returncode in (130, -signal.SIGINT)
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text[-2000:]
