"""breaker57b: ``vjepa-ros pretrain`` (stage 1), round 6 after breaker55a.

Attacked at base57 (4700e5e7): vjepa_ros/train/pretrain*.py, collapse.py, the pretrain options
and settings, its data from ``.npz`` episodes and bags. Earlier rounds (breaker40d, 43a, 43g,
44h, 50c, 50g, 51b, 52f, 53b, 55a) pinned the update against the official recipe, the
schedules to 1e-15, masks draw for draw, Ctrl-C, torchrun, the frames' memory and formats; not
repeated here.

Defects (strict xfails until fix57b; each asserts what should happen), most harmful first:

1. ``ema_start: 1.0`` (``ema_end`` then 1.0 too: the check ``ema_start <= ema_end``) is
   accepted: the target-encoder momentum is 1 at every update, the target encoder never moves,
   and the file saved after the whole run (1500 steps, ~45 min by the README) is bit-equal to
   the seeded initialization ``--steps 0`` writes, exit 0, "saved ...: 1500 steps ...; final
   loss ...", no note (the monitors print the same three numbers at every step, the only
   hint). The loss falls all the same: the predictor learns the frozen random targets. The
   settings refuse ``lr`` 0 for the same reason (a run that trains nothing); ``ema_start``'s
   range is [0, 1] closed. Where: ``pretrain_config.PretrainConfig.ema_start`` (``range=(0,
   1)``), ``pretrain.pretrain_encoder`` (``ema_update`` with momentum 1: ``lerp_`` by 0).
2. ``effective_rank`` of a completely collapsed feature set reads as high as a healthy one:
   frames whose layer-normed features differ only at float32 rounding (1e-7 of their size, what
   "the same features for every frame" looks like out of a float32 encoder) read 47.5 of 48,
   random healthy features 46.7. The monitor centres over frames and RankMe's entropy is
   scale-free, so any spread, however small, is read at full rank; the module doc and the
   README say "a fully collapsed set reads 0 here", which only an exactly equal set does. A
   run whose encoder collapsed completely shows ``effective_rank`` at (or above) its start:
   no warning from that monitor. Where: ``collapse.collapse_monitors`` /
   ``collapse.effective_rank``.
3. The warm-up length ``int(warmup_fraction x steps)`` truncates the float product: 0.58 of 50
   steps warms up 28 updates (0.58 * 50 = 28.999999999999996), 0.29 of 100 gives 28, 0.57 of
   100 gives 56; 28 (fraction, steps) pairs of the 3-decimal fractions x steps 10, 50, 100,
   300, 1000, 1500 are one update short (the lr peak one update early, the gradient clipping
   from one update early; the official warm-up is whole epochs x iterations, exact). Where:
   ``pretrain.pretrain_encoder`` (``warmup = int(config.warmup_fraction * config.steps)``).
4. Frames of a 12-bit camera in 16-bit words (values 0..4095, ``<u2`` or ``>u2`` ``.npz``), or
   8-bit frames that dark, are read through v / 257 as near-black frames (no value above 16 of
   255) and pretrained on for the whole run without a word, while the planner node notes the
   same frames (``channel_notes.twelve_bit_note``, fix56a2: "shift the values left by 4 in the
   driver"). ``vjepa-ros train`` reads them as silently (no near-black rule under
   vjepa_ros/train; not tested here). Where: ``pretrain_data.load_clip_segments`` (no
   ``twelve_bit_note`` on the frames read), ``episode_file.check_episode_frames``.
5. A finite ``ipe_scale`` whose product with ``steps`` overflows (1e306 x 1000) passes the
   ``[1, inf)`` range and ends the command in a traceback (``OverflowError: cannot convert float
   infinity to integer`` from ``int(ipe_scale * steps)`` in ``pretrain_schedule.
   schedule_lengths``, after the data is read; ``cmd_pretrain`` catches no OverflowError).
   Absurd input, one-line fix. Where: ``pretrain_config`` (``ipe_scale``'s range),
   ``pretrain_schedule.schedule_lengths``.

Held up (not repeated by the next round): the official multi-block generator read again
(``_sample_block_size``: three separate uniform draws for the temporal scale, the spatial
scale and the aspect ratio; ``int(H*W*s)`` tokens; ``round(sqrt(n*ar))`` x
``round(sqrt(n/ar))``); at token grids 2..13 x T 1..3 the default masks pass the start-up
check and 300 draws each (shared and per-sample, B 3) keep context and target disjoint, cover
every token (shared), repeat the same rectangles at every time step, and leave >= T context
tokens; ``.npz`` episodes without states, without timestamps, unbatched, at 1..30 Hz (slower
cameras: refused with ``--rate N``; faster: resampled with a note), nanosecond stamps (refused
with the fix); the frames kept at ``img_size`` when the crop is off equal the frames as
recorded through ``preprocess_frames`` to half a grey level for 480x640, 720x1280, 640x480,
100x640, 129x129, 200x130, 1080x1920, 64x2000; two runs of one seed bit-equal with two frame
sizes (24 and 48 px) with crops + flips + per-sample masks, flips alone, and plain; the
encoder-only file refused by the planner's loader (``need_predictor``) in one line;
``--device cuda / cuda:1`` on a CPU torch, ``meta``, ``gpu``, ``--rate 0 / nan`` refused in
one line; the monitors of a rank-1 set along one [T, D] direction read ~T (documented); NaN
for every float setting, inf weight decay / clip_grad / aspect ratio refused naming the key;
aspect ratios 1e-300 and 1e300 (strips, per-sample too) and a crop ratio range [1e-300, 1e300]
train 2 steps without error; a bag whose camera changes size twice is split into three
segments with one note (as train); the official schedules, masks and update (breaker53b, 55a)
not recomputed.

Not tests: pretrain has no ``--resume`` (documented), so "a Ctrl-C'd run resumed = one unbroken
run" and "resume with other settings" cannot be checked; a folder of still images (or
one-frame episodes) is no pretrain source although V-JEPA 2 pretrains on images repeated into
clips (``still_fraction: 1.0`` needs clip-long segments all the same).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import yaml
from test_pretrain_encoder import TINY, square_videos, tiny_config

from vjepa_ros.cli import main
from vjepa_ros.train import pretrain as pretrain_module
from vjepa_ros.train.collapse import collapse_monitors, collapse_warnings

pytestmark = pytest.mark.usefixtures("one_thread")


# ----------------------------------------------------- 1. ema_start 1: a run that trains nothing


def test_a_momentum_of_one_from_the_start_is_refused_before_training(tmp_path, capsys):
    """``ema_start: 1.0`` in ``--config``: refused in one line naming ``ema_start``, no file.

    Now: exit 0 after every step, the encoder file bit-equal to the ``--steps 0`` one (checked
    here too, so the test shows what a user gets), the summary giving steps and a final loss.
    """
    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "eps", 2, frames=10, seed=3, size=32)
    frozen, init = tmp_path / "frozen.yaml", tmp_path / "init.yaml"
    frozen.write_text(yaml.safe_dump({**TINY, "steps": 3, "monitor_every": 3,
                                      "ema_start": 1.0}))
    init.write_text(yaml.safe_dump({**TINY, "steps": 0}))
    assert main(["pretrain", "--data", str(tmp_path / "eps"), "--out", str(tmp_path / "init.pt"),
                 "--config", str(init), "--threads", "1", "--quiet"]) == 0
    capsys.readouterr()
    out = tmp_path / "frozen.pt"
    code = main(["pretrain", "--data", str(tmp_path / "eps"), "--out", str(out), "--config",
                 str(frozen), "--threads", "1", "--quiet"])
    err = capsys.readouterr().err
    if code == 0:  # what happens now: the seeded initialization, saved as trained
        start = torch.load(tmp_path / "init.pt", weights_only=False)["encoder"]
        saved = torch.load(out, weights_only=False)["encoder"]
        same = all(torch.equal(start[name], saved[name]) for name in start)
        pytest.fail(f"exit 0; the saved encoder equals the seeded initialization: {same}")
    assert code in (1, 2) and "ema_start" in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


# --------------------------------------------- 2. effective_rank of a fully collapsed set


def _layer_normed(features: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.layer_norm(features, features.shape[-1:])


@pytest.mark.parametrize("spread", [1e-7, 1e-6])
def test_effective_rank_of_a_fully_collapsed_set_reads_about_zero(spread):
    """64 frames x 16 tokens x 48 dims: one feature set for every frame, + float32 rounding.

    The docs: "a fully collapsed set reads 0 here". Should: below 1, and a warning from the
    effective_rank floor against a healthy start; a healthy (random) set still reads high
    (> 30), so zeroing the monitor does not pass. Now: 47.5 (1e-7) and 46.8 (1e-6), the healthy
    set 46.7: no warning.
    """
    generator = torch.Generator().manual_seed(0)
    one = torch.randn(1, 16, 48, generator=generator)
    collapsed = _layer_normed(one.expand(64, -1, -1)
                              + spread * torch.randn(64, 16, 48, generator=generator))
    healthy = _layer_normed(torch.randn(64, 16, 48, generator=generator))
    start, now = collapse_monitors(healthy), collapse_monitors(collapsed)
    assert start["effective_rank"] > 30
    assert now["feature_std"] < 1e-5  # the other monitors see it: the set is collapsed
    assert now["effective_rank"] < 1.0, now
    floors = {"feature_std": 0.5, "effective_rank": 0.5, "pairwise_distance": 0.5}
    assert any(line.startswith("effective_rank") for line in
               collapse_warnings(start, now, floors))


def test_effective_rank_of_an_exactly_equal_set_is_zero():
    """Pin (holds now): the exactly equal set reads 0, and so warns below a positive start."""
    generator = torch.Generator().manual_seed(1)
    equal = _layer_normed(torch.randn(1, 16, 48, generator=generator).expand(64, -1, -1))
    assert collapse_monitors(equal)["effective_rank"] == 0.0


# ------------------------------------------------------------ 3. the warm-up's float truncation


class _FirstLr(Exception):
    """Raised by the stand-in lr schedule at the first update: carries its arguments."""


@pytest.mark.parametrize(("fraction", "steps"), [(0.58, 50), (0.29, 100), (0.57, 100)])
def test_the_warm_up_is_the_fraction_of_the_steps_it_names(monkeypatch, fraction, steps):
    """``warmup_fraction`` x ``steps`` updates of warm-up, the product as a decimal says.

    0.58 x 50 = 29, 0.29 x 100 = 29, 0.57 x 100 = 57 updates. Now: 28, 28, 56 (the float
    products 28.999999999999996, 28.999999999999996, 56.99999999999999 truncated). Read from
    the ``warmup`` the loop hands the lr schedule at its first update (no update is run).
    """
    def first_lr(step, total, warmup, *rest):
        raise _FirstLr(warmup)

    monkeypatch.setattr(pretrain_module, "warmup_cosine_lr", first_lr)
    from vjepa_ros.train.pretrain_data import clip_sampler

    config = tiny_config(steps=steps, warmup_fraction=fraction, monitor_every=steps)
    videos = square_videos(2, frames=4)
    with pytest.raises(_FirstLr) as caught:
        pretrain_module.pretrain_encoder(clip_sampler(videos, config), np.concatenate(videos),
                                         config, log=None)
    assert caught.value.args[0] == round(fraction * steps), caught.value.args


# ------------------------------------- 4. near-black (12-bit in 16-bit words) frames, no word


def _twelve_bit_npz(path, dtype, top: int):
    rng = np.random.default_rng(0)
    video = rng.integers(0, top + 1, (8, 32, 32, 3)).astype(dtype)
    np.savez(path, observations=video[None], timestamps=(np.arange(8) / 4.0)[None])
    return path


@pytest.mark.parametrize(("dtype", "top"), [("<u2", 4095), (">u2", 4095), (np.uint8, 16)])
def test_near_black_frames_are_noted_as_the_live_node_notes_them(tmp_path, dtype, top):
    """Near-black frames of an ``.npz`` get the live node's note when pretraining reads them.

    Frames of 12-bit values (0..4095) in uint16 (either byte order), or 8-bit frames already
    that dark: read through v / 257 they are 0..16 of 255.

    The planner node notes such frames (``channel_notes.twelve_bit_note``, fix56a2: "near-black
    (no value above 16 of 255): a 12-bit camera sending its values 0..4095 in 16-bit words ...
    shift the values left by 4"); pretraining reads them silently and learns from black frames
    for the whole run. Should: a note naming the file and "near-black". Bright 16-bit frames
    (0..65535) get no such note (checked too).
    """
    from vjepa_ros.train.pretrain_data import load_clip_segments

    notes: list[str] = []
    segments = load_clip_segments([_twelve_bit_npz(tmp_path / "dark.npz", dtype, top)], 4,
                                  log=notes.append)
    assert int(segments[0].max()) <= 16  # what the encoder would learn from
    bright: list[str] = []
    load_clip_segments([_twelve_bit_npz(tmp_path / "bright.npz", "<u2", 65535)], 4,
                       log=bright.append)
    assert not any("near-black" in note for note in bright), bright
    assert any("near-black" in note and "dark.npz" in note for note in notes), notes


# ------------------------------------------------------ 5. an ipe_scale whose schedule overflows


@pytest.mark.parametrize("scale", [1e306, 1e308])
def test_an_ipe_scale_whose_schedule_overflows_is_refused_in_one_line(tmp_path, capsys, scale):
    """``ipe_scale: 1e306`` (``[1, inf)`` accepts it) with 1000 steps: ipe_scale x steps is inf.

    ``ipe_scale: .inf`` is refused ("ipe_scale must lie in [1, inf), got inf"); a finite one
    whose product with ``steps`` overflows reaches ``pretrain_schedule.schedule_lengths``
    (``int(ipe_scale * steps)``) and raises ``OverflowError: cannot convert float infinity to
    integer``, which ``cmd_pretrain`` does not catch. Should: exit 1 or 2 in one line naming
    ipe_scale (best before the data is read).
    """
    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "eps", 1, frames=6, seed=3, size=32)
    settings = tmp_path / "huge.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "steps": 1000, "ipe_scale": scale}))
    code = main(["pretrain", "--data", str(tmp_path / "eps"), "--out", str(tmp_path / "e.pt"),
                 "--config", str(settings), "--threads", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code in (1, 2) and "ipe_scale" in err and len(err.strip().splitlines()) == 1, err
