"""breaker55a: ``vjepa-ros pretrain``'s data and memory (stage 1, round 5 after breaker53b).

Attacked at main 29438d5b: vjepa_ros/train/pretrain*.py, collapse.py, schedule.py, distributed.py
(``check_one_process``), the pretrain options, its data from ``.npz`` episodes, bags and image
folders. Earlier rounds (breaker40d, 43a, 43g, 44h, 50c, 50g, 51b, 52f, 53b) pinned the update
against the official recipe, masks draw for draw, schedules, monitors, Ctrl-C and torchrun; not
repeated here.

Defects (strict xfails; each asserts what should happen), most harmful first:

1. The frames are held twice for the whole run: ``cmd_pretrain`` keeps ``segments`` (every frame,
   at its recorded size) alive while ``ClipSampler`` holds its own ``np.concatenate`` of them, and
   ``spread_frames`` concatenates them a third time before training. Measured with tracemalloc
   (numpy's buffers): 3 episodes of 40 frames 256x256 (23.6 MB of frames) held 53.0 MB when the
   first step began (2.25x) and peaked at 76.6 MB (3.25x) before it. A lab's 20 GB of frames
   needs 45 GB held and 65 GB at the peak, on a machine where 20 GB fit: the kernel's OOM killer,
   no line (``check_batch_memory`` counts one batch, never the frames).
2. Sources of two frame sizes (two cameras, 640x480 and 1280x720) are refused ("the sources'
   frames differ in size ...; pretrain on sources of one size (record them at one size, or give
   only the sources of one size)"), while ``vjepa-ros train`` trains on the same data (a note
   for the smaller frames): every frame is cropped and resized to ``img_size`` before the
   encoder sees it, so the one-tensor frame bank (``ClipSampler``: ``np.concatenate``) is the
   only reason. Stage 1 cannot run on the data stage 2 takes. Where:
   ``pretrain_data.load_clip_segments`` (``origins``), ``ClipSampler.__init__``.
3. An ``.npz`` episode and its ``bag-from-npz`` copy (or an mcap and its ``ros2 bag convert``
   sqlite3 copy) given together, as the README's ``--data episodes/ [bags/]`` invites, are both
   read: every clip twice as likely, "pretraining on 40 frames" for 20, no word; ``vjepa-ros
   train`` on the same folders reads each once ("skipped ...npz: the same steps as bags/...
   (one recording in two storage formats), read once"). Pretrain dedupes only byte-identical
   paths (``same_recording.read_once``), not ``same_content.agreed_same_steps``. Where:
   ``pretrain_data.load_clip_segments``.
4. An ``.npz`` episode's robot states decide whether pretraining, which uses no robot state (the
   README: "pretraining uses no robot state"), reads its frames: an episode of frames and
   timestamps alone is refused ("missing arrays ['states']"), and so are states in another
   convention than train's (positions in mm, a gripper 0..255, NaN where no state was logged),
   each refusing the whole file as train would. Bags are read by their camera alone; the same
   video as an ``.npz`` cannot be pretrained on without inventing states in train's conventions.
   Where: ``pretrain_data.load_clip_segments`` -> ``train.segments.npz_segments`` ->
   ``read_training_episode`` / ``Episode.load`` (``states_problem``).
5. An ``.npz`` of RGBA (pybullet's ``getCameraImage``), grey ``[T, H, W, 1]`` or 16-bit RGB
   frames is refused ("episode frames must be uint8 [T, H, W, 3], got uint8 [8, 32, 32, 4]")
   with no fix (float frames get one), while a bag of the same pictures (``rgba8``, ``mono8``,
   ``rgb16``) is read: alpha dropped, grey repeated, 16 bit / 257
   (``image_encodings.image_msg_to_rgb``). Where: ``episode_file.check_episode_frames``.
6. Ctrl-C (or SIGTERM) right after an update that made a weight non-finite while its loss was
   finite (the case ``pretrain_encoder``'s monitor names: "the loss was finite before the
   update") saves ``enc.stepN.pt`` with the inf (the EMA carries it into the target encoder) and
   says "the encoder as trained so far saved to ...": every later load refuses it ("encoder
   weights hold NaN or inf"). ``--save-every`` is guarded by the monitors, the stop's save is
   not. Where: ``pretrain_command.save_stopped`` (``PretrainInterrupted.result.encoder``).

Held up (not repeated by the next round): the lr / weight-decay / momentum of every update
(``warmup_cosine_lr``, ``cosine_weight_decay``, ``ema_momentum``, ``schedule_lengths``) equal a
replica of the official schedulers to 1e-15 at steps 1, 2, 5, 7, 16, 100 x ipe_scale 1.0, 1.25,
1.5 x warmup_fraction 0, 0.133, 0.5; pretrain has no ``--resume`` (a rerun starts at step 0,
said in the stop line), so the resume families do not apply;
the loss, the target layer norm, the AdamW groups (the predictor's [1, 1, D] mask tokens decayed,
as the official ``'bias' not in n and len(p.shape) != 1``); the block size ``int(s x H x W)``
equals the official ``int(H x W x s)`` for the shipped 0.15 and 0.7 at every grid side 2..64
(other fixed scales differ by one token at a few sides: 0.47 at side 10 gives 46, official 47);
the mask start-up check's covering formula; two runs of one seed (also with per-sample masks,
crops and flips) give bit-equal losses; the monitors of a constant set (all 0, and the floors
then never warn), a rank-1 set along one direction of D (rank 1; along one [T, D] direction it
reads ~T, as documented), two frames; NaN features stop the run as non-finite weights before
the monitors (``collapse_monitors`` itself raises torch's ``_LinAlgError`` on them, its
docstring names ValueError only: a lead for benchmarks calling it); a bag whose camera
alternates rgb8 and bgr8 reads the same pixels; a bag whose camera changes size mid-way is
refused in one line; the same folder given twice, or a folder and a file in it, count once; a
pretrained 64 px / patch 8 / depth 2 encoder loads in ``vjepa-ros train --encoder``.

Noticed, not tests: a folder of PNG frames (or an .mp4) is not a pretrain source ("no episodes
(.npz files) or rosbag2 bags in it", no way forward; with defect 4 an .npz of them needs
invented states); ``vjepa-ros pretrain`` has no ``--device`` (refused by name; the loop takes a
device, only benchmarks/device_check.py uses it), so on a GPU machine it trains on the CPU; the
frames are kept at their recorded size (a 1280x720 frame 56x a 128 px one) although, with the
crop off (the default), the encoder only ever sees them at ``img_size``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from test_pretrain_encoder import TINY, square_videos

from vjepa_ros.cli import main
from vjepa_ros.recordings.episode import Episode
from vjepa_ros.train import pretrain as pretrain_module
from vjepa_ros.train.pretrain_data import load_clip_segments

pytestmark = pytest.mark.usefixtures("one_thread")


def _states(frames: int) -> np.ndarray:
    """States [T, 7] in train's conventions: metres in the base frame, closedness 0..1."""
    states = np.zeros((frames, 7))
    states[:, 0] = np.linspace(0.3, 0.5, frames)
    return states


