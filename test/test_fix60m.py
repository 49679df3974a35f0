"""fix60m: planning warnings in options' words, one rule for files and options, float16 notes.

A mean momentum of 1 is warned once in the options' words; a ``--config`` file's search setting
its method does not read is refused as the typed option is; float16 ``.npz`` states are noted,
once per run. (``--samples`` within half the free memory: ``test_planning_memory.py``.)
"""

import warnings

import numpy as np
import pytest

from vjepa_ros.cli import main
from vjepa_ros.config import UsageError
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.planning import memory
from vjepa_ros.planning.config import CEMConfig, FrozenMeanWarning
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.recordings.episode import Episode

FROZEN = ": the refit new = (1 - m)*elite + m*old never moves the search mean's"


# -- 2: FrozenMeanWarning on the command line ---------------------------------------------------

def test_the_warning_is_one_line_naming_the_typed_option(capsys):
    from vjepa_ros.option_warnings import option_warnings
    from vjepa_ros.planning.config import say_frozen_mean

    with option_warnings("vjepa-ros eval", {"--momentum-mean"}):
        for _ in range(3):  # said again (make_planner's, mend62a): once
            say_frozen_mean(CEMConfig(momentum_mean=1.0))
        say_frozen_mean(CEMConfig(momentum_mean_gripper=1.0))  # another setting: its own line
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("vjepa-ros eval: warning: --momentum-mean 1.0" + FROZEN), err
    assert err[1].startswith("vjepa-ros eval: warning: momentum_mean_gripper 1.0: "), err
    assert len(err) == 2 and not any("CEMConfig" in line for line in err), err
    with pytest.warns(FrozenMeanWarning):  # outside: the API's, Python's warning again
        say_frozen_mean(CEMConfig(momentum_mean=1.0))


