"""A data refusal every torchrun rank reaches: once when the ranks agree, each rank's otherwise.

``vjepa-ros train`` on 2 ranks with every source shorter than a clip printed the same "no usable
source" line twice, ``rank 0:`` and ``rank 1:`` (N ranks: N copies). ``distributed.
refuse_together`` gathers the ranks' refusals at the point they all reach: rank 0 says an agreed
one once, as one process would; refusals that differ (a node's own copy of the data) are each
said by their rank.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vjepa_ros.train.distributed import (
    RankRefusal,
    Topology,
    free_port,
    refusal_lines,
    refuse_together,
    spawn_local,
)
from vjepa_ros.train.episodes import EpisodeError
from vjepa_ros.train.synthetic import write_blob_episodes, write_tiny_encoder

pytestmark = pytest.mark.usefixtures("one_thread")
REPO = Path(__file__).resolve().parent.parent


def test_agreed_refusals_are_said_once_by_rank_0_and_others_by_each_rank():
    assert refusal_lines(["short", "short", "short"]) == ["short", "", ""]
    assert refusal_lines(["short", "other"]) == ["rank 0: short", "rank 1: other"]
    # a rank without one is silent; the ranks that refused name it, with their rank
    assert refusal_lines([None, "short"]) == ["", "rank 1: short"]
    assert refusal_lines(["short", None]) == ["rank 0: short", ""]
    assert refusal_lines([None, None]) == ["", ""]


def test_one_process_raises_its_own_error_unchanged():
    error = EpisodeError("no usable source among 2 sources")
    with pytest.raises(EpisodeError) as caught:
        refuse_together(error, Topology())
    assert caught.value is error
    refuse_together(None, Topology())  # nothing to refuse: returns


# each round: the ranks' refusals (None: none), and what each rank then raised
ROUNDS = [
    (["too short", "too short"], ["line:too short", "line:"]),
    (["too short", "no such file"], ["line:rank 0: too short", "line:rank 1: no such file"]),
    ([None, "too short"], ["line:", "line:rank 1: too short"]),
    ([None, None], ["passed", "passed"]),
]


def _refuse(topology, out):
    """Run every round on this rank; write what it raised in each, one line per round."""
    said = []
    for refusals, _ in ROUNDS:
        text = refusals[topology.rank]
        try:
            refuse_together(None if text is None else EpisodeError(text), topology)
            said.append("passed")
        except RankRefusal as exc:
            said.append(f"line:{exc.line}")
    (Path(out) / f"rank{topology.rank}").write_text("\n".join(said))


def test_two_ranks_gather_their_refusals(tmp_path):
    spawn_local(_refuse, 2, (str(tmp_path),))
    said = [(tmp_path / f"rank{rank}").read_text().split("\n") for rank in range(2)]
    assert [list(round_said) for round_said in zip(*said, strict=True)] == \
        [expected for _, expected in ROUNDS]


def test_torchrun_says_a_short_data_refusal_once(tmp_path):
    """2 ranks, 3 episodes of 3 frames, clips of 4: one line, no rank prefix, exit 1."""
    write_tiny_encoder(tmp_path / "encoder.pt")
    write_blob_episodes(tmp_path / "episodes", 3, frames=3, seed=0)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
         "--master_addr", "127.0.0.1", "--master_port", str(free_port()), "-m", "vjepa_ros.cli",
         "train", "--out", str(tmp_path / "run"), "--quiet", "--encoder",
         str(tmp_path / "encoder.pt"), "--data", str(tmp_path / "episodes"),
         "--frames-per-clip", "4", "--predictor-dim", "32", "--depth", "1", "--heads", "2",
         "--batch-size", "2", "--steps", "2"],
        capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    lines = [line for line in done.stderr.splitlines() if line.startswith("vjepa-ros train:")]
    assert done.returncode != 0
    assert len(lines) == 1, done.stderr[-3000:]
    assert lines[0].startswith("vjepa-ros train: no usable source among 3 sources, all "
                               "shorter than one clip"), lines
