"""Input paths are checked with one line naming the option and what to give (``input_paths``)."""

import os

import pytest

from vjepa_ros.input_paths import (
    CHECKPOINT_FORMAT,
    input_path,
    missing,
    world_model_error,
    world_model_path,
)


def test_input_path_accepts_a_file_and_a_folder_only_when_asked(tmp_path):
    episode = tmp_path / "e.npz"
    episode.write_bytes(b"x")
    assert input_path(episode, "--episode", "an .npz") == episode
    assert input_path(tmp_path, "--data", "episodes", folder=True) == tmp_path
    with pytest.raises(ValueError, match=f"^--episode {tmp_path} is a folder: give an .npz$"):
        input_path(tmp_path, "--episode", "an .npz")
    missing = tmp_path / "none" / "e.npz"
    with pytest.raises(ValueError, match=f"^--data {missing} does not exist: give episodes$"):
        input_path(missing, "--data", "episodes", folder=True)


def test_input_path_expands_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "m.pt").write_bytes(b"x")
    assert input_path("~/m.pt", "--checkpoint", "a file") == tmp_path / "m.pt"


def test_world_model_path_names_the_option_for_a_missing_file_and_a_folder(tmp_path):
    with pytest.raises(ValueError) as caught:
        world_model_path(str(tmp_path / "x.pt"), "--world-model")
    assert str(caught.value) == (
        f"--world-model {tmp_path / 'x.pt'} does not exist: give a file written by vjepa-ros "
        "train or Meta's V-JEPA 2-AC checkpoint (~/.cache/torch/hub/checkpoints/vjepa2-ac-vitg.pt"
        " once torch.hub has loaded it; else download "
        "https://dl.fbaipublicfiles.com/vjepa2/vjepa2-ac-vitg.pt)")
    with pytest.raises(ValueError) as caught:
        world_model_path(str(tmp_path))
    assert str(caught.value) == f"--checkpoint {tmp_path} is a folder: give {CHECKPOINT_FORMAT}"


def test_a_checkpoint_folder_names_the_files_it_holds_as_the_loaders_do(tmp_path):
    """user54u: reach/demo said only "is a folder: give a file ..." of a folder holding model.pt.

    Input: a folder holding one .pt, two torch.save files, and only other files; every
    command's ``--checkpoint`` / ``--world-model`` / ``model.checkpoint`` goes through this.
    """
    from vjepa_ros.models.file_problems import folder_advice

    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError) as caught:
        world_model_path(str(tmp_path), "--world-model")
    assert str(caught.value) == f"--world-model {tmp_path} is a folder: give {CHECKPOINT_FORMAT}"
    (tmp_path / "model.pt").write_bytes(b"x")
    with pytest.raises(ValueError) as caught:
        world_model_path(str(tmp_path))
    held = f"it holds {tmp_path / 'model.pt'}: give that file"
    assert str(caught.value) == f"--checkpoint {tmp_path} is a folder: {held}"
    assert folder_advice(tmp_path).endswith(f"({held})")  # the loaders' words (train --init)
    (tmp_path / "ema.PTH").write_bytes(b"x")
    with pytest.raises(ValueError) as caught:
        world_model_path(str(tmp_path), "parameter 'model.checkpoint'")
    assert str(caught.value).endswith(f"{tmp_path / 'ema.PTH'}, {tmp_path / 'model.pt'}: give "
                                      "one of them")


def test_a_symlink_loop_or_a_broken_link_is_said_as_such_not_missing(tmp_path):
    """A symlink loop said "does not exist", sending the user to look for a file that is there."""
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    (tmp_path / "dangling").symlink_to(tmp_path / "gone.pt")
    assert missing(tmp_path / "a") == "is a symlink loop (it cannot be resolved)"
    assert missing(tmp_path / "dangling") == \
        f"is a broken symlink (to {tmp_path / 'gone.pt'}, which does not exist)"
    assert missing(tmp_path / "nothing") == "does not exist"
    assert missing(tmp_path) == ""
    with pytest.raises(ValueError) as caught:
        world_model_path(str(tmp_path / "a"))
    assert str(caught.value) == (f"--checkpoint {tmp_path / 'a'} is a symlink loop (it cannot "
                                 f"be resolved): give {CHECKPOINT_FORMAT}")
    if os.geteuid() != 0:  # root enters any folder
        locked = tmp_path / "locked"
        locked.mkdir(mode=0)
        why = missing(locked / "m.pt")
        assert why.startswith(f"cannot be reached: {locked} cannot be read by this user "
                              "(Permission denied): ") and f"chmod -R a+rX {locked}" in why