# ------------------------------------------------------------- 1. the frames held twice


def test_pretraining_holds_the_frames_once_while_it_trains(tmp_path, capsys):
    """The numpy memory held when the first step begins is the frames once (+ small arrays).

    3 episodes of 24 random 128x128 frames (3.5 MB); tracemalloc's numpy domain counts numpy's
    data buffers (``ClipSampler.frames`` shares its numpy buffer). Should: below 1.5x the
    frames' bytes; now ~2x (the command's ``segments`` list stays alive beside the sampler's
    copy).
    """
    data = tmp_path / "episodes"
    rng = np.random.default_rng(0)
    frame_bytes = 0
    for index in range(3):
        video = rng.integers(0, 256, (24, 128, 128, 3), dtype=np.uint8)
        frame_bytes += video.nbytes
        Episode.from_states(video, _states(24), np.arange(24) / 4.0).save(data / f"e{index}.npz")
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "steps": 1, "monitor_every": 1,
                                        "batch_size": 2}))
    from conftest import load_benchmark  # fix55a: the benchmark's measure, one copy

    measure = load_benchmark("bench_pretrain_memory", "breaker55a").held_at_first_step
    code, measured = measure(["pretrain", "--data", str(data), "--out",
                              str(tmp_path / "enc.pt"), "--config", str(settings), "--threads",
                              "1", "--quiet"])
    held = {"bytes": measured["numpy"]}
    assert held["bytes"] < 1.5 * frame_bytes, (
        f"{held['bytes'] / 1e6:.1f} MB held for {frame_bytes / 1e6:.1f} MB of frames "
        f"({held['bytes'] / frame_bytes:.2f}x)")


# ------------------------------------------------------------ 2. two cameras' frame sizes


