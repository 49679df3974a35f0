"""breaker57h: today's later fixes (fix57d, fix57b, mend57u, mend57b), second round.

Each test asserts the right behaviour (strict xfails until fix57h fixed them).
"""

import pytest
import torch

from vjepa_ros.models import build_encoder, build_predictor, load_world_model, save_world_model
from vjepa_ros.models.checkpoint_peek import peek_config
from vjepa_ros.nodes.launch_inputs import size_sim_for_model
from vjepa_ros.nodes.node_launch import NodeLaunch

SIZES = [[96, 160]]  # [height, width] px: the sim should render 160x96


@pytest.fixture(scope="module")
def parts():
    """Return a one-block encoder and predictor (64 px, 64 wide): a model file in ms."""
    torch.manual_seed(0)
    size = {"img_size": 64, "embed_dim": 64, "depth": 1, "num_heads": 2}
    return build_encoder(**size), build_predictor(predictor_embed_dim=64, **size)


def _legacy(path):
    """Re-save ``path`` in torch.save's legacy (non-zip) format, as older tools write it."""
    legacy = path.with_name("legacy.pt")
    torch.save(torch.load(path, weights_only=True), legacy, _use_new_zipfile_serialization=False)
    return legacy


# files the planner loads, with their recorded size, that launch's peek reads as recording none
FILES = {
    # an extra entry of bytes (torch.save's pickle protocol 2 writes bytes as _codecs.encode)
    "bytes entry": lambda parts, path: save_world_model(
        path, *parts, data={"frame_sizes": SIZES}, extra={"data_digest": b"\x12\x34"}),
    # a set in an extra entry (builtins.set), as a lab's own training script may keep
    "set entry": lambda parts, path: save_world_model(
        path, *parts, data={"frame_sizes": SIZES}, extra={"camera_topics": {"/a", "/b"}}),
    # the legacy (non-zip) format: read_checkpoint_file loads it, and its config
    "legacy format": lambda parts, path: _legacy(save_world_model(
        path, *parts, data={"frame_sizes": SIZES})),
}


@pytest.mark.parametrize("kind", sorted(FILES))
def test_launch_sizes_the_sim_from_every_file_the_planner_reads_a_size_from(tmp_path, parts,
                                                                             kind):
    path = FILES[kind](parts, tmp_path / "world_model.pt")
    model = load_world_model(path, device="cpu")
    assert [list(size) for size in model.trained_frame_sizes] == SIZES  # the planner's truth
    assert (peek_config(path) or {}).get("data", {}).get("frame_sizes") == SIZES
    nodes = [NodeLaunch("planner"), NodeLaunch("sim")]
    note = size_sim_for_model(nodes, str(path), "--checkpoint")
    sim = nodes[1]
    assert (sim.parameters.get("camera.width"), sim.parameters.get("camera.height")) == \
        (160, 96), note


def _corrupt(path, how: str):
    """Return a copy of the torch.save zip ``path`` with one field of its zip records damaged.

    ``cd offset``: the zip64 end record's central-directory offset's top byte (one flipped byte
    of a bad download or disk): zipfile seeks there, EINVAL; ``version``: the first central
    directory entry's "version needed to extract" read as 16.1: zipfile's NotImplementedError.
    """
    import struct

    raw = bytearray(path.read_bytes())
    if how == "cd offset":
        zip64 = raw.rfind(b"PK\x06\x06")
        raw[zip64 + 55] = 104  # the top byte of the 8-byte offset at +48
    else:
        eocd = raw.rfind(b"PK\x05\x06")
        central = struct.unpack_from("<I", raw, eocd + 16)[0]
        assert raw[central:central + 4] == b"PK\x01\x02"
        struct.pack_into("<H", raw, central + 6, 161)
    damaged = path.with_name(f"damaged_{how.replace(' ', '_')}.pt")
    damaged.write_bytes(bytes(raw))
    return damaged


@pytest.mark.parametrize("how", ["cd offset", "version"])
def test_a_damaged_checkpoint_leaves_the_sim_s_size_to_the_planner_s_refusal(tmp_path, parts,
                                                                              how):
    path = _corrupt(save_world_model(tmp_path / "world_model.pt", *parts,
                                     data={"frame_sizes": SIZES}), how)
    nodes = [NodeLaunch("planner"), NodeLaunch("sim")]
    # the module's word: "Never raises for the file's content" (None: the loader says it)
    assert peek_config(path) is None
    assert size_sim_for_model(nodes, str(path), "--checkpoint") == ""
    assert nodes[1].parameters == {}


def test_a_damaged_zip_header_is_refused_as_no_checkpoint_naming_the_file(tmp_path, parts):
    from vjepa_ros.models.checkpoint_file import read_checkpoint_file
    from vjepa_ros.models.errors import CheckpointError

    path = _corrupt(save_world_model(tmp_path / "world_model.pt", *parts), "version")
    with pytest.raises(CheckpointError, match=str(path)):
        read_checkpoint_file(path)
