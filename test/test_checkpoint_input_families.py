"""The families of breaker56d's checkpoint inputs (fix56d), beyond the cases its tests name.

Non-finite hyper-parameters (every number a config checks, not only ``mlp_ratio``); paths that
exist but are no regular file (a FIFO nobody writes to must not hang, a socket, a character
device); ``$NAME`` in every path taken where ``~`` is (the loaders, ``input_path``, goal image
paths, a train config's paths) and an unset one named; a config depth the weights contradict
refused before any module is built, a width no tensor can have as it is built; a head count
of a huge width answered at once; ``use_extrinsics`` values that are no setting.
"""

import os
import socket
from pathlib import Path

import pytest
import torch
from checkpoint_variants import refusal, variant

from vjepa_ros.image_errors import ImageError
from vjepa_ros.image_paths import image_file_path
from vjepa_ros.input_paths import gives_fix, input_path, missing
from vjepa_ros.models import CheckpointError
from vjepa_ros.models.checkpoint import check_checkpoint, load_models, load_parts
from vjepa_ros.models.checkpoint_build import check_config_depth
from vjepa_ros.models.encoder import EncoderConfig
from vjepa_ros.models.head_width import divisors, head_problem
from vjepa_ros.models.predictor import PredictorConfig
from vjepa_ros.user_paths import UnsetVariable, expand_path

pytestmark = pytest.mark.usefixtures("one_thread")

NON_FINITE = [float("nan"), float("inf"), float("-inf")]
ENCODER = dict(embed_dim=32, depth=1, num_heads=2, img_size=64)
PREDICTOR = dict(embed_dim=32, predictor_embed_dim=32, depth=1, num_heads=2, img_size=64)


# -- non-finite numbers: every key a config checks

@pytest.mark.parametrize("value", NON_FINITE)
@pytest.mark.parametrize("make,values,key", [
    *[(EncoderConfig, ENCODER, key) for key in ("embed_dim", "depth", "num_heads", "patch_size",
                                                 "tubelet_size", "mlp_ratio", "in_chans")],
    *[(PredictorConfig, PREDICTOR, key) for key in ("embed_dim", "predictor_embed_dim", "depth",
                                                     "num_heads", "mlp_ratio", "patch_size",
                                                     "tubelet_size", "action_embed_dim")]])
def test_a_config_refuses_a_non_finite_number_naming_the_key(make, values, key, value):
    with pytest.raises(ValueError, match=rf"{key} must be a positive, finite number"):
        make(**{**values, key: value})


@pytest.mark.parametrize("value", NON_FINITE)
@pytest.mark.parametrize("part,key", [("encoder", "depth"), ("encoder", "embed_dim"),
                                      ("predictor", "num_heads"), ("predictor", "depth")])
def test_a_non_finite_number_in_a_file_config_names_file_and_key(tiny_world_model, tmp_path,
                                                                 part, key, value):
    path = variant(tiny_world_model, tmp_path / "wm.pt",
                   lambda raw: raw["config"][part].update({key: value}))
    for call in (lambda: load_parts(path, need_predictor=True),
                 lambda: check_checkpoint(path, need_predictor=True)):
        assert key in refusal(call, path)


@pytest.mark.parametrize("value", NON_FINITE)
def test_a_given_non_finite_depth_is_one_line_naming_it(tiny_world_model, value):
    message = refusal(lambda: load_models(tiny_world_model, predictor={"depth": value}),
                      tiny_world_model)
    assert "depth" in message, message


# -- paths that exist but are no regular file

def test_a_fifo_nobody_writes_to_is_refused_without_opening_it(tiny_world_model, tmp_path):
    """Opening a FIFO with no writer blocks for ever: the refusal comes from its stat alone."""
    fifo = tmp_path / "wm.pt"
    os.mkfifo(fifo)
    for call in (lambda: check_checkpoint(fifo, need_predictor=True), lambda: load_models(fifo)):
        message = refusal(call, fifo)
        assert "a pipe" in message and "not a regular file" in message, message
        assert "not found" not in message, message


