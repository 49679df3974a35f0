"""breaker45h: attack 31ea9d7f (one torch CPU thread rule, torchrun_numbers, pretrain split).

Round summary. Held up (pins below): ``threads.environment_threads`` / ``cpu_threads`` on the
OMP_NUM_THREADS values a lab sets ("4", " 4 ", "4,2" -> 4; "0", "-1", "abc", "1025", "", unset
-> all cores but one), MKL_NUM_THREADS alone ignored as documented, an explicit count winning
over OMP_NUM_THREADS, ``check_threads_option`` refusing -1 and 1025 in one line naming the
option, reach's ``threads: -1`` refused, pretrain's ``check_one_process`` under torchrun
``--nproc 1``'s environment, "01" / " 1" / RANK without WORLD_SIZE, the pretrain_command
re-exports being the moved objects (so a patch on pretrain_command of a name its flow calls
still takes effect), reach's planner child keeping the user's OMP_NUM_THREADS (the simulator
alone gets 1), device_check's parser with a valid --threads.

Defects (strict xfails, fixed by fix45k):
``benchmarks/device_check.py --threads`` is outside the one rule
(0 refused, at most the CPU count, help says "default: torch's" while README's "Torch CPU
threads" says every benchmark's --threads takes 0 as the default); ``topology_from_env`` with
LOCAL_RANK=-1 says "need 0 <= RANK < WORLD_SIZE" (which RANK=0 WORLD_SIZE=1 meets) and with a
stray RANK=1 alone advises "start the processes with torchrun" for a single process
(breaker44l's complaint, fixed for pretrain only); ``bench_train_ddp.py --threads 0`` prints
"0 torch thread(s) per process" above its table while each process runs the rule's count.

Noticed, not tested: a patch of pretrain_command.plot_curves / existing_outputs /
is_output_name no longer reaches write_curves / check_outputs_free (they call pretrain_files'
own); spawn_local (bench_train_ddp) sets no OMP_NUM_THREADS, so --threads 0 gives each of N
processes all cores but one; MKL_NUM_THREADS alone, which torch's own default honours, is
ignored (documented).
"""

from __future__ import annotations

import pytest

from vjepa_ros import threads
from vjepa_ros.config import ConfigError, UsageError
from vjepa_ros.train import distributed


@pytest.fixture
def cores(monkeypatch):
    """Pretend the machine has 8 cores (default: 7) and no thread variables are set."""
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 8)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    return 8


@pytest.mark.parametrize("omp, expected", [
    ("4", 4), (" 4 ", 4), ("4,2", 4), ("1", 1), ("1024", 1024),
    ("0", 7), ("-1", 7), ("abc", 7), ("1025", 7), ("", 7), (None, 7), ("²", 7), ("4.5", 7),
])
def test_omp_num_threads_values_a_lab_sets(cores, monkeypatch, omp, expected):
    """OMP_NUM_THREADS is the default when a count in 1..1024, else all cores but one."""
    if omp is not None:
        monkeypatch.setenv("OMP_NUM_THREADS", omp)
    assert threads.cpu_threads(0) == expected
    assert threads.cpu_threads(None) == expected
    assert threads.cpu_threads(3) == 3  # an explicit count wins over OMP_NUM_THREADS


def test_mkl_num_threads_alone_is_not_read(cores, monkeypatch):
    """Only OMP_NUM_THREADS is read (README "Torch CPU threads"); MKL_NUM_THREADS=2 alone: 7."""
    monkeypatch.setenv("MKL_NUM_THREADS", "2")
    assert threads.cpu_threads(0) == 7


def test_one_core_machine_gets_one_thread(monkeypatch):
    """All cores but one is at least 1 (os.cpu_count() None or 1)."""
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    for count in (None, 1):
        monkeypatch.setattr(threads.os, "cpu_count", lambda count=count: count)
        assert threads.cpu_threads(0) == 1