def test_a_loader_error_is_one_line_naming_the_option_and_the_file(tmp_path):
    path = tmp_path / "m.pt"
    why = f"{path} is not a vjepa_ros checkpoint (an empty file): give {CHECKPOINT_FORMAT}"
    assert str(world_model_error(ValueError(why), path, "--init")) == f"--init {why}"
    assert str(world_model_error(ValueError(f"{path}: bad\nencoder"), path, "--checkpoint")) \
        == f"--checkpoint {path}: bad encoder"  # one line
    # a message about something else, or the file given by another name: both named
    assert str(world_model_error(ValueError("no predictor"), path, "--world-model")) == \
        f"--world-model {path}: no predictor"
    assert str(world_model_error(ValueError(why), path, "--world-model", "demo")) == \
        f"--world-model demo: {why}"
    from vjepa_ros.models.errors import CheckpointError  # callers that catch it still do

    assert type(world_model_error(CheckpointError(why), path, "--init")) is CheckpointError
    assert type(world_model_error(KeyError("x"), path, "--init")) is ValueError


def test_world_model_path_demo_is_the_packaged_file_or_says_how_to_get_it(tmp_path,
                                                                          monkeypatch):
    from vjepa_ros.sim import reach_config

    assert world_model_path("demo") == reach_config.demo_model_path()
    monkeypatch.setattr(reach_config, "demo_model_path", lambda: tmp_path / "demo.pt")
    with pytest.raises(ValueError) as caught:
        world_model_path("demo", "--world-model")
    message = str(caught.value)
    assert message.startswith("--world-model demo: the demo world model is not installed")
    assert message.endswith("or pass --world-model FILE") and "\n" not in message


@pytest.mark.parametrize("files, given", [(["world_model.pt", "latest.pt"], "world_model.pt"),
                                          (["latest.pt"], "latest.pt")])
def test_a_train_output_folder_is_refused_with_the_model_file_to_give(tmp_path, files, given):
    """``--world-model DIR`` of a train run said only "is a folder: give a file written by ..."."""
    run = tmp_path / "run"
    run.mkdir()
    for name in files:
        (run / name).write_bytes(b"x")
    what = "the world model" if given == "world_model.pt" else "the latest checkpoint"
    fix = f"give {run / given} ({what} of the vjepa-ros train run there)"
    with pytest.raises(ValueError) as caught:
        world_model_path(str(run), "--world-model")
    assert str(caught.value) == f"--world-model {run} is a folder: {fix}"
    # a loader's words about the folder (train's --encoder, --init) get the same fix
    why = f"{run} is a directory without config.json (not an HF snapshot)"
    assert str(world_model_error(ValueError(why), run, "--init")) == f"--init {why}; {fix}"
    with pytest.raises(ValueError) as caught:
        world_model_path(str(tmp_path))  # a folder without them: as before
    assert str(caught.value) == f"--checkpoint {tmp_path} is a folder: give {CHECKPOINT_FORMAT}"


