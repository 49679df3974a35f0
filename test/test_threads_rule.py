"""One rule for torch CPU threads in every command, node and setting (vjepa_ros/threads.py).

Before fix45a three rules coexisted: run/eval/camera-check/demo refused ``--threads 0`` and read
OMP_NUM_THREADS; train and pretrain took 0 as torch's one thread per core; the planner node's
``model.threads`` and reach's ``threads`` took 0 as all cores but one and ignored
OMP_NUM_THREADS. Now an explicit N in 1..1024 is used and 0 or left out is the one default:
OMP_NUM_THREADS when set, else all cores but one. conftest sets OMP_NUM_THREADS per xdist worker:
each test that reads the default sets or removes it.
"""

import argparse
from pathlib import Path

import pytest
import torch

from vjepa_ros import threads
from vjepa_ros.cli import main
from vjepa_ros.config import ConfigError, UsageError


@pytest.fixture
def torch_threads():
    """Restore torch's thread count after a test whose command sets it."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_zero_and_left_out_are_omp_num_threads_else_all_cores_but_one(monkeypatch):
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 8)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads.cpu_threads(0) == threads.cpu_threads(None) == threads.cpu_threads() == 3
    assert threads.cpu_threads(5) == 5, "an explicit count wins over the variable"
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert threads.cpu_threads(0) == threads.cpu_threads(None) == 7
    monkeypatch.setenv("OMP_NUM_THREADS", "0")  # not a count (OpenMP ignores it too)
    assert threads.cpu_threads(0) == 7


@pytest.mark.parametrize("value", [0, 1, 1024, None])
def test_every_count_in_zero_to_1024_is_accepted(value):
    assert threads.check_threads_option(value) == value


@pytest.mark.parametrize("value", [-1, 1025])
def test_negative_or_above_1024_is_refused_naming_the_option(value):
    with pytest.raises(UsageError, match=rf"^--jobs {value}: must lie in \[0, 1024\]"):
        threads.check_threads_option(value, "--jobs")


def test_every_settings_zero_means_the_same_default():
    """model.threads, reach's threads and train's threads: 0 by default, the one rule's 0."""
    from vjepa_ros.robot.model_params import ModelParams
    from vjepa_ros.sim.reach_config import ReachDemoConfig
    from vjepa_ros.train.config import TrainConfig

    assert ModelParams(checkpoint="m.pt").threads == ReachDemoConfig().threads == 0
    assert TrainConfig().threads == 0
    for description in (ModelParams.__dataclass_fields__["threads"].metadata["description"],
                        ReachDemoConfig.__dataclass_fields__["threads"].metadata["description"],
                        TrainConfig.__dataclass_fields__["threads"].metadata["description"]):
        assert "0: OMP_NUM_THREADS when set, else all cores but one" in description
        assert "one per core)" not in description


def test_train_threads_minus_one_is_a_usage_error_naming_the_option(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path / "out"), "--data", str(tmp_path),
                 "--threads", "-1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("vjepa-ros train: --threads -1: must lie in [0, 1024]"), err
    assert "\n" not in err and not (tmp_path / "out").exists()


@pytest.mark.parametrize("typed, expected", [(["--threads", "0"], 3), ([], 3),
                                             (["--threads", "2"], 2)])
def test_pretrain_applies_the_rule_before_the_data_is_read(tmp_path, capsys, monkeypatch,
                                                          torch_threads, typed, expected):
    """Pretrain's --threads 0 was torch's one per core; now OMP_NUM_THREADS (else cores - 1)."""
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    for name in ("WORLD_SIZE", "RANK"):
        monkeypatch.delenv(name, raising=False)
    torch.set_num_threads(1)
    (tmp_path / "episodes").mkdir()  # no episodes: refused after the threads are set
    assert main(["pretrain", "--data", str(tmp_path / "episodes"), "--out",
                 str(tmp_path / "encoder.pt"), *typed]) == 1
    assert "vjepa-ros pretrain: " in capsys.readouterr().err
    assert torch.get_num_threads() == expected


def test_pretrain_threads_help_says_the_rule():
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["pretrain", "--help"])
    text = " ".join(out.getvalue().split())
    assert "--threads N" in text and "(0 or left out: OMP_NUM_THREADS when set" in text
    assert "its default" not in text