@pytest.mark.parametrize("value", [-1, 1025])
def test_threads_option_refused_naming_it(value):
    """-1 and 1025: one UsageError line naming the option and its range."""
    with pytest.raises(UsageError, match=rf"^--threads {value}: must lie in \[0, 1024\]"):
        threads.check_threads_option(value)
    assert threads.check_threads_option(0) == 0
    assert threads.check_threads_option(None) is None


def test_reach_threads_negative_refused():
    """reach_demo.yaml ``threads: -1`` is refused naming threads."""
    from vjepa_ros.sim.reach_config import ReachDemoConfig

    with pytest.raises(ValueError, match="threads must be an integer in"):
        ReachDemoConfig(threads=-1)


TORCHRUN_ONE = {"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": "1",
                "GROUP_RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500",
                "TORCHELASTIC_RUN_ID": "none"}


@pytest.mark.parametrize("environ", [
    TORCHRUN_ONE, {}, {"WORLD_SIZE": "01"}, {"WORLD_SIZE": " 1"}, {"RANK": "0"},
    {"WORLD_SIZE": "", "RANK": ""}, {"LOCAL_RANK": "3"},
])
def test_pretrain_one_process_environments_pass(environ):
    """Pass torchrun --nproc 1 (WORLD_SIZE=1 RANK=0), padded or zero-led 1, RANK=0 alone."""
    from vjepa_ros.train.pretrain_checks import check_one_process

    check_one_process(environ)
    assert distributed.topology_from_env(environ).world_size == 1


@pytest.mark.parametrize("environ, named", [
    ({"RANK": "01"}, "RANK=01"), ({"WORLD_SIZE": "2", "RANK": "1"}, "WORLD_SIZE=2 RANK=1"),
    ({"WORLD_SIZE": "0"}, "WORLD_SIZE=0"),
])
def test_pretrain_several_processes_refused_naming_them(environ, named):
    """A rank other than 0 or a world other than 1 is refused naming the values, to unset."""
    from vjepa_ros.train.pretrain_checks import check_one_process

    with pytest.raises(ConfigError, match=f"but {named} is set.*unset"):
        check_one_process(environ)


def test_pretrain_bad_number_named():
    """WORLD_SIZE=1.0 is not a whole number: ConfigError naming it."""
    from vjepa_ros.train.pretrain_checks import check_one_process

    with pytest.raises(ConfigError, match=r"WORLD_SIZE='1\.0' is not a whole number"):
        check_one_process({"WORLD_SIZE": "1.0"})


def test_pretrain_command_reexports_are_the_moved_objects():
    """A monkeypatch of pretrain_command's name that its flow calls replaces the one it calls."""
    from vjepa_ros.train import pretrain_checks, pretrain_command, pretrain_files

    for name in ("check_one_process", "checked_pretrain_config", "check_batch_memory"):
        assert getattr(pretrain_command, name) is getattr(pretrain_checks, name)
    for name in ("write_curves", "step_file", "check_outputs_free", "curve_files"):
        assert getattr(pretrain_command, name) is getattr(pretrain_files, name)
        assert f"{name}(" in open(pretrain_command.__file__).read()  # called from the flow


def test_device_check_valid_threads_parse():
    """device_check's parser takes --threads 1 (the harness of the test below)."""
    from benchmarks import device_check

    assert device_check.parse_args(["--threads", "1", "--dry-run"]).threads == 1


def test_device_check_threads_zero_is_the_default():
    """``python benchmarks/device_check.py --threads 0 --dry-run``.

    Happened: exit 2 "argument --threads: '0': give a whole number from 1 to 2 (the CPUs
    here)". README "Torch CPU threads" (31ea9d7f): every benchmark's --threads takes 0 (or left
    out) as the default (OMP_NUM_THREADS when set, else all cores but one) and counts up to
    1024. Should: accept 0 as the default, as bench_train.py and the others do.
    """
    from benchmarks import device_check

    args = device_check.parse_args(["--threads", "0", "--dry-run"])
    assert not args.threads


