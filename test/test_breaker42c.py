"""breaker42c: model loading, checkpoints and preprocessing, tried to make them silently differ.

Attacked at main 6f8dacc: vjepa_ros/models/ (checkpoint.py, checkpoint_file.py, presets.py,
preprocess.py, encoder.py, predictor.py, rope.py, hf.py, official_names.py, world_model.py),
vjepa_ros/images.py (load_image_file, the topic decoders), vjepa_ros/robot/goal_files.py and the
``vjepa-ros eval --goal`` path. Not repeated: test_breaker31's (compiled-prefix keys, damaged
files, 384 px symlinks, float hyper-parameters, 16-bit colour) and test_breaker38's (num_heads
given against a file's recorded config).

Each test is a strict xfail of a defect found there: an input a lab could plausibly give that
loads with no error and computes other numbers than the published model would.
"""

import pytest
import torch

from vjepa_ros.models import (
    CheckpointError,
    build_encoder,
    build_predictor,
    load_world_model,
    save_world_model,
)

# A tiny stand-in for the official presets (as test_breaker31 does for vitg-384.pt): a file of
# exactly a preset's shapes and no config entry is what vjepa2-ac-vitg.pt is to vit_giant /
# vit_ac_giant, whose head counts (22 and 16) come from the preset, not from any weight shape.
TINY_ENCODER = dict(embed_dim=48, depth=2, num_heads=2, mlp_ratio=4.0, img_size=64)
TINY_PREDICTOR = dict(embed_dim=48, predictor_embed_dim=32, depth=1, num_heads=2, mlp_ratio=4.0,
                      img_size=64, patch_size=16, tubelet_size=2, action_embed_dim=7,
                      use_extrinsics=False)


@pytest.fixture
def official_like(monkeypatch, tmp_path):
    """Return a config-less file whose shapes are those of (tiny) official presets."""
    from vjepa_ros.models import checkpoint

    monkeypatch.setitem(checkpoint.ENCODER_PRESETS, "tiny_test", TINY_ENCODER)
    monkeypatch.setitem(checkpoint.PREDICTOR_PRESETS, "tiny_ac_test", TINY_PREDICTOR)
    torch.manual_seed(0)
    encoder = build_encoder(**TINY_ENCODER)
    predictor = build_predictor(**TINY_PREDICTOR)
    return save_world_model(tmp_path / "vjepa2-ac-vitg.pt", encoder, predictor, config=False)


@pytest.mark.parametrize("kind", ["encoder", "predictor"])
def test_a_head_count_against_the_official_presets_is_refused(official_like, kind):
    """``--encoder-arg num_heads=16`` on vjepa2-ac-vitg.pt (vit_giant has 22 heads).

    Why a lab gives it: timm's ViT-g (the same 1408 x 40 shapes) has 16 heads, and the official
    AC training YAML's only head count, ``pred_num_heads: 16``, is the predictor's; a lab copying
    it to --encoder-arg (or another count to --predictor-arg) gets the released weights split
    into other heads: every representation and plan differs, with no word. breaker38 made the
    loader refuse exactly this against a file's recorded ``config``; the official files record
    none, and the head count the preset gives them is just as certain.
    """
    other = {kind: {"num_heads": 4}}
    try:
        model = load_world_model(official_like, device="cpu", **other)
    except CheckpointError as exc:
        assert "num_heads" in str(exc) and "vjepa2-ac-vitg.pt" in str(exc), exc
        return
    part = getattr(model, kind)
    assert part.num_heads == 2, (
        f"{kind} loaded with {part.num_heads} heads; the preset its shapes match has 2")



@pytest.mark.parametrize("kind, key, given, preset", [
    ("encoder", "num_heads", 16, 2), ("encoder", "img_size", 128, 64),
    ("predictor", "img_size", [64, 96], 64), ("predictor", "use_extrinsics", True, False)])
