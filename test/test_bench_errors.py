"""A benchmark given bad settings ends in one line, as the ``vjepa-ros`` commands do.

``python benchmarks/bench_eval.py --iterations 0`` ended with a traceback ending in
``CEMConfig.iterations``, a sample count too large for memory with one ending in
``SamplesMemoryError: CEMConfig.samples ...``. Every script now runs its ``main`` through
``command_errors.run_script``, the ending ``cli.main`` uses (``run_reporting``).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_bench_options import STARTUP_PROBE

ROOT = Path(__file__).resolve().parent.parent

USER_ERRORS = [
    # a value the settings refuse, named as the option typed; the status: 2 a value typed out of
    # its range (cli31: as the vjepa-ros commands), 1 samples that do not fit in memory
    # ... before any work, in vjepa-ros's words (cli_options.check_option_ranges)
    ("bench_eval.py", ["--iterations", "0", "--steps", "2", "--models", "tiny"],
     "bench_eval.py: --iterations must lie in [1, 1000], got 0", 2),
    ("bench_eval.py", ["--samples", "0", "--steps", "1"],
     "bench_eval.py: --samples must lie in [1, 100000], got 0", 2),
    ("bench_subgoal_switching.py", ["--samples", "0", "--seeds", "1"],
     "bench_subgoal_switching.py: --samples must lie in [1, 100000], got 0", 2),
    # a torch thread count vjepa-ros run refuses (0 is the default, as everywhere)
    ("bench_manipulation.py", ["--threads", "-1"], "bench_manipulation.py: --threads -1: must "
     "lie in [0, 1024] (torch CPU threads; 0 or left out: OMP_NUM_THREADS when set, else all "
     "cores but one)", 2),
    ("bench_train.py", ["--threads", "-1"], "bench_train.py: --threads -1: must lie in [0, 1024]",
     2),
    ("bench_planner.py", ["--threads", "-2"], "bench_planner.py: --threads -2: must lie in "
     "[0, 1024]", 2),
    # too many samples for any machine (5 TiB), from a budget: the budget's option named, before
    # the header (an iCEM budget once counted its samples up one at a time: it never answered)
    ("bench_search.py", ["open-loop", "--models", "mid", "--mid-budgets", "100000000000",
                         "--mid-problems", "1", "--methods", "cem"],
     "bench_search.py: --mid-budgets 100000000000: cem would plan with 10000000000 samples at "
     "horizon 2, about 5215.4 GiB for its action samples, more than half the ", 1),
    ("bench_search.py", ["open-loop", "--models", "demo", "--budgets", "100", "100000000000",
                         "--methods", "icem"],
     "bench_search.py: --budgets 100000000000: icem would plan with ", 1),
    # a closed-loop run with samples beyond planner.samples' range (once refused only when they
    # did not fit in memory, after the simulator and the model had started): before the header
    # (bench_manipulation's --samples 100000000 is refused by its parser: test_bench_options)
    ("bench_search.py", ["closed-loop", "--run", "cem:samples=10000000000", "--world-model",
                         "oracle", "--goals", "1"],
     "bench_search.py: --run 'cem:samples=10000000000': samples must lie in [1, 100000], got "
     "10000000000", 2),
]
UNWRITABLE_OUTPUTS = [
    ("bench_manipulation.py", ["--json", "/proc/x.json"]),  # ran, then lost it in a traceback
    ("bench_search.py", ["open-loop", "--plot", "/proc/x.png"]),  # --plot was never checked
    ("bench_reach.py", ["--json", "/proc/x.json"]),
]


@pytest.fixture(scope="module")
def bench_results(tmp_path_factory):
    """Run every case of both tables as ``python benchmarks/SCRIPT ARGV`` would, in one.

    One fresh interpreter for all (test_bench_options.STARTUP_PROBE: exit status, stdout, stderr
    with an uncaught exception's traceback); its start-up is paid once, not per case.

    Returns {(script, argv): {"code", "out", "err"}}.
    """
    cases = [(script, argv) for script, argv, *_ in USER_ERRORS] + UNWRITABLE_OUTPUTS
    done = subprocess.run(
        [sys.executable, "-c", STARTUP_PROBE,
         json.dumps([(str(ROOT / "benchmarks" / script), argv) for script, argv in cases])],
        capture_output=True, text=True, timeout=300, cwd=tmp_path_factory.mktemp("bench"),
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout.splitlines()[-1])
    return {(script, tuple(argv)): result
            for (script, argv), result in zip(cases, results, strict=True)}


@pytest.mark.parametrize("script, argv, line, status", USER_ERRORS)
def test_a_benchmark_ends_a_user_error_in_one_line_without_a_traceback(script, argv, line,
                                                                       status, bench_results):
    done = bench_results[script, tuple(argv)]
    last = done["err"].strip().splitlines()[-1]
    assert done["code"] == status and "Traceback" not in done["err"], done["err"]
    assert last.startswith(line) and "CEMConfig" not in last, done["err"]
    assert "\n" not in done["err"].strip(), done["err"]
    assert done["out"] == "", done["out"]  # refused before the header and any work row


@pytest.mark.parametrize("script, argv", UNWRITABLE_OUTPUTS)
def test_a_benchmark_refuses_an_output_it_cannot_write_before_it_runs(script, argv,
                                                                      bench_results):
    done = bench_results[script, tuple(argv)]
    assert done["code"] == 2 and done["out"] == "", done["out"]
    assert done["err"].startswith(f"{script}: error: {argv[-2]} /proc: not writable"), \
        done["err"]
    assert done["err"].count("\n") == 1, done["err"]


def test_a_setting_is_named_as_an_option_only_where_one_was_given():
    from vjepa_ros.command_errors import error_line, typed_options

    error = ValueError("CEMConfig.samples 9 at horizon 1\n needs more")
    assert error_line(error, typed_options(["--samples=9"])) == \
        "--samples 9 at horizon 1 needs more"
    assert error_line(error, typed_options(["--budgets", "9"])) == \
        "samples 9 at horizon 1 needs more"
    assert error_line(error) == "--samples 9 at horizon 1 needs more"  # vjepa-ros: always


def test_run_names_the_samples_option_when_an_allocation_fails_mid_episode(tmp_path, capsys,
                                                                          monkeypatch):
    from vjepa_ros.cli import main
    from vjepa_ros.planning.cem import CEMPlanner

    def out_of_memory(*args, **kwargs):
        raise RuntimeError("DefaultCPUAllocator: not enough memory: you tried to allocate "
                           "28000000000 bytes.")

    monkeypatch.setattr(CEMPlanner, "_search", out_of_memory)
    main(["run", "--task", "reach-with-object", "--world-model", "oracle", "--out",
          str(tmp_path / "out"), "--samples", "1000"])
    out = capsys.readouterr().out
    assert "out of memory while planning with --samples 1000 at horizon 1" in out, out
    assert "CEMConfig" not in out