def test_device_check_threads_help_follows_the_rule(capsys):
    """``python benchmarks/device_check.py --help``.

    Happened: --threads "torch CPU threads per process (default: torch's; ...)"; left out on
    a CPU run without --tiny, child_main sets nothing and the posttrain stage's
    ``prepare.build_trainer`` (TrainConfig threads 0) applies the one rule, all cores but one,
    not torch's one per core. Should: the help states the rule's default (OMP_NUM_THREADS,
    else all cores but one).
    """
    from benchmarks import device_check

    with pytest.raises(SystemExit):
        device_check.parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "default: torch's" not in text


def test_negative_local_rank_message_names_local_rank():
    """``LOCAL_RANK=-1 vjepa-ros train ...`` (a launcher's "no local rank" convention).

    Happened: ConfigError "environment RANK=0 WORLD_SIZE=1 LOCAL_RANK=-1: need 0 <= RANK <
    WORLD_SIZE (start the processes with torchrun)": the need stated holds, the one broken
    (LOCAL_RANK >= 0) is not said. Should: name LOCAL_RANK's own need (or take -1 as unset for
    one process).
    """
    try:
        distributed.topology_from_env({"LOCAL_RANK": "-1"})
    except ConfigError as exc:
        assert "LOCAL_RANK" in str(exc).split("need", 1)[1]


def test_stray_rank_alone_advice_is_to_unset_it():
    """``RANK=1 vjepa-ros train ...`` with no WORLD_SIZE (a job script's stray).

    Happened: ConfigError "... need 0 <= RANK < WORLD_SIZE (start the processes with
    torchrun)"; distributed's docstring says "Without WORLD_SIZE ... nothing is set up ...
    the single-process path is unchanged", and pretrain (breaker44l) says to unset RANK.
    Should: run as one process, or say to unset RANK as pretrain does.
    """
    try:
        topology = distributed.topology_from_env({"RANK": "1"})
    except ConfigError as exc:
        assert "unset" in str(exc)
    else:
        assert topology.world_size == 1


def test_reach_planner_child_inherits_omp_num_threads():
    """Pass the user's OMP_NUM_THREADS to reach's planner child; the simulator's extra sets 1."""
    from vjepa_ros.nodes.node_processes import child_environment

    user = {"OMP_NUM_THREADS": "3", "PATH": "/usr/bin"}
    assert child_environment(None, user)["OMP_NUM_THREADS"] == "3"
    sim = child_environment({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}, user)
    assert sim["OMP_NUM_THREADS"] == "1"
    assert user["OMP_NUM_THREADS"] == "3"  # the user's mapping untouched


def test_bench_train_ddp_threads_zero_settings_line(monkeypatch, capsys):
    """``OMP_NUM_THREADS=3 python benchmarks/bench_train_ddp.py --threads 0``.

    Happened: the settings line above the published table says "cpu, 0 torch thread(s) per
    process" while train_rank's set_torch_threads(0) gives each process 3 (OMP_NUM_THREADS;
    unset: all cores but one, in every one of the N processes spawn_local starts, which sets no
    OMP_NUM_THREADS as torchrun does). bench_gripper_visibility.py's "# ... {threads} torch
    thread(s)" line prints 0 the same way. Should: print the count used (3 here).
    """
    import sys

    from benchmarks import bench_train_ddp

    class Spawned(Exception):
        pass

    def spawn_local(*args, **kwargs):
        raise Spawned

    monkeypatch.setattr(distributed, "spawn_local", spawn_local)
    monkeypatch.setattr(sys, "argv", ["bench_train_ddp.py", "--threads", "0", "--models", "tiny"])
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    with pytest.raises(Spawned):
        bench_train_ddp.main()
    settings = capsys.readouterr().out.splitlines()[0]
    assert "3 torch thread(s) per process" in settings
