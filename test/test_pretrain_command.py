"""``vjepa-ros pretrain``'s output file: never overwritten, never a directory's name."""

import numpy as np
import pytest
import yaml

from vjepa_ros.cli import main


@pytest.fixture
def data(tmp_path):
    """Return a --data folder (the output is checked before it is read)."""
    folder = tmp_path / "episodes"
    folder.mkdir()
    return folder


def test_an_existing_out_is_refused_and_left_as_it_was(tmp_path, data, capsys):
    """``pretrain --out ow.pt --steps 0`` replaced an existing encoder without a word."""
    out = tmp_path / "ow.pt"
    out.write_bytes(b"an encoder trained for hours")
    assert main(["pretrain", "--data", str(data), "--out", str(out), "--steps", "0"]) == 1
    assert capsys.readouterr().err == (f"vjepa-ros pretrain: --out {out} exists already; choose "
                                       "another --out, or remove it\n")
    assert out.read_bytes() == b"an encoder trained for hours"


@pytest.mark.parametrize("make", [False, True])
def test_an_out_ending_in_a_slash_is_refused_as_a_directory(tmp_path, data, capsys, make):
    """``pretrain --out newdir/`` wrote the files newdir, newdir.png and newdir.json."""
    folder = tmp_path / "newdir"
    if make:
        folder.mkdir()
    assert main(["pretrain", "--data", str(data), "--out", f"{folder}/", "--steps", "0"]) == 1
    assert capsys.readouterr().err == (f"vjepa-ros pretrain: --out {folder}/: ends in '/', a "
                                       "directory; give a file name\n")
    assert folder.is_dir() is make and sorted(tmp_path.iterdir()) == sorted(
        [data] + ([folder] if make else []))
    if make:
        assert not any(folder.iterdir())


TINY = dict(patch_size=8, embed_dim=48, depth=1, num_heads=2, predictor_dim=24, predictor_depth=1,
            predictor_heads=2, batch_size=2, frames_per_clip=2, monitor_frames=4,
            mask_short={"num_blocks": 2, "spatial_scale": [0.15, 0.15]},
            mask_long={"num_blocks": 1, "spatial_scale": [0.5, 0.5]})


def tiny_episodes(folder, size: int):
    """Write two episodes of 6 grey frames of ``size`` x ``size`` px in ``folder``."""
    from vjepa_ros.sim.episode import Episode

    for index in range(2):
        frames = np.full((6, size, size, 3), 60 + 40 * index, dtype=np.uint8)
        states = np.zeros((6, 7))
        Episode.from_states(frames, states, np.arange(6) / 4.0).save(
            folder / f"episode_{index:06d}.npz")


@pytest.mark.parametrize("frame_size, noted", [(16, True), (32, False)])
def test_frames_smaller_than_the_encoder_input_get_the_upsampling_note(tmp_path, data, capsys,
                                                                      frame_size, noted):
    """64x64 frames for a 128 px encoder were upsampled without a word (eval notes it)."""
    tiny_episodes(data, frame_size)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "img_size": 32}))
    assert main(["pretrain", "--data", str(data), "--out", str(tmp_path / "enc.pt"), "--steps",
                 "0", "--threads", "1", "--config", str(settings)]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note")]
    expected = ["note: the frames are 16x16 px, smaller than the encoder's 32x32 input: they are "
                "upsampled, and it learns from frames blurred by the upsampling; collect them at "
                "32x32 or larger (collect --width/--height), or lower img_size in --config"]
    assert notes == (expected if noted else [])
