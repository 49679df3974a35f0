"""``$NAME`` / ``${NAME}`` in a world model path compared or located outside the loader.

The loader (``input_paths.world_model_path``) expands them; ``vjepa-ros launch`` compared
``--checkpoint`` with a quoted ``-p planner.model.checkpoint:='$HOME/wm.pt'`` by ``~`` alone and
refused one file as "different world models", and ``sim.reach_config.resolve_checkpoint`` (the
model ``vjepa-ros run`` names) left the variable in the path.
"""

import argparse

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.input_paths import world_model_path
from vjepa_ros.nodes.launch_inputs import check_launch_inputs
from vjepa_ros.sim.reach_config import resolve_checkpoint
from vjepa_ros.user_paths import UnsetVariable


@pytest.mark.parametrize("form", ["$MODELS/wm.pt", "${MODELS}/wm.pt", "~/m/wm.pt"])
def test_launch_takes_one_file_named_with_a_variable_and_as_written(tmp_path, monkeypatch,
                                                                    form):
    (tmp_path / "m").mkdir()
    model = tmp_path / "m" / "wm.pt"
    model.write_bytes(world_model_path("demo").read_bytes())
    monkeypatch.setenv("MODELS", str(tmp_path / "m"))
    monkeypatch.setenv("HOME", str(tmp_path))
    args = argparse.Namespace(params_file=None, checkpoint=str(model))
    assert check_launch_inputs(args, {"model.checkpoint": form}) == ("--checkpoint", str(model))
    assert resolve_checkpoint(form) == model
    other = tmp_path / "other.pt"
    other.write_bytes(model.read_bytes())  # another file is still refused
    with pytest.raises(UsageError, match="name different world models"):
        check_launch_inputs(argparse.Namespace(params_file=None, checkpoint=str(other)),
                            {"model.checkpoint": form})


def test_an_unset_variable_is_named_not_left_in_the_path(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_MODELS", raising=False)
    with pytest.raises(UnsetVariable, match="names the environment variable NO_SUCH_MODELS"):
        resolve_checkpoint("$NO_SUCH_MODELS/wm.pt")
    args = argparse.Namespace(params_file=None, checkpoint="demo")
    with pytest.raises(ValueError, match="NO_SUCH_MODELS"):  # the loader's line names it
        check_launch_inputs(args, {"model.checkpoint": "$NO_SUCH_MODELS/wm.pt"})