def test_sources_of_two_frame_sizes_pretrain_as_train_takes_them(tmp_path, capsys):
    """Two cameras' sizes pretrain together, as ``train`` trains on them.

    2 episodes of 32x32 and 2 of 48x48 frames (10 each): ``train`` trains on all 40 frames (one
    line notes the small ones); ``pretrain`` should too: every frame is cropped and resized to
    ``img_size`` before the encoder sees it (``preprocess_frames``), so a lab's two cameras
    (640x480 and 1280x720) can pretrain the encoder stage 2 trains on. Now: exit 1, "pretrain
    on sources of one size (record them at one size, ...)".
    """
    import torch

    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "small", 2, frames=10, seed=3, size=32)
    write_blob_episodes(tmp_path / "large", 2, frames=10, seed=4, size=48)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "steps": 1, "monitor_every": 1,
                                        "batch_size": 4}))
    out = tmp_path / "enc.pt"
    code = main(["pretrain", "--data", str(tmp_path / "small"), str(tmp_path / "large"),
                 "--out", str(out), "--config", str(settings), "--threads", "1", "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert torch.load(out, weights_only=False)["pretrain"]["num_frames"] == 40


# ------------------------------------------- 3. an episode and its bag copy, read twice


def test_an_episode_and_its_bag_copy_are_pretrained_on_once_as_train_reads_them(tmp_path,
                                                                               capsys):
    """``--data episodes/ bags/`` (the README's pretrain line) where bags/ are their copies.

    ``train`` on the same two folders: "skipped episodes/blob_0003.npz: the same steps as
    bags/blob_0003 (... one recording in two storage formats), read once" and 2 episodes, 20
    frames. Pretrain's reader (``load_clip_segments``) returns 4 segments of 40 frames: every
    clip drawn twice as often, the "pretraining on 40 frames" line counting the copies, no note.
    Should: each recording once (20 frames) and a note naming the copy left out.
    """
    from vjepa_ros.train.synthetic import write_blob_episodes

    episodes = write_blob_episodes(tmp_path / "episodes", 2, frames=10, seed=3)
    for episode in episodes:
        assert main(["bag-from-npz", "--episode", str(episode),
                     str(tmp_path / "bags" / Path(episode).stem)]) == 0
    capsys.readouterr()
    notes = []
    segments = load_clip_segments([tmp_path / "episodes", tmp_path / "bags"], 4, log=notes.append)
    assert sum(len(segment) for segment in segments) == 20, notes
    for episode in episodes:  # each pair named: which copy was left out
        assert any(Path(episode).stem in note and "skipped" in note for note in notes), notes
    # m56t: pretraining compares no states: its words name the frames alone
    copies = [note for note in notes if "skipped" in note]
    assert all("(equal frames: one recording in two storage formats)" in note
               or "(frames alike: within " in note for note in copies), copies
    assert not any("states" in note for note in copies), copies


# ------------------------------------------------- 4. states decide whether frames are read


def _npz(path: Path, video: np.ndarray, states) -> Path:
    arrays = {"observations": video[None], "timestamps": (np.arange(len(video)) / 4.0)[None]}
    if states is not None:
        arrays["states"] = states[None]
    np.savez(path, **arrays)
    return path


STATES = {
    "none": lambda states: None,  # a video: frames and timestamps alone
    "millimetres": lambda states: states * np.array([1000, 1000, 1000, 1, 1, 1, 1]),
    "gripper_0_255": lambda states: np.c_[states[:, :6], np.full(len(states), 255.0)],
    "not_logged": lambda states: np.full_like(states, np.nan),
}


@pytest.mark.parametrize("kind", list(STATES))
def test_an_npz_episodes_states_do_not_decide_whether_pretraining_reads_its_frames(tmp_path,
                                                                                   kind):
    """Pretraining uses no robot state: the episode's 8 frames at 4 Hz are one 8-frame segment.

    As a bag read by its camera alone. Now: ``missing arrays ['states']``, ``300 m from the
    base``, ``closedness ... got 255``, ``states contain NaN``.
    """
    video = square_videos(1, frames=8)[0]
    path = _npz(tmp_path / f"{kind}.npz", video, STATES[kind](_states(8)))
    segments = load_clip_segments([path], 4, log=None)
    assert len(segments) == 1
    np.testing.assert_array_equal(segments[0], video)


def test_the_same_episode_in_trains_conventions_is_read_whole(tmp_path):
    """The control of the test above: with train's states the 8 frames are one segment."""
    video = square_videos(1, frames=8)[0]
    segments = load_clip_segments([_npz(tmp_path / "ok.npz", video, _states(8))], 4, log=None)
    assert len(segments) == 1
    np.testing.assert_array_equal(segments[0], video)


# ------------------------------------------- 5. an .npz of the encodings a bag would read


def _rgba(video):
    return np.concatenate([video, np.full(video.shape[:-1] + (1,), 255, np.uint8)], -1), video


def _grey(video):
    # the red channel (the square 230 on 60): the green one's square (80 on 60) is too faint
    # for the stale-frame rule, which pretraining applies when the states are train's (fix55a)
    grey = video[..., :1]
    return grey, np.repeat(grey, 3, axis=-1)


def _rgb16(video):
    return video.astype(np.uint16) * 257, video  # 16 bit / 257, as image_msg_to_rgb reads rgb16


LAYOUTS = {"rgba8": _rgba, "mono8": _grey, "rgb16": _rgb16}


@pytest.mark.parametrize("encoding", list(LAYOUTS))
def test_an_npz_of_the_pictures_a_bag_reads_is_read_as_the_bag_reads_them(tmp_path, encoding):
    """RGBA: alpha dropped; grey: repeated into RGB; 16 bit: / 257 (``image_msg_to_rgb``)."""
    from vjepa_ros.image_encodings import image_msg_to_rgb
    from vjepa_ros.recordings import messages

    stored, expected = LAYOUTS[encoding](square_videos(1, frames=8)[0])
    # the bag path's decoding of the same first picture, as the reference
    channels = stored.shape[-1]
    message = messages.typestore().types[messages.IMAGE](
        header=messages.make_header(0, "camera"), height=stored.shape[1], width=stored.shape[2],
        encoding=encoding, is_bigendian=0, step=stored.shape[2] * channels * stored.itemsize,
        data=np.frombuffer(np.ascontiguousarray(stored[0]).astype(
            stored.dtype.newbyteorder("<")).tobytes(), np.uint8))
    np.testing.assert_array_equal(image_msg_to_rgb(message), expected[0])
    path = _npz(tmp_path / f"{encoding}.npz", stored, _states(8))
    segments = load_clip_segments([path], 4, log=None)
    assert len(segments) == 1
    np.testing.assert_array_equal(segments[0], expected)



# ------------------------------------- 6. a stop right after a diverged update saves it anyway


def test_a_stop_after_an_update_that_overflowed_does_not_save_a_non_finite_encoder(
        tmp_path, monkeypatch, capsys):
    """A step whose loss was finite but whose update overflowed one weight, then Ctrl-C.

    The monitors refuse such an encoder ("pretraining weights became non-finite ... the loss was
    finite before the update") and so ``--save-every`` never writes one; the stop's own save
    (``pretrain_command.save_stopped``) does not look: ``enc.step1.pt`` is written with an inf
    in ``blocks.0.mlp.fc1.weight`` (the EMA carries it into the target encoder), the line says
    "the encoder as trained so far saved to", and every later load refuses the file ("encoder
    weights hold NaN or inf"). Should: no file of non-finite weights, and a line that says why.
    """
    import os
    import signal

    import torch

    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "episodes", 3, frames=10, seed=3)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "steps": 50, "monitor_every": 10,
                                        "batch_size": 2}))
    make_optimizer = pretrain_module.make_optimizer

    def overflowing(module, weight_decay):
        optimizer = make_optimizer(module, weight_decay)
        step = optimizer.step

        def overflowed_step(*args, **kwargs):
            done = step(*args, **kwargs)
            with torch.no_grad():  # one weight overflowed by this update (a too-high lr)
                module["encoder"].blocks[0].mlp.fc1.weight[0, 0] = float("inf")
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the step is under way
            return done

        optimizer.step = overflowed_step
        return optimizer

    monkeypatch.setattr(pretrain_module, "make_optimizer", overflowing)
    out = tmp_path / "enc.pt"
    code = main(["pretrain", "--data", str(tmp_path / "episodes"), "--out", str(out),
                 "--config", str(settings), "--threads", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 130, err
    saved = [torch.load(path, weights_only=True)["encoder"] for path in
             tmp_path.glob("enc.step*.pt")]
    assert all(bool(torch.isfinite(value).all()) for weights in saved
               for value in weights.values()), err
    assert "saved to" not in err, err