def test_other_warnings_pass_unchanged(capsys):
    from vjepa_ros.option_warnings import option_warnings

    with warnings.catch_warnings(record=True) as caught, option_warnings("p", ()):
        warnings.simplefilter("always")
        warnings.warn("something else", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["something else"]
    assert capsys.readouterr().err == ""


@pytest.fixture
def bag(tmp_path):
    frames, states, times = synthetic_episode(6, size=32, seed=2)
    return write_bag(tmp_path / "bag", frames, states, times)


def test_camera_check_says_a_momentum_of_one_once_as_the_option(bag, tmp_path, capsys):
    """One line naming --momentum-mean.

    It printed ``.../dataclasses.py:1501: FrozenMeanWarning: CEMConfig.momentum_mean ...``
    twice (with Python's source line).
    """
    code = main(["camera-check", str(bag), "--out", str(tmp_path / "out"), "--quiet",
                 "--no-plots", "--random-weights", "--momentum-mean=1"])
    err = capsys.readouterr().err
    assert code == 0, err
    lines = [line for line in err.splitlines() if "momentum" in line]
    assert lines == [line for line in lines if line.startswith(
        "vjepa-ros camera-check: warning: --momentum-mean 1.0" + FROZEN)] and len(lines) == 1, err
    assert "FrozenMeanWarning" not in err and "CEMConfig" not in err, err


def test_run_says_it_too(monkeypatch, capsys):
    """``run --momentum-mean 1`` says it as the other commands.

    ``run`` built its config by the node's ``to_cem``, which leaves the warning to the node: it
    said nothing. Refused for its samples right after (16 MiB free), so no simulator starts.
    """
    from vjepa_ros.sim import sim

    monkeypatch.setattr(memory, "available_bytes", lambda device: 16 * 1024 ** 2)
    monkeypatch.setattr(sim, "Sim", lambda *a, **k: pytest.fail("a simulator started"))
    code = main(["run", "--task", "reach-with-object", "--world-model", "oracle",
                 "--momentum-mean", "1", "--samples", "100000"])
    err = capsys.readouterr().err.splitlines()
    assert code == 1 and len(err) == 2, err
    assert err[0].startswith("vjepa-ros run: warning: --momentum-mean 1.0" + FROZEN), err
    assert err[1].startswith("vjepa-ros run: --samples 100000 at horizon 1"), err


# -- 3: a --config file's search settings, refused as the typed options ------------------------

MPPI_MOMENTUM = "planner:\n  method: mppi\n  momentum_mean: 0.2\n"


@pytest.mark.parametrize("text, key, method", [
    (MPPI_MOMENTUM, "planner.momentum_mean", "mppi"),
    ("planner:\n  method: mppi\n  momentum_std_gripper: 0.5\n", "planner.momentum_std_gripper",
     "mppi"),
    ("planner:\n  method: icem\n  warm_start: false\n", "planner.warm_start", "icem"),
    ("planner:\n  icem:\n    noise_beta: 3.0\n", "planner.icem.noise_beta", "cem"),
])
def test_a_files_setting_its_method_does_not_read_is_refused(tmp_path, text, key, method):
    from vjepa_ros.sim.reach_config import (
        UnusedFileSetting,
        check_config_file,
        load_reach_config,
    )

    path = tmp_path / "reach.yaml"
    path.write_text(text)
    for check in (lambda: check_config_file(path), lambda: load_reach_config(path)):
        with pytest.raises(UnusedFileSetting) as caught:
            check()
        assert isinstance(caught.value, UsageError)
        assert str(caught.value).startswith(f"{path}: {key} is for planner.method "), caught.value
        assert f"this run plans with planner.method {method}" in str(caught.value)


def test_a_files_momentum_under_a_typed_method_mppi_is_refused(tmp_path):
    from vjepa_ros.sim.reach_config import UnusedFileSetting, check_config_file, load_reach_config

    path = tmp_path / "reach.yaml"
    path.write_text("planner:\n  momentum_std: 0.2\n")
    check_config_file(path)  # cem: read
    assert load_reach_config(path).planner.momentum_std == 0.2
    with pytest.raises(UnusedFileSetting, match=r"planner\.momentum_std is for planner\.method "
                                                r"cem or icem, .* planner\.method mppi"):
        load_reach_config(path, {"planner.method": "mppi"})


@pytest.mark.parametrize("text", ["planner:\n  method: icem\n  momentum_mean: 0.2\n",
                                  "planner:\n  method: mppi\n  mppi:\n    temperature: 0.5\n",
                                  "planner:\n  samples: 50\n"])
def test_a_files_settings_its_method_reads_are_taken(tmp_path, text):
    from vjepa_ros.sim.reach_config import check_config_file, load_reach_config

    path = tmp_path / "reach.yaml"
    path.write_text(text)
    check_config_file(path)
    load_reach_config(path, {"planner.method": None})


def test_reach_refuses_the_files_key_in_its_words(tmp_path, capsys):
    """Not as ``--momentum-std``, an option reach does not have and the user did not type."""
    path = tmp_path / "reach.yaml"
    for text, typed in ((MPPI_MOMENTUM, []), ("planner:\n  momentum_std: 0.2\n",
                                              ["--method", "mppi"])):
        path.write_text(text)
        code = main(["reach", "--config", str(path), *typed, "--out", str(tmp_path / "out")])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1, err
        assert err.startswith(f"vjepa-ros reach: {path}: planner.momentum_"), err
        assert "--momentum" not in err and not (tmp_path / "out").exists(), err


# -- 4: float16 states -----------------------------------------------------------------------

def _episode(path, dtype, name="states"):
    frames, states, times = synthetic_episode(12, size=32, seed=1)
    arrays = {"observations": frames, "timestamps": times, name: states.astype(dtype)}
    np.savez(path, **arrays)
    return path


def test_float16_states_are_read_with_a_note_on_their_precision(tmp_path):
    notes = []
    episode = Episode.load(_episode(tmp_path / "half.npz", np.float16), notes)
    saved = np.load(tmp_path / "half.npz")["states"]
    np.testing.assert_array_equal(episode.states, saved.astype(episode.states.dtype))  # as saved
    said = [note for note in notes if "float16" in note]
    assert said == [f"{tmp_path / 'half.npz'}: float16 states: float16 keeps 11 significant "
                    "bits, so positions near 1 m are rounded to about 0.5 mm and angles near 3 "
                    "rad to about 1 mrad; read as saved (save them as float32 to keep the "
                    "recorded precision)"], notes
    for dtype in (np.float32, np.float64):
        notes = []
        Episode.load(_episode(tmp_path / f"{dtype.__name__}.npz", dtype), notes)
        assert not any("float16" in note for note in notes), notes


def test_the_stated_precision_is_float16s():
    """0.5 mm at 1 m, 1 mrad at 3 rad: half float16's spacing there (round to nearest)."""
    assert np.spacing(np.float16(1.0)) / 2 == pytest.approx(0.5e-3, rel=0.03)
    assert np.spacing(np.float16(3.0)) / 2 == pytest.approx(1e-3, rel=0.03)
    assert np.finfo(np.float16).nmant + 1 == 11


def test_float16_joint_positions_are_noted_too(tmp_path):
    from vjepa_ros.recordings.joint_columns import float16_note

    joints = np.zeros((3, 9), np.float16)
    assert float16_note(tmp_path / "j.npz", {"joint_positions": joints}).startswith(
        f"{tmp_path / 'j.npz'}: float16 joint_positions: ")
    assert float16_note(tmp_path / "j.npz", {"joint_positions": joints,
                                             "states": np.zeros((3, 7), np.float16)}) \
        .startswith(f"{tmp_path / 'j.npz'}: float16 states and joint_positions: ")
    assert float16_note(tmp_path / "j.npz", {"joint_positions": joints.astype(np.float32)}) == ""


def test_a_runs_float16_episodes_are_one_note(tmp_path):
    """500 float16 episodes gave 500 lines; as the rate notes, one (``data_banks.read_notes``)."""
    from vjepa_ros.train.npz_episode import grouped_rate_notes, read_training_episode

    notes = []
    for index in range(5):
        read_training_episode(_episode(tmp_path / f"ep{index}.npz", np.float16), notes, 4.0)
    read_training_episode(_episode(tmp_path / "full.npz", np.float32), notes, 4.0)
    grouped = [note for note in grouped_rate_notes(notes) if "float16" in note]
    assert grouped == ["5 episodes (ep0.npz, ep1.npz, ep2.npz, ...): float16 states: float16 "
                       "keeps 11 significant bits, so positions near 1 m are rounded to about "
                       "0.5 mm and angles near 3 rad to about 1 mrad; read as saved (save them "
                       "as float32 to keep the recorded precision)"], grouped