def test_camera_check_planner_file_leaves_the_default_to_the_node(monkeypatch):
    """The written file names model.threads only when --threads gave a count.

    0 or left out: the node's model.threads 0 resolves by the same rule as the check's threads
    (the bridge that wrote OMP_NUM_THREADS' count into the file is gone).
    """
    from vjepa_ros.eval.camera_check_command import run_settings
    from vjepa_ros.planning.config import preset

    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    cem = preset("notebook", horizon=1)
    for typed, written in ((None, None), (0, None), (2, 2)):
        args = argparse.Namespace(checkpoint=None, device=None, dtype=None, threads=typed,
                                  seed=0)
        model = run_settings(args, cem, {})["model"]
        assert model.get("threads") == written
        node_threads = threads.cpu_threads(model.get("threads", 0))
        assert node_threads == threads.cpu_threads(typed) == (written or 3)


def test_reach_planner_process_keeps_the_users_omp_num_threads(monkeypatch):
    """The simulator child gets OMP_NUM_THREADS=1; the planner child this process's variable."""
    from vjepa_ros.nodes.node_processes import child_environment
    from vjepa_ros.nodes.reach_demo import demo_nodes, demo_processes
    from vjepa_ros.sim.reach_config import ReachDemoConfig

    processes = {p.label: p for p in demo_processes(
        demo_nodes(ReachDemoConfig(), Path("model.pt"))).processes}
    assert processes["simulator"].env["OMP_NUM_THREADS"] == "1"
    assert "OMP_NUM_THREADS" not in processes["planner"].env
    planner_env = child_environment(processes["planner"].env, environ={"OMP_NUM_THREADS": "3"})
    assert planner_env["OMP_NUM_THREADS"] == "3"
    monkeypatch.setattr(threads.os, "environ", planner_env)
    assert threads.cpu_threads(0) == 3, "the planner's model.threads 0 in that environment"


@pytest.mark.parametrize("environ", [{}, {"WORLD_SIZE": "1", "RANK": "0"},
                                     {"WORLD_SIZE": " 01", "RANK": ""}])
def test_pretrain_one_process_check_reads_torchruns_variables_as_training_does(environ):
    from vjepa_ros.train.distributed import topology_from_env
    from vjepa_ros.train.pretrain_command import check_one_process

    check_one_process(environ)
    assert not topology_from_env(environ).distributed


@pytest.mark.parametrize("environ, named", [
    ({"WORLD_SIZE": "2"}, "WORLD_SIZE=2 is set"),
    ({"RANK": "1"}, "RANK=1 is set"),
    ({"WORLD_SIZE": "two"}, "WORLD_SIZE='two' is not a whole number"),
])
def test_pretrain_refuses_several_processes_naming_the_variable(environ, named):
    from vjepa_ros.train.pretrain_command import check_one_process

    with pytest.raises(ConfigError, match=named) as caught:
        check_one_process(environ)
    assert "start the processes with torchrun" not in str(caught.value)


@pytest.mark.parametrize("script", ["bench_train_memory.py", "bench_train_ddp.py"])
def test_benchmarks_that_always_set_threads_take_zero_as_the_default(script):
    """--threads 0, now accepted by the check, reached torch.set_num_threads(0) (a crash)."""
    text = (Path(__file__).resolve().parent.parent / "benchmarks" / script).read_text()
    assert "torch.set_num_threads(args.threads)" not in text
    assert "set_torch_threads(args.threads)" in text


def test_pretrain_checks_threads_before_the_data(tmp_path, capsys):
    """--threads -1 with a --data that does not exist: the option value is named, as train."""
    assert main(["pretrain", "--data", str(tmp_path / "missing"), "--out",
                 str(tmp_path / "encoder.pt"), "--threads", "-1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("vjepa-ros pretrain: --threads -1: must lie in [0, 1024]"), err


def test_spawn_local_gives_several_processes_torchruns_one_thread():
    """Unset OMP_NUM_THREADS: each of 2 processes gets 1, as torchrun; a set one is kept."""
    from vjepa_ros.train import distributed

    assert distributed.launch_environment(2, {}) == {"OMP_NUM_THREADS": "1"}
    assert distributed.launch_environment(2, {"OMP_NUM_THREADS": "3"}) == {}
    assert distributed.launch_environment(1, {}) == {}  # one process: the rule's default
    assert "launch_environment(world_size)" in Path(distributed.__file__).read_text()
