"""breaker31: model loading, checkpoints, settings files and preprocessing, tried to break.

Each test is a strict xfail of a defect found on main: inputs a lab could plausibly produce
(a torch.compile'd predictor, a duplicated YAML section, a broken Hugging Face snapshot, ...)
that load silently wrong, or fail with a traceback or a message that names no file or fix.
"""

import json
import types
import zipfile

import numpy as np
import pytest
import torch

from vjepa_ros.models import (
    CheckpointError,
    build_encoder,
    build_predictor,
    load_models,
    load_world_model,
    save_world_model,
)

ENC = dict(embed_dim=32, depth=1, num_heads=2, img_size=64)
PRED = dict(embed_dim=32, predictor_embed_dim=32, depth=1, num_heads=2, img_size=64)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Return (path of a tiny world model file with config, its torch.load'ed dict)."""
    torch.manual_seed(0)
    path = save_world_model(tmp_path_factory.mktemp("b31") / "tiny.pt",
                            build_encoder(**ENC), build_predictor(**PRED))
    return path, torch.load(path, map_location="cpu", weights_only=True)


def _renamed(state: dict, old: str, new: str) -> dict:
    return {new + key[len(old):]: value for key, value in state.items()}


# -- checkpoints


@pytest.mark.parametrize("prefix", ["_orig_mod.", "module._orig_mod."])
def test_a_compiled_predictors_weights_are_loaded_not_dropped(saved, tmp_path, prefix):
    # torch.compile(predictor).state_dict() names every key _orig_mod.<key>; DDP around it adds
    # module. in front. The file holds an AC predictor (action_encoder.* is there).
    path, raw = saved
    payload = dict(raw, predictor=_renamed(raw["predictor"], "module.", prefix))
    compiled = tmp_path / "compiled.pt"
    torch.save(payload, compiled)
    try:
        model = load_world_model(compiled, device="cpu")
    except CheckpointError as exc:  # refusing it is fine too, if it says what the keys are
        assert "_orig_mod" in str(exc) and "holds no action-conditioned" not in str(exc)
        return
    assert model.predictor is not None, "the file's AC predictor was dropped"
    expected = load_world_model(path, device="cpu").predictor.state_dict()
    for key, value in model.predictor.state_dict().items():
        assert torch.equal(value, expected[key]), key


def test_an_ac_predictor_missing_its_action_encoder_is_named_not_dropped(saved, tmp_path):
    # A damaged or hand-edited file: predictor_embed, state_encoder, blocks ... are there (not
    # the mask predictor, which has mask_tokens), only action_encoder.* is missing.
    _, raw = saved
    predictor = {k: v for k, v in raw["predictor"].items() if ".action_encoder." not in k}
    assert not any(k.endswith("mask_tokens") for k in predictor)
    broken = tmp_path / "no_action_encoder.pt"
    torch.save(dict(raw, predictor=predictor), broken)
    with pytest.raises(CheckpointError, match="action_encoder"):
        load_models(broken)


def test_an_integer_tensor_among_the_weights_is_one_line_naming_the_file(saved, tmp_path):
    _, raw = saved
    encoder = dict(raw["encoder"])
    encoder["module.norm.weight"] = encoder["module.norm.weight"].to(torch.int8)  # a quantized
    path = tmp_path / "int8_export.pt"
    torch.save(dict(raw, encoder=encoder), path)
    with pytest.raises(CheckpointError) as info:
        load_models(path)
    message = str(info.value)
    assert "int8_export.pt" in message and "norm.weight" in message and "\n" not in message


def test_a_file_whose_tensor_bytes_are_damaged_is_refused(saved, tmp_path):
    path, _ = saved
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = max(archive.infolist(), key=lambda item: item.file_size)  # a weight tensor
    name_length, extra_length = np.frombuffer(
        bytes(data[info.header_offset + 26:info.header_offset + 30]), dtype="<u2")
    start = info.header_offset + 30 + int(name_length) + int(extra_length)
    data[start + info.file_size // 2] ^= 0x40  # one bit flipped (disk, copy over a bad link)
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(bytes(data))
    with zipfile.ZipFile(damaged) as archive:
        assert archive.testzip() is not None  # the file's own CRC says it is damaged
    with pytest.raises(CheckpointError, match="damaged.pt"):
        load_models(damaged)


def test_a_symlink_to_the_384_px_file_is_read_as_384_px(monkeypatch, tmp_path):
    from vjepa_ros.models import checkpoint

    # vitg-384.pt has the shapes of vitg.pt; a tiny stand-in preset keeps the test small (as
    # test_models_checkpoint's test of the name rule).
    monkeypatch.setitem(checkpoint.ENCODER_PRESETS, "tiny_test",
                        dict(embed_dim=48, depth=2, num_heads=2, mlp_ratio=4.0, img_size=256))
    target = save_world_model(tmp_path / "vitg-384.pt",
                              build_encoder(embed_dim=48, depth=2, num_heads=2), config=False)
    assert load_models(target)[0].img_size == (384, 384)
    link = tmp_path / "current_encoder.pt"
    link.symlink_to(target)
    assert load_models(link)[0].img_size == (384, 384)


def test_an_encoder_and_predictor_of_other_sizes_in_one_file_name_the_file(saved, tmp_path):
    _, raw = saved
    config = {"encoder": dict(raw["config"]["encoder"], img_size=128),
              "predictor": raw["config"]["predictor"]}
    path = tmp_path / "edited_config.pt"
    torch.save(dict(raw, config=config), path)
    with pytest.raises(ValueError, match="edited_config.pt"):
        load_world_model(path, device="cpu")


@pytest.mark.parametrize("name", ["num_heads", "depth", "patch_size", "tubelet_size"])
def test_a_whole_number_written_as_a_float_is_named_or_taken(saved, tmp_path, name):
    _, raw = saved
    path = tmp_path / "no_config.pt"
    torch.save({k: v for k, v in raw.items() if k != "config"}, path)
    values = {"num_heads": 2, "img_size": 64, name: float({**ENC, "patch_size": 16,
                                                           "tubelet_size": 2}[name])}
    try:
        model = load_world_model(path, device="cpu", encoder=values, predictor={"num_heads": 2})
    except CheckpointError as exc:  # refused: naming the hyper-parameter
        assert name in str(exc) and "no_config.pt" in str(exc)
        return
    reps = model.encode(np.zeros((64, 64, 3), dtype=np.uint8))
    assert reps.shape == (1, 16, 32)


# -- Hugging Face snapshots


def _snapshot(folder, encoder):
    """Write ``encoder`` as a Hugging Face VJEPA2 snapshot folder (config.json, safetensors)."""
    from safetensors.torch import save_file

    from vjepa_ros.models.hf import official_to_hf_encoder

    folder.mkdir()
    cfg = encoder.config
    (folder / "config.json").write_text(json.dumps({
        "model_type": "vjepa2", "hidden_size": cfg.embed_dim, "num_hidden_layers": cfg.depth,
        "num_attention_heads": cfg.num_heads, "crop_size": 64, "patch_size": 16,
        "tubelet_size": 2, "mlp_ratio": 4.0}))
    state = {k: v.contiguous() for k, v in official_to_hf_encoder(encoder.state_dict()).items()}
    save_file(state, str(folder / "model.safetensors"))
    return folder


@pytest.mark.parametrize("file,text", [
    ("model.safetensors.index.json", "{not json"),  # cut short while copying
    ("model.safetensors.index.json", "{}"),  # no weight_map
    ("config.json", "[1, 2]"),  # not a mapping
    ("config.json", b"\xff\xfe\x00binary"),  # not text
])
def test_a_broken_hf_snapshot_file_is_one_line_naming_it(tmp_path, file, text):
    torch.manual_seed(0)
    folder = _snapshot(tmp_path / "snapshot", build_encoder(**ENC))
    assert load_models(folder)[0].img_size == (64, 64)  # the intact snapshot loads
    target = folder / file
    target.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(CheckpointError, match=file.replace(".", r"\.")):
        load_models(folder)


# -- settings files


def test_train_settings_with_a_section_given_twice_lose_nothing(tmp_path):
    from vjepa_ros.train.config import config_from_yaml, make_config

    path = tmp_path / "train.yaml"
    path.write_text("optim:\n  lr: 0.001\nsteps: 10\n# added later\noptim:\n  warmup: 5\n")
    try:
        config = make_config(config_from_yaml(path))
    except ValueError as exc:  # refusing it is fine, naming the file and the key
        assert "train.yaml" in str(exc) and "optim" in str(exc)
        return
    assert (config.optim.lr, config.optim.warmup) == (0.001, 5.0)


def test_reach_settings_with_a_section_given_twice_lose_nothing(tmp_path):
    from vjepa_ros.sim.reach_config import load_reach_config

    path = tmp_path / "reach.yaml"
    path.write_text("planner:\n  samples: 7\n  topk: 3\nplanner:\n  iterations: 2\n")
    try:
        config = load_reach_config(path)
    except ValueError as exc:
        assert "reach.yaml" in str(exc) and "planner" in str(exc)
        return
    assert (config.planner.samples, config.planner.iterations) == (7, 2)


def test_a_parameter_file_with_a_node_section_twice_reads_as_rcl_reads_it(tmp_path):
    from vjepa_ros.yaml_files import read_ros_params

    path = tmp_path / "mine.yaml"
    path.write_text("vjepa_planner:\n  ros__parameters:\n    model:\n      checkpoint: /x.pt\n"
                    "vjepa_planner:\n  ros__parameters:\n    planner:\n      samples: 200\n")
    # What rcl (rclpy 9, --ros-args --params-file) gives the node, checked by hand:
    # {'model.checkpoint': '/x.pt', 'planner.samples': 200}
    try:
        params = read_ros_params(path, "vjepa_planner")
    except ValueError as exc:  # refusing the duplicate is fine, naming the file and section
        assert "mine.yaml" in str(exc) and "vjepa_planner" in str(exc)
        return
    assert params == {"model": {"checkpoint": "/x.pt"}, "planner": {"samples": 200}}


@pytest.mark.parametrize("radius", ["5", "50", ".inf"])
def test_reach_refuses_a_success_radius_no_workspace_holds(tmp_path, radius):
    from vjepa_ros.sim.reach_config import load_reach_config

    path = tmp_path / "reach.yaml"
    path.write_text(f"episode:\n  success_radius: {radius}\n")
    with pytest.raises(ValueError, match="success_radius"):
        load_reach_config(path)


# -- preprocessing


def test_a_16_bit_colour_frame_is_the_same_from_a_file_and_from_a_topic(tmp_path):
    import cv2

    from vjepa_ros.images import image_msg_to_rgb, load_image_file

    rgb16 = np.random.default_rng(0).integers(0, 65536, size=(64, 64, 3), dtype=np.uint16)
    assert cv2.imwrite(str(tmp_path / "goal.png"), rgb16[..., ::-1])
    from_file = load_image_file(tmp_path / "goal.png")
    msg = types.SimpleNamespace(height=64, width=64, step=64 * 6, encoding="rgb16",
                                is_bigendian=0, data=rgb16.astype("<u2").tobytes())
    from_topic = image_msg_to_rgb(msg)
    assert np.array_equal(from_file, from_topic), \
        f"{np.mean(from_file != from_topic):.0%} of the values differ"


@pytest.mark.parametrize("item,field", [("encoder=demo", "encoder"),
                                        ("predictor.init=demo", "init")])
def test_demo_given_by_set_is_the_packaged_model_as_the_options(tmp_path, item, field):
    from vjepa_ros.cli import build_parser
    from vjepa_ros.sim.reach_config import demo_model_path
    from vjepa_ros.train.command import config_from_args
    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "episodes", 1, frames=4, seed=1)
    args = build_parser().parse_args(["train", "--data", str(tmp_path / "episodes"), "--out",
                                      str(tmp_path / "out"), "--set", item])
    config = config_from_args(args)
    taken = config.encoder if field == "encoder" else config.predictor.init
    assert taken == str(demo_model_path())


def test_a_model_trained_on_square_crops_loads_with_square_crops(tmp_path, one_thread):
    from vjepa_ros.cli import main
    from vjepa_ros.train.synthetic import write_blob_episodes, write_tiny_encoder

    write_blob_episodes(tmp_path / "episodes", 2, frames=6, seed=3)
    out = tmp_path / "run"
    assert main(["train", "--data", str(tmp_path / "episodes"), "--out", str(out),
                 "--encoder", str(write_tiny_encoder(tmp_path / "encoder.pt")), "--steps", "1",
                 "--batch-size", "2", "--frames-per-clip", "3", "--predictor-dim", "32",
                 "--depth", "1", "--heads", "2", "--val-fraction", "0", "--quiet",
                 "--set", "data.aspect_ratio_min=1.0", "--set", "data.aspect_ratio_max=1.0"]) == 0
    model = load_world_model(out / "world_model.pt", device="cpu")
    assert model.aspect_ratio_range == (1.0, 1.0)  # the crop its predictor was trained on


@pytest.mark.parametrize("command", ["train", "pretrain"])
def test_a_seed_torch_cannot_take_is_refused_naming_the_seed(tmp_path, capsys, command):
    from vjepa_ros.cli import main
    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "episodes", 1, frames=6, seed=3)
    out = tmp_path / ("run" if command == "train" else "encoder.pt")
    more = ["--encoder", "demo", "--val-fraction", "0"] if command == "train" else []
    status = main([command, "--data", str(tmp_path / "episodes"), "--out", str(out),
                   "--steps", "0" if command == "pretrain" else "1", "--threads", "1",
                   "--seed", str(2 ** 64), *more])
    error = capsys.readouterr().err
    assert status in (1, 2) and "--seed" in error, error


def test_train_refuses_a_thread_count_no_machine_has():
    from vjepa_ros.train.config import make_config

    with pytest.raises(ValueError, match="threads"):
        make_config({"threads": 1_000_000}).check(need_paths=False)


@pytest.mark.parametrize("settings,key,meant", [
    ("train", {"lr": 0.001}, "optim.lr"),
    ("train", {"init": "x.pt"}, "predictor.init"),
    ("reach", {"samples": 5}, "planner.samples"),
    ("reach", {"episode.samples": 5}, "planner.samples"),
])
def test_a_setting_in_the_wrong_section_names_the_section_it_belongs_to(tmp_path, settings,
                                                                         key, meant):
    import yaml

    from vjepa_ros.config import UsageError
    from vjepa_ros.sim.reach_config import load_reach_config
    from vjepa_ros.train.config import config_from_yaml, make_config

    path = tmp_path / f"{settings}.yaml"
    path.write_text(yaml.safe_dump(key))
    with pytest.raises(UsageError) as info:
        if settings == "train":
            make_config(config_from_yaml(path))
        else:
            load_reach_config(path)
    assert meant in str(info.value)