def test_each_setting_no_shape_checks_is_held_to_the_preset(official_like, kind, key, given,
                                                            preset):
    """A preset value no weight shape checks, given otherwise, is refused in one line.

    The line names the file, the key, both values and what to do; the preset's value loads.
    """
    with pytest.raises(CheckpointError) as caught:
        load_world_model(official_like, device="cpu", **{kind: {key: given}})
    message = str(caught.value)
    assert "\n" not in message and "vjepa2-ac-vitg.pt" in message, message
    assert f"{kind} {key}={given} given" in message and f"{key} is {preset}" in message, message
    assert f"leave {key} out" in message, message
    model = load_world_model(official_like, device="cpu", **{kind: {key: preset}})
    assert getattr(model, kind).config.to_dict()[key] == preset


def test_the_384_px_preset_of_the_same_shapes_stays_a_choice(monkeypatch, tmp_path):
    """vit_giant and vit_giant_384 share shapes: img_size 384 on vitg.pt is a preset's value.

    (So is 256 on vitg-384.pt): not refused; another size is, naming both.
    """
    from vjepa_ros.models import checkpoint

    monkeypatch.setitem(checkpoint.ENCODER_PRESETS, "tiny_test", TINY_ENCODER)
    monkeypatch.setitem(checkpoint.ENCODER_PRESETS, "tiny_test_384",
                        dict(TINY_ENCODER, img_size=96))
    path = save_world_model(tmp_path / "vitg.pt", build_encoder(**TINY_ENCODER), config=False)
    assert load_world_model(path, device="cpu").img_size == (64, 64)
    assert load_world_model(path, device="cpu", encoder={"img_size": 96}).img_size == (96, 96)
    with pytest.raises(CheckpointError, match=r"img_size=80 given, .*tiny_test/tiny_test_384 "
                       r"preset's, whose img_size is 64 or 96"):
        load_world_model(path, device="cpu", encoder={"img_size": 80})


def test_a_recorded_config_still_decides_over_the_preset(tmp_path, monkeypatch):
    """A file with a config (vjepa-ros train's) of a preset's shapes: its config decides.

    The caller is held to the config's num_heads; img_size (not guarded against a config) stays
    the caller's.
    """
    from vjepa_ros.models import checkpoint

    monkeypatch.setitem(checkpoint.ENCODER_PRESETS, "tiny_test", TINY_ENCODER)
    path = save_world_model(tmp_path / "trained.pt", build_encoder(**TINY_ENCODER))
    assert load_world_model(path, device="cpu", encoder={"img_size": 32}).img_size == (32, 32)
    with pytest.raises(CheckpointError, match="records num_heads 2"):
        load_world_model(path, device="cpu", encoder={"num_heads": 4})


def _gray_goal_eval(tmp_path, capsys, goal_mode: str):
    from PIL import Image

    from vjepa_ros.cli import main
    from vjepa_ros.example_episode import load_example
    from vjepa_ros.recordings.bag_writing import write_episode

    episode = load_example()  # real Franka colour frames (../shared/data)
    bag = write_episode(tmp_path / "bag", episode)
    goal = tmp_path / "goal.png"
    image = Image.fromarray(episode.frames[-1])
    for mode in goal_mode.split("+"):  # "L+RGB": grey, saved as RGB
        image = image.convert(mode)
    image.save(goal)
    status = main(["eval", str(bag), "--goal", str(goal), "--out", str(tmp_path / "ev"),
                   "--samples", "8", "--iterations", "1", "--topk", "2",
                   "--landscape-points", "0", "--no-plots", "--quiet", "--max-steps", "1"])
    out = capsys.readouterr()
    return status, (out.out + out.err).replace(str(tmp_path), "TMP")  # its name says grey