def test_a_socket_and_a_character_device_say_what_they_are(tmp_path):
    where = tmp_path / "wm.sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(where))
        assert "a socket" in refusal(lambda: load_models(where), where)
    finally:
        server.close()
    zero = Path("/dev/zero")  # reading it would never end
    assert "a character device" in refusal(lambda: check_checkpoint(zero), zero)
    assert "an empty file" in refusal(lambda: load_models("/dev/null"), Path("/dev/null"))


def test_a_missing_checkpoint_is_still_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_models(tmp_path / "absent.pt")


# -- environment variables where ~ is expanded

def test_expand_path_expands_variables_as_a_shell_does(tmp_path, monkeypatch):
    monkeypatch.setenv("FIX56D_DIR", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert expand_path("$FIX56D_DIR/a.pt") == tmp_path / "a.pt"
    assert expand_path("${FIX56D_DIR}/b/${FIX56D_DIR}") == Path(f"{tmp_path}/b/{tmp_path}")
    assert expand_path("~/$FIX56D_DIR") == Path(f"{tmp_path}/home/{tmp_path}")
    assert expand_path("plain/name.pt") == Path("plain/name.pt")
    literal = tmp_path / "$NOT_A_SET_ONE.pt"  # a file named so: kept as written
    literal.write_bytes(b"x")
    assert expand_path(str(literal)) == literal


@pytest.mark.parametrize("form", ["$FIX56D_UNSET/wm.pt", "${FIX56D_UNSET}/wm.pt",
                                  "/data/${FIX56D_UNSET}"])
def test_an_unset_variable_is_named_by_every_reader(tmp_path, monkeypatch, form):
    monkeypatch.delenv("FIX56D_UNSET", raising=False)
    with pytest.raises(UnsetVariable, match="environment variable FIX56D_UNSET, which is not set"):
        expand_path(form)
    problem = missing(form)
    assert "FIX56D_UNSET" in problem and gives_fix(problem), problem
    with pytest.raises(ValueError, match=r"^--episode .*FIX56D_UNSET, which is not set") as got:
        input_path(form, "--episode", "an episode")
    assert "\n" not in str(got.value) and "give an episode" not in str(got.value)
    for call in (lambda: load_models(form), lambda: check_checkpoint(form)):
        with pytest.raises(CheckpointError, match="FIX56D_UNSET"):
            call()
    with pytest.raises(ImageError, match="FIX56D_UNSET"):
        image_file_path(form)


@pytest.mark.parametrize("error", [UnsetVariable, CheckpointError, ImageError])
def test_an_unset_variables_refusal_carries_the_path_and_its_problem(monkeypatch, error):
    """``path`` and ``problem`` of the refusal, as ``input_paths.missing`` reads them."""
    monkeypatch.delenv("FIX56D_UNSET", raising=False)
    with pytest.raises(error) as refused:
        expand_path("${FIX56D_UNSET}/wm.pt", error)
    exc = refused.value
    assert exc.path == "${FIX56D_UNSET}/wm.pt"
    assert exc.problem.startswith("names the environment variable FIX56D_UNSET, which is not")
    assert str(exc) == f"{exc.path} {exc.problem}"
    assert missing("${FIX56D_UNSET}/wm.pt") == exc.problem


def test_a_variable_in_a_goal_image_path_and_input_path(tmp_path, monkeypatch):
    monkeypatch.setenv("FIX56D_GOALS", str(tmp_path))
    (tmp_path / "goal.png").write_bytes(b"png")
    assert image_file_path("$FIX56D_GOALS/goal.png") == tmp_path / "goal.png"
    assert input_path("${FIX56D_GOALS}/goal.png", "--goal", "an image") == tmp_path / "goal.png"
    assert missing("$FIX56D_GOALS/goal.png") == ""
    with pytest.raises(ValueError, match=rf"--goal {tmp_path}/other.png does not exist"):
        input_path("$FIX56D_GOALS/other.png", "--goal", "an image")


def test_a_train_config_path_takes_a_variable(tmp_path, monkeypatch):
    from vjepa_ros.config import ConfigError
    from vjepa_ros.train.config import absolute_paths, make_config

    monkeypatch.setenv("FIX56D_RUNS", str(tmp_path))
    config = absolute_paths(make_config({"out": "$FIX56D_RUNS/run", "encoder": "~/x.pt"}))
    assert config.out == str(tmp_path / "run")
    assert config.encoder == os.path.expanduser("~/x.pt")
    monkeypatch.delenv("FIX56D_RUNS")
    with pytest.raises(ConfigError, match="FIX56D_RUNS"):
        absolute_paths(make_config({"out": "$FIX56D_RUNS/run"}))


# -- a config depth the weights contradict: refused before anything is built

def _state(kind, tiny_world_model):
    raw = torch.load(tiny_world_model, weights_only=True)
    return {key.removeprefix("module."): value for key, value in raw[kind].items()}


@pytest.mark.parametrize("kind", ["encoder", "predictor"])
@pytest.mark.parametrize("depth", [10**7, 2, 2.0])
def test_a_depth_the_weights_contradict_is_refused_before_building(tiny_world_model, kind,
                                                                   depth):
    """The tiny file holds one block of each: 10**7 blocks would be built (minutes) first."""
    state = _state(kind, tiny_world_model)
    values = {**(ENCODER if kind == "encoder" else PREDICTOR), "depth": depth}
    with pytest.raises(CheckpointError, match=rf"^wm\.pt: {kind} weights do not match .*depth "
                       rf"{int(depth)} there, 1 blocks in the weights"):
        check_config_depth(kind, values, state, "wm.pt")


@pytest.mark.parametrize("value", [1, 1.0, 0, -1, 2.5, float("nan"), "64", True, None])
def test_a_depth_the_config_refuses_or_the_weights_hold_passes(tiny_world_model, value):
    check_config_depth("encoder", {**ENCODER, "depth": value}, _state("encoder", tiny_world_model),
                       "wm.pt")  # no refusal here: the file's own, or the config's to refuse


def test_a_config_depth_of_ten_million_is_refused_by_the_load(tiny_world_model, tmp_path):
    path = variant(tiny_world_model, tmp_path / "wm.pt",
                   lambda raw: raw["config"]["predictor"].update(depth=10**7))
    for call in (lambda: check_checkpoint(path, need_predictor=True), lambda: load_models(path)):
        assert "depth 10000000 there, 1 blocks" in refusal(call, path)


@pytest.mark.parametrize("width", [10**9, 2**40])
def test_an_encoder_no_tensor_can_hold_is_refused_naming_the_file(tiny_world_model, tmp_path,
                                                                  width):
    path = variant(tiny_world_model, tmp_path / "wm.pt", lambda raw: (
        raw["config"]["encoder"].update(embed_dim=width),
        raw["config"]["predictor"].update(embed_dim=width)))
    for call in (lambda: check_checkpoint(path), lambda: load_models(path)):
        assert "weights do not match the model" in refusal(call, path)


def test_head_problem_of_a_huge_width_is_answered(tmp_path):
    assert divisors(36) == {1, 2, 3, 4, 6, 9, 12, 18, 36}
    assert divisors(10**9 + 7) == {1, 10**9 + 7}  # a prime: sqrt steps, not 10**9
    problem = head_problem(10**9 + 1, 2, "embed_dim", "num_heads")
    assert problem.startswith("embed_dim 1000000001 is not divisible by num_heads 2")


# -- use_extrinsics values that are no setting: the same refusal with or without planning

@pytest.mark.parametrize("value", ["false", "true", "no", 2, 0.0, None])
def test_a_use_extrinsics_of_no_setting_is_refused_alike(tiny_world_model, tmp_path, value):
    path = variant(tiny_world_model, tmp_path / "wm.pt",
                   lambda raw: raw["config"]["predictor"].update(use_extrinsics=value))
    messages = {refusal(lambda call=call, need=need: call(path, need_predictor=need), path)
                for call in (load_parts, check_checkpoint) for need in (False, True)}
    assert len(messages) == 1, messages
    assert "use_extrinsics must be true or false" in messages.pop()


@pytest.mark.parametrize("value", [True, 1])
def test_use_extrinsics_true_is_still_refused_for_planning(tiny_world_model, tmp_path, value):
    path = variant(tiny_world_model, tmp_path / "wm.pt",
                   lambda raw: raw["config"]["predictor"].update(use_extrinsics=value))
    message = refusal(lambda: check_checkpoint(path, need_predictor=True), path)
    assert "not supported for planning" in message, message
