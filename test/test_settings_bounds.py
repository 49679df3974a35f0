"""Upper bounds of settings a wrong unit or a slip of the keyboard broke silently or in torch."""

from __future__ import annotations

import pytest

from vjepa_ros.config import ConfigError


@pytest.mark.parametrize("args,option", [(["--data-seed", str(2 ** 32)], "--data-seed"),
                                         (["--seed", "-1"], "--seed")])
def test_pretrain_refuses_a_seed_numpy_cannot_take_naming_the_option(tmp_path, capsys, args,
                                                                     option):
    from vjepa_ros.cli import main

    (tmp_path / "episodes").mkdir()
    status = main(["pretrain", "--data", str(tmp_path / "episodes"), "--out",
                   str(tmp_path / "encoder.pt"), "--steps", "0", *args])
    error = capsys.readouterr().err
    assert status == 2 and f"{option} must lie in [0, 4294967295], got" in error, error


def test_a_train_settings_file_seed_out_of_range_is_named_as_its_key():
    from vjepa_ros.train.config import make_config

    with pytest.raises(ConfigError, match=r"^seed must lie in \[0, 4294967295\], got -1$"):
        make_config({"seed": -1}).check(need_paths=False)


def test_every_thread_count_stops_where_the_planners_does(tmp_path, capsys):
    """``model.threads`` stopped at 1024; run, reach and pretrain took a million."""
    from vjepa_ros.cli import main
    from vjepa_ros.sim.reach_config import load_reach_config
    from vjepa_ros.threads import check_threads_option

    with pytest.raises(ValueError, match=r"^--threads 1025: must lie in \[0, 1024\]"):
        check_threads_option(1025)
    assert check_threads_option(1024) == 1024
    path = tmp_path / "reach.yaml"
    path.write_text("threads: 1000000\n")
    with pytest.raises(ValueError, match=r"^threads must be an integer in \[0, 1024\] \(0: the "):
        load_reach_config(path)
    (tmp_path / "episodes").mkdir()
    assert main(["pretrain", "--data", str(tmp_path / "episodes"), "--out",
                 str(tmp_path / "encoder.pt"), "--threads", "1000000"]) == 2
    assert "--threads 1000000: must lie in [0, 1024]" in capsys.readouterr().err



@pytest.mark.parametrize("module,settings,value,shown", [
    ("tasks", "ReachTaskConfig", {"success_radius": 3.0}, "(0, 0.2] m, got 3.0"),
    ("manipulation", "ManipulationTaskConfig", {"reach_radius": 5.0}, "(0, 0.2] m, got 5.0"),
    ("detectors", "DetectorConfig", {"place_radius": 5.0}, "(0, 0.2] m, got 5.0"),
])
def test_a_success_radius_in_centimetres_is_refused_in_metres(module, settings, value, shown):
    """A radius of 5 (cm meant, m read) made every reach or placement a success."""
    import importlib

    cls = getattr(importlib.import_module(f"vjepa_ros.sim.{module}"), settings)
    with pytest.raises(ValueError) as info:
        cls(**value)
    assert str(info.value) == f"{settings}.{next(iter(value))} must lie in {shown}"


@pytest.mark.parametrize("key,value,message", [
    ("aspect_ratio_max", 50.0, r"data\.aspect_ratio_max must lie in \[1, 10\], got 50\.0"),
    ("aspect_ratio_min", 0.01, r"data\.aspect_ratio_min must lie in \[0\.1, 1\], got 0\.01"),
])
def test_train_crops_lie_in_the_ranges_the_planner_takes(key, value, message):
    """A model trained on crops the planner's model.aspect_ratio_* refuse could not be run."""
    from vjepa_ros.train.config import make_config

    with pytest.raises(ConfigError, match=f"^{message}$"):
        make_config({f"data.{key}": value}).check(need_paths=False)