def test_a_grey_goal_for_colour_frames_is_said_or_refused(tmp_path, capsys):
    """``vjepa-ros eval BAG --goal goal.png`` with the goal saved in greyscale.

    Why a lab gives it: a goal exported in an editor's greyscale mode, or captured from the
    RealSense's 8-bit infrared stream (Y8, published as mono8: accepted, unlike its 16-bit
    forms) instead of its colour one. The published model saw only colour frames; a grey goal
    is a representation no colour frame of the scene reaches, so the planner chases the colour
    difference. The package already notes a goal of another *size* than the frames
    (goal_size_note); one of another colour kind gets nothing. Should: a note (or refusal) that
    names the goal as grey/greyscale while the frames are colour.
    """
    status, text = _gray_goal_eval(tmp_path, capsys, "L")
    words = ("grey", "gray", "greyscale", "grayscale", "monochrome")
    said = [line for line in text.splitlines() if any(w in line.lower() for w in words)]
    assert said or status != 0, text


@pytest.mark.parametrize("goal_mode", ["L+RGB", "L+LA", "L+P"])
def test_a_grey_picture_stored_as_colour_is_grey_too(tmp_path, capsys, goal_mode):
    """What the goal holds decides, not how it is stored.

    A grey picture saved as RGB, grey + alpha or a palette of greys gets the note, in one line.
    """
    status, text = _gray_goal_eval(tmp_path, capsys, goal_mode)
    assert status == 0, text
    (line,) = [line for line in text.splitlines() if "goal image is grey" in line]
    assert "are colour" in line and "capture the goal with the same colour camera" in line, line


def test_a_colour_goal_gets_no_grey_note(tmp_path, capsys):
    status, text = _gray_goal_eval(tmp_path, capsys, "RGB")
    assert status == 0 and "grey" not in text.lower(), text


def test_the_live_node_notes_grey_frames_and_a_grey_goal_once():
    """The planner node's notes (SizeNotes.colour, per camera frame): each once."""
    import numpy as np

    from vjepa_ros.image_notes import SizeNotes

    rng = np.random.default_rng(0)
    colour = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    grey = np.repeat(colour[..., :1], 3, axis=2)
    notes = SizeNotes(None)
    assert notes.colour(colour) == [] and notes.colour(colour, colour.copy()) == []
    (note,) = notes.colour(colour, grey)
    assert "goal image is grey" in note and "~/capture_goal" in note, note
    assert notes.colour(colour, grey) == []  # once
    (frames,) = SizeNotes(None).colour(grey, grey)  # a mono8 camera: said of the frames
    assert "camera's frames are grey" in frames and "colour frames only" in frames, frames


@pytest.mark.parametrize("orientation", [5, 6, 7, 8])
def test_a_tiff_turned_by_its_exif_orientation_loads_turned(tmp_path, orientation):
    """A TIFF turned by 90 degrees by its EXIF orientation loads, turned as it is to be seen.

    OpenCV 5.1's imread fails on it (it was refused as 'corrupt or unsupported format'); Pillow
    reads it.
    """
    import numpy as np
    from PIL import Image

    from vjepa_ros.images import ImageError, load_image_file

    rng = np.random.default_rng(orientation)
    pixels = rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)
    turned = {5: pixels.transpose(1, 0, 2), 6: np.rot90(pixels, -1), 8: np.rot90(pixels, 1),
              7: np.rot90(pixels, 2).transpose(1, 0, 2)}[orientation]
    for mode in ("RGB", "L"):
        image = Image.fromarray(pixels if mode == "RGB" else pixels[..., 0])
        exif = image.getexif()
        exif[0x0112] = orientation
        path = tmp_path / f"{mode}.tif"
        image.save(path, exif=exif)
        try:
            loaded = load_image_file(path)
        except ImageError as exc:  # Pillow 13 loses the turn of a grey TIFF: refused, not wrong
            assert "save it again as a PNG" in str(exc) and "corrupt" not in str(exc), exc
            continue
        want = turned if mode == "RGB" else np.repeat(turned[..., :1], 3, axis=2)
        assert loaded.shape == want.shape and np.array_equal(loaded, want), mode