def test_every_refusal_of_a_world_model_path_is_a_checkpoint_error(tmp_path, monkeypatch):
    """mend62a: the node's conversion (a ValueError made a CheckpointError) is here for all.

    Every caller gets the kind of a file problem (``models.errors.CheckpointError``, a
    ValueError: callers catching ValueError still do; the planner node exits 1, not 2): a
    missing file, a folder, a train run's folder, a symlink loop, an unset variable, the
    keyword in other letters, and ``demo`` not installed.
    """
    from vjepa_ros.models.errors import CheckpointError
    from vjepa_ros.sim import reach_config

    monkeypatch.delenv("VJEPA_NO_SUCH_VAR", raising=False)
    run = tmp_path / "run"
    run.mkdir()
    (run / "latest.pt").write_bytes(b"x")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    for spec in (str(tmp_path / "x.pt"), str(tmp_path), str(run), str(tmp_path / "loop"),
                 "$VJEPA_NO_SUCH_VAR/m.pt", "Demo"):
        with pytest.raises(CheckpointError) as caught:
            world_model_path(spec, "--world-model")
        assert str(caught.value).startswith("--world-model "), caught.value
    monkeypatch.setattr(reach_config, "demo_model_path", lambda: tmp_path / "demo.pt")
    with pytest.raises(CheckpointError, match="^--world-model demo: the demo world model is "):
        world_model_path("demo", "--world-model")
    with pytest.raises(ValueError) as caught:  # other options keep their plain ValueError
        input_path(tmp_path / "x.npz", "--episode", "an .npz")
    assert type(caught.value) is ValueError


def test_an_encoder_options_advice_is_built_from_the_errors_parts(tmp_path):
    """mend62a: an encoder's advice said from the error's parts, not a ``str.replace``.

    ``world_model_error(encoder=True)`` says the loaders' line again (``NotACheckpointError.
    giving``). A file that is no checkpoint: the encoder's writers after ``give``; the same
    words without ``encoder``; a damaged file (no such advice) and a copy without the parts as
    they are.
    """
    from vjepa_ros.input_paths import ENCODER_FORMAT
    from vjepa_ros.models.checkpoint_file import damaged, not_a_checkpoint
    from vjepa_ros.models.errors import NotACheckpointError

    path = tmp_path / "e.pt"
    exc = not_a_checkpoint(path, "an empty file")
    head = f"--encoder {path} is not a vjepa_ros checkpoint (an empty file): give "
    assert str(world_model_error(exc, path, "--encoder", encoder=True)) == head + ENCODER_FORMAT
    assert str(world_model_error(exc, path, "--encoder")) == head + CHECKPOINT_FORMAT
    assert isinstance(world_model_error(exc, path, "--encoder", encoder=True), NotACheckpointError)
    broken = damaged(path, "its zip records do not read")
    assert str(world_model_error(broken, path, "--encoder", encoder=True)) == \
        f"--encoder {broken}"
    copy = NotACheckpointError(str(exc))  # the message alone: said whole
    assert str(world_model_error(copy, path, "--encoder", encoder=True)) == \
        head + CHECKPOINT_FORMAT


def test_a_missing_demo_model_is_refused_naming_the_option_given(tmp_path, monkeypatch):
    """mend62e: the advice is built with the option passed in, not patched after it was said.

    ``world_model_path("demo", OPTION)`` replaced ``--checkpoint FILE`` in the locator's line;
    the locator (``reach_config.resolve_checkpoint``) and ``demo.load_planning_model`` (train's
    ``--init demo``, eval's ``--world-model demo``) now say the option they were given, and
    ``--checkpoint`` where none is given.
    """
    from vjepa_ros.demo import load_planning_model
    from vjepa_ros.sim import reach_config

    monkeypatch.setattr(reach_config, "demo_model_path", lambda: tmp_path / "demo.pt")
    head = f"the demo world model is not installed ({tmp_path / 'demo.pt'} is missing): train it"
    for option in ("--world-model", "--init", "--checkpoint"):
        with pytest.raises(FileNotFoundError) as caught:
            reach_config.resolve_checkpoint("", option)
        assert str(caught.value).startswith(head)
        assert str(caught.value).endswith(f"or pass {option} FILE")
        with pytest.raises(FileNotFoundError) as caught:
            load_planning_model("demo", option=option)
        assert str(caught.value).endswith(f"or pass {option} FILE")
    with pytest.raises(FileNotFoundError, match=r"or pass --checkpoint FILE$"):
        reach_config.resolve_checkpoint()
