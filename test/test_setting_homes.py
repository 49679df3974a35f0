"""An unknown key that is a setting of another section is pointed to it (config.from_dict)."""

from __future__ import annotations

import dataclasses

import pytest

from vjepa_ros.config import UsageError, from_dict, param


@dataclasses.dataclass
class _Camera:
    rate_hz: float = param(4.0, "Frames per second.")


@dataclasses.dataclass
class _Robot:
    rate_hz: float = param(100.0, "Commands per second.")


@dataclasses.dataclass
class _Settings:
    camera: _Camera = dataclasses.field(default_factory=_Camera)
    robot: _Robot = dataclasses.field(default_factory=_Robot)


def test_a_key_of_two_sections_names_both_and_a_typo_its_closest_name():
    with pytest.raises(UsageError, match=r"^rate_hz: unknown setting here; did you mean "
                       r"camera\.rate_hz or robot\.rate_hz\?$"):
        from_dict(_Settings, {"rate_hz": 5.0})
    with pytest.raises(UsageError, match=r"^camera\.rate_hx: unknown setting \(closest: "
                       "rate_hz\\)$"):  # its own section holds the close name: no other
        from_dict(_Settings, {"camera": {"rate_hx": 5.0}})


def test_a_train_file_key_in_the_wrong_section_is_named_as_the_file_spells_it(tmp_path, capsys):
    """The option rewriting (optim.lr -> --lr) made it 'did you mean --lr?' for a file key."""
    from vjepa_ros.cli import main

    path = tmp_path / "train.yaml"
    path.write_text("lr: 0.001\n")
    (tmp_path / "episodes").mkdir()
    assert main(["train", "--config", str(path), "--data", str(tmp_path / "episodes"),
                 "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip() == (f"vjepa-ros train: {path}: lr: unknown "
                                               "setting here; did you mean optim.lr?")
