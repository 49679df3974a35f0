"""breaker50c: `vjepa-ros pretrain` against the published stage-1 recipe, differential (round 3).

Attacked at main cf18ea29: vjepa_ros/train/pretrain.py (the update), pretrain_schedule.py,
pretrain_masks.py, collapse.py, pretrain_data.py (still clips). Each piece re-implemented here
from the published facts (``facebookresearch/jepa`` ``src/utils/schedulers.py``
``WarmupCosineSchedule`` / ``CosineWDSchedule``, whose ``step()`` is called once *before* every
update, so update s (0-based) gets ``_step = s + 1``; ``app/vjepa/train.py``'s momentum
generator ``ema0 + i (ema1 - ema0) / T`` from i = 0; ``src/masks/multiblock3d.py``: block size
drawn once per batch, ``h = min(round(sqrt(n ar)), height)``, positions per sample, redraw on an
empty context, cut to the batch's shortest) and compared on tiny models. Earlier rounds
(breaker43a, 43g, 45h, 40d) covered mask tokens, clipping, RankMe's formula, threads and options;
not repeated here.

Defects (strict xfails):

- the learning rate after the warm-up lags the official schedule by one update: it stays at the
  peak for two updates (``warmup - 1`` and ``warmup``) and every later update gets the previous
  update's official value (the warm-up half uses ``step + 1``, the cosine half ``step``);
- the weight decay likewise: update 0 gets exactly ``weight_decay`` (official: the value at
  ``1 / T``), one update behind everywhere;
- a mask whose spatial_scale range reaches a whole-grid block (``mask_long: {spatial_scale:
  [0.7, 1.0]}``, or ``[1.0, 1.0]``, at 128 px) is accepted at start-up, then ends the run at
  the first step that draws such a size (100 position redraws of a grid-covering block), the
  steps done unsaved.

Held up (pins below): six full updates (loss, every parameter after AdamW, the EMA) equal to
an own implementation (L1 on layer-normed no-grad targets, AdamW with the official groups,
``m t + (1 - m) o`` with the official momentum), shared and per-sample masks, and with each
network's gradient clipped on its own; the warm-up lr and the EMA momentum at every one of 1500
updates; the block sizes draw for draw against the official ``_sample_block_size`` (both masks,
8x8 and 16x16 grids), the masked fraction over 1500 masks, tubes, disjoint sorted context /
target, the per-sample cut; the predictor placing tokens by index (shuffle-invariant, position
dependent; zero mask tokens at the start give every target the same prediction, as the
official zero init does); still clips being exactly the tubelets the monitors and the planner
encode; a jittered 4 Hz bag of 9 frames and its .npz giving identical segments; the collapse
monitors on constructed sets (complete collapse, rank 1, shrunk, shuffled) warning exactly
below ``floor x start``, the floors 0.5 in the defaults and the shipped YAML as the README says,
the printed ``WARNING step N: ...`` line, pairwise_distance = the planner's l1 energy.

Not tested: resume (pretrain has no --resume, documented); the augmentation's crop fallback
(the whole frame here, torchvision's clamped central crop; documented, off by default); clips
drawn uniformly over clip starts (a long episode weighs more; the official picks a video, then
a clip); the lr / wd lag over a whole run (the update pins use constant schedules).
"""

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import yaml
from test_pretrain_encoder import square_videos, tiny_config

from vjepa_ros.models.preprocess import frames_to_clip, preprocess_frames
from vjepa_ros.train import pretrain as pretrain_module
from vjepa_ros.train.collapse import collapse_monitors, collapse_warnings
from vjepa_ros.train.pretrain import (
    PretrainConfig,
    load_pretrain_config,
    pretrain_encoder,
    seeded_encoder,
)
from vjepa_ros.train.pretrain_data import ClipSampler
from vjepa_ros.train.pretrain_masks import (
    sample_batch_masks,
    sample_block_mask,
    sample_block_size,
)
from vjepa_ros.train.pretrain_predictor import MaskPredictor
from vjepa_ros.train.pretrain_schedule import cosine_weight_decay, ema_momentum, warmup_cosine_lr

pytestmark = pytest.mark.usefixtures("one_thread")


# ----------------------------------------------------------------- the official schedules


def official_lr(update: int, warmup: int, total: int, start: float, peak: float,
                final: float) -> float:
    """Return the lr of 0-based update ``update`` (WarmupCosineSchedule stepped before it)."""
    count = update + 1
    if count < warmup:
        return start + count / max(1, warmup) * (peak - start)
    progress = (count - warmup) / max(1, total - warmup)
    return max(final, final + (peak - final) * 0.5 * (1 + math.cos(math.pi * progress)))


def official_wd(update: int, total: int, start: float, final: float) -> float:
    """Return the weight decay of 0-based update ``update`` (CosineWDSchedule, stepped)."""
    value = final + (start - final) * 0.5 * (1 + math.cos(math.pi * (update + 1) / total))
    return max(final, value) if final <= start else min(final, value)


def official_momentum(update: int, total: int, start: float, end: float) -> float:
    """Return the EMA momentum of 0-based update ``update`` (the generator's i-th value)."""
    return start + update * (end - start) / total


STEPS, TOTAL, WARMUP = 1500, 1875, 199  # the defaults: ipe_scale 1.25, warmup_fraction 0.133


def test_warm_up_and_momentum_match_the_official_updates():
    """Every warm-up update's lr and every update's momentum are the official values."""
    for step in range(STEPS):
        if step < WARMUP:
            assert warmup_cosine_lr(step, TOTAL, WARMUP, 2e-4, 6.25e-4, 1e-6) == pytest.approx(
                official_lr(step, WARMUP, TOTAL, 2e-4, 6.25e-4, 1e-6), rel=1e-12)
        assert ema_momentum(step, TOTAL, 0.998, 1.0) == pytest.approx(
            official_momentum(step, TOTAL, 0.998, 1.0), rel=1e-12)


def test_the_lr_after_the_warm_up_is_the_official_updates_lr():
    """Input: the defaults (1500 steps: warm-up 199, schedule 1875), updates 199, 200, 800, 1499.

    What happened: ``warmup_cosine_lr(199)`` is the peak 6.25e-4, as is update 198 (the
    warm-up's last, ``(step + 1) / warmup``): the peak is held two updates, and every later
    update gets the official value of the update before it (progress ``step - warmup``).
    Should: the official WarmupCosineSchedule, stepped before each update, gives update s the
    value at ``s + 1``: the peak once (update 198), then progress ``(s + 1 - warmup) / (T -
    warmup)``.
    """
    for step in (WARMUP, WARMUP + 1, 800, STEPS - 1):
        assert warmup_cosine_lr(step, TOTAL, WARMUP, 2e-4, 6.25e-4, 1e-6) == pytest.approx(
            official_lr(step, WARMUP, TOTAL, 2e-4, 6.25e-4, 1e-6), rel=1e-9), step


def test_the_weight_decay_is_the_official_updates_weight_decay():
    """Input: the defaults (0.04 -> 0.4 over 1875), updates 0, 1, 800, 1499.

    What happened: update 0 gets exactly 0.04 and update s the official value of update s - 1
    (progress ``step / total``). Should: CosineWDSchedule is stepped before each update, so
    update s gets progress ``(s + 1) / T`` (as the lr's warm-up here already counts).
    """
    for step in (0, 1, 800, STEPS - 1):
        assert cosine_weight_decay(step, TOTAL, 0.04, 0.4) == pytest.approx(
            official_wd(step, TOTAL, 0.04, 0.4), rel=1e-9), step


# -------------------------------------------------- one update against an own implementation


def _recorded_run(config, monkeypatch):
    """Run ``config`` on tiny videos; return the result, the clips and the masks it drew."""
    clips, masks = [], []
    real_sample = ClipSampler.sample

    def sample(self, batch_size):
        clips.append(real_sample(self, batch_size))
        return clips[-1]

    def recording(function):
        def wrapper(*args, **kwargs):
            masks.append(function(*args, **kwargs))
            return masks[-1]
        return wrapper

    monkeypatch.setattr(ClipSampler, "sample", sample)
    monkeypatch.setattr(pretrain_module, "sample_block_mask", recording(sample_block_mask))
    monkeypatch.setattr(pretrain_module, "sample_batch_masks", recording(sample_batch_masks))
    videos = square_videos(4)
    sampler = ClipSampler(videos, config.frames_per_clip, config.img_size, 0.25,
                          torch.Generator().manual_seed(0))
    result = pretrain_encoder(sampler, np.concatenate(videos)[:8], config, log=None)
    return result, clips, masks


def _reference_run(config, clips, masks):
    """Run the recipe written out; return (losses, online encoder, target parameters)."""
    encoder = seeded_encoder(config)  # the same seeded start; predictor built right after
    side = config.img_size // config.patch_size
    grid = (config.frames_per_clip // 2, side, side)
    predictor = MaskPredictor(config.embed_dim, grid, config.predictor_dim,
                              config.predictor_depth, config.predictor_heads, num_mask_tokens=2)
    target = [p.detach().clone() for p in encoder.parameters()]
    named = [*encoder.named_parameters(), *predictor.named_parameters()]
    decay = [p for n, p in named if "bias" not in n and len(p.shape) != 1]
    plain = [p for n, p in named if "bias" in n or len(p.shape) == 1]
    optimizer = torch.optim.AdamW([{"params": decay}, {"params": plain, "weight_decay": 0.0}],
                                  lr=config.lr, betas=(0.9, 0.999), eps=1e-8,
                                  weight_decay=config.weight_decay)
    total = config.ipe_scale * config.steps  # the momentum generator's divisor, unrounded
    losses = []
    for step, clip in enumerate(clips):
        with torch.no_grad():  # the target encoder: EMA weights, no gradient
            online = [p.detach().clone() for p in encoder.parameters()]
            for p, t in zip(encoder.parameters(), target, strict=True):
                p.copy_(t)
            h = encoder(clip)
            h = F.layer_norm(h, (h.size(-1),))
            for p, o in zip(encoder.parameters(), online, strict=True):
                p.copy_(o)
        loss = 0.0
        for index, mask in enumerate(masks[2 * step: 2 * step + 2]):
            context, wanted = mask.context, mask.target
            if wanted.ndim == 1:
                context = context.expand(len(clip), -1)
                wanted = wanted.expand(len(clip), -1)
            goal = torch.stack([h[b, wanted[b]] for b in range(len(clip))])
            z = predictor(encoder(clip, keep=context), context, wanted, index)
            loss = loss + torch.mean(torch.abs(z - goal)) / 2
        optimizer.zero_grad()
        loss.backward()
        if config.clip_grad:  # each network on its own (warm-up 0 in these runs)
            torch.nn.utils.clip_grad_norm_(encoder.parameters(), config.clip_grad)
            torch.nn.utils.clip_grad_norm_(predictor.parameters(), config.clip_grad)
        optimizer.step()
        m = official_momentum(step, total, config.ema_start, config.ema_end)
        with torch.no_grad():
            torch._foreach_mul_(target, m)
            torch._foreach_add_(target, [p.detach() for p in encoder.parameters()], alpha=1 - m)
        losses.append(loss.item())
    return losses, encoder, target


@pytest.mark.parametrize("per_sample, clip", [(False, 0.0), (True, 0.0), (False, 0.05)])
def test_updates_at_a_constant_rate_equal_the_recipe_written_out(monkeypatch, per_sample, clip):
    """Six updates (constant lr and weight decay): losses and weights as the recipe.

    Own implementation: targets from the EMA weights without grad, layer-normed without affine;
    the context encoder on each mask's context; L1 mean over the two masks; AdamW with the
    official groups (no decay on biases and 1-D); EMA ``m t + (1 - m) o`` with the official
    momentum generator; with ``clip`` (no warm-up) each network's gradient clipped on its own.
    """
    config = tiny_config(steps=6, start_lr=1e-3, lr=1e-3, final_lr=1e-3, weight_decay=0.05,
                         final_weight_decay=0.05, clip_grad=clip, ema_start=0.9, ema_end=0.99,
                         per_sample_masks=per_sample, monitor_every=100, warmup_fraction=0.0)
    result, clips, masks = _recorded_run(config, monkeypatch)
    assert len(masks) == 12 and len(clips) == 6
    losses, _, target = _reference_run(config, clips, masks)
    np.testing.assert_allclose(result.losses, losses, rtol=1e-5)
    for mine, theirs in zip(target, result.encoder.parameters(), strict=True):
        torch.testing.assert_close(theirs, mine, rtol=1e-4, atol=1e-6)
    moved = max(float((a - b.detach()).abs().max()) for a, b in
                zip(target, seeded_encoder(config).parameters(), strict=True))
    assert moved > 1e-4  # the comparison is not between two untouched copies


# ------------------------------------------------------------------------------ the masks


def official_block_size(rows, cols, scale, ratio, generator):
    """Draw the official block size: spatial, aspect, rounded, clipped to the grid."""
    n = int(rows * cols * (scale[0] + float(torch.rand(1, generator=generator)) *
                           (scale[1] - scale[0])))
    ar = ratio[0] + float(torch.rand(1, generator=generator)) * (ratio[1] - ratio[0])
    return min(int(round(math.sqrt(n * ar))), rows), min(int(round(math.sqrt(n / ar))), cols)


def official_masks(rows, cols, blocks, scale, ratio, batch, generator):
    """Per-sample spatial target sets (before the cut) of one official batch."""
    h, w = official_block_size(rows, cols, scale, ratio, generator)
    out = []
    while len(out) < batch:
        masked = np.zeros((rows, cols), bool)
        for _ in range(blocks):
            top = int(torch.randint(0, rows - h + 1, (1,), generator=generator))
            left = int(torch.randint(0, cols - w + 1, (1,), generator=generator))
            masked[top:top + h, left:left + w] = True
        if (~masked).any():
            out.append(masked)
    return (h, w), out


@pytest.mark.parametrize("side, blocks, scale", [(8, 8, 0.15), (8, 2, 0.7), (16, 2, 0.7),
                                                 (16, 8, 0.15)])
def test_mask_statistics_match_the_official_generator(side, blocks, scale):
    """Block sizes equal the official draw for draw; the masked fraction agrees over 1500 masks.

    Grids of the default 128 px (8x8) and of 256 px (16x16), both masks. The official draws a
    temporal scale first (1.0 here), then the spatial scale and the aspect ratio, from a
    generator seeded by the iteration. Each drawn mask: one tube (the same rectangles at both
    time steps), context and target disjoint, sorted, covering the grid.
    """
    spec = PretrainConfig().mask_short if blocks == 8 else PretrainConfig().mask_long
    spec.spatial_scale = [scale, scale]
    for seed in range(300):
        official = torch.Generator().manual_seed(seed)
        torch.rand(1, generator=official)  # the temporal scale's draw
        ours = torch.Generator().manual_seed(seed)
        torch.rand(1, generator=ours)
        assert sample_block_size(side, side, spec, ours) == official_block_size(
            side, side, (scale, scale), (0.75, 1.5), official), seed
    ours, theirs = torch.Generator().manual_seed(1), torch.Generator().manual_seed(2)
    frac_ours, frac_theirs = [], []
    for _ in range(1500):
        full = sample_block_mask((2, side, side), spec, ours)
        assert not set(full.context.tolist()) & set(full.target.tolist())
        assert len(full.context) + len(full.target) == 2 * side * side
        assert torch.equal(full.context, full.context.sort().values)
        flat = torch.zeros(2 * side * side, dtype=torch.bool)
        flat[full.target] = True
        assert torch.equal(flat[:side * side], flat[side * side:])  # a tube
        frac_ours.append(len(full.target) / (2 * side * side))
        _, sets = official_masks(side, side, blocks, (scale, scale), (0.75, 1.5), 1, theirs)
        frac_theirs.append(float(sets[0].mean()))
    assert abs(np.mean(frac_ours) - np.mean(frac_theirs)) < 0.015
    assert abs(np.std(frac_ours) - np.std(frac_theirs)) < 0.015


@pytest.mark.parametrize("scale", ["[0.7, 1.0]", "[1.0, 1.0]"])
def test_a_mask_scale_range_whose_top_covers_the_grid_is_refused_at_start_up(tmp_path, scale):
    """Refuse at start-up a mask scale whose larger draws cover the whole token grid.

    Input: the defaults (128 px: an 8x8 grid), ``mask_long: {spatial_scale: [0.7, 1.0]}`` or
    ``[1.0, 1.0]`` (aspect ratios 0.75-1.5 as the default), read as ``--config`` reads them.
    What happened: accepted (the start-up check looks at the range's low end only, and refuses
    only when every aspect ratio covers the grid: scale 1.0 covers it for ratios 0.88-1.14
    alone); a step drawing a scale above ~0.88 with a ratio near 1 gets an 8x8 block (the size
    is drawn once, only the positions are redrawn), so no draw leaves context and the run dies
    at that step ("could not draw a mask leaving 1 context positions in 100 tries"), its trained
    steps unsaved (a 40-step tiny run died within 40 steps). Should: refused at start-up in one
    line naming mask_long's spatial_scale, as a mask whose every rectangle covers the grid is
    (breaker40d), or no drawn size may cover the whole grid.
    """
    try:
        path = tmp_path / "pretrain.yaml"
        path.write_text(f"mask_long: {{spatial_scale: {scale}}}\n")
        config = load_pretrain_config(path)  # as --config reads it
    except ValueError as exc:
        assert "mask_long" in str(exc) and "spatial_scale" in str(exc)
        return
    generator = torch.Generator().manual_seed(0)
    sizes = {sample_block_size(8, 8, config.mask_long, generator) for _ in range(2000)}
    assert (8, 8) not in sizes


def test_the_per_sample_cut_keeps_the_batchs_shortest_lists():
    """Per-sample masks: rows cut to the shortest context and target, prefixes of each own set."""
    spec = PretrainConfig().mask_short
    generator = torch.Generator().manual_seed(5)
    for _ in range(200):
        state = generator.get_state()
        mask = sample_batch_masks((2, 8, 8), spec, 3, generator)
        generator.set_state(state)
        size = sample_block_size(8, 8, spec, generator)
        rows = [sample_block_mask((2, 8, 8), spec, generator, size=size) for _ in range(3)]
        assert mask.context.shape[1] == min(len(r.context) for r in rows)
        assert mask.target.shape[1] == min(len(r.target) for r in rows)
        for got, row in zip(mask.target, rows, strict=True):
            assert torch.equal(got, row.target[:len(got)])


def test_one_block_size_per_batch_positions_per_sample():
    """Per-sample masks: rectangle positions differ between samples, the size never does."""
    spec = PretrainConfig().mask_long
    spec.num_blocks = 1
    generator = torch.Generator().manual_seed(0)
    differ = 0
    for _ in range(200):
        mask = sample_batch_masks((1, 8, 8), spec, 4, generator)
        counts = {len(t) for t in mask.target}
        assert len(counts) == 1
        differ += len({tuple(t.tolist()) for t in mask.target}) > 1
    assert differ > 150


# --------------------------------------------------------- still clips: the planner's tubelets


def test_a_still_clip_is_the_tubelet_the_planner_and_the_monitors_encode():
    """still_fraction 1: every clip's tubelets equal frames_to_clip(preprocess_frames(frame))."""
    videos = square_videos(2, frames=6, size=40)
    sampler = ClipSampler(videos, 4, 32, 1.0, torch.Generator().manual_seed(3))
    clips = sampler.sample(6)
    frames = np.concatenate(videos)
    for clip in clips:
        first = clip[:, 0]
        index = min(range(len(frames)), key=lambda i: float(
            (preprocess_frames(frames[i:i + 1], 32)[0] - first).abs().max()))
        tubelet = frames_to_clip(preprocess_frames(frames[index:index + 1], 32))[0]
        torch.testing.assert_close(clip[:, :2], tubelet, rtol=0, atol=0)
        torch.testing.assert_close(clip[:, 2:], tubelet, rtol=0, atol=0)


def test_the_predictor_places_tokens_by_their_indices_not_their_order():
    """Place tokens by their indices: a shuffled context predicts the same, positions matter.

    Shuffling the context (tokens with their indices) leaves each target's prediction alone;
    two targets differ only by position (one mask token, its RoPE) yet get different predictions.

    (Zero mask tokens with zero qkv biases, the start, give every target the same prediction:
    a zero query rotates to zero. The official zero-initialized tokens do the same.)
    """
    torch.manual_seed(0)
    predictor = MaskPredictor(48, (1, 4, 4), 24, 1, 2, zero_init_mask_tokens=False)
    context = torch.randn(1, 10, 48)
    index = torch.arange(10)
    target = torch.tensor([11, 14])
    base = predictor(context, index, target, 0)
    order = torch.randperm(10)
    torch.testing.assert_close(predictor(context[:, order], index[order], target, 0), base)
    flipped = predictor(context, index, target.flip(0), 0)
    torch.testing.assert_close(flipped, base.flip(1))
    assert float((base[0, 0] - base[0, 1]).abs().max().detach()) > 1e-5


def test_a_bag_and_an_npz_of_one_episode_give_pretraining_the_same_frames(tmp_path):
    """A 4 Hz bag (stamps jittered by up to 20 ms) and the episode's .npz: identical segments."""
    from vjepa_ros.recordings.bag_writing import write_bag
    from vjepa_ros.train.pretrain_data import load_clip_segments
    from vjepa_ros.train.synthetic import blob_episode

    episode = blob_episode(frames=9, seed=3, size=32)
    jitter = np.array([0, 0.01, -0.01, 0.02, 0, 0.005, 0, 0.01, 0])
    bag = write_bag(tmp_path / "bag", episode.frames, episode.states,
                    episode.timestamps + jitter)
    npz = episode.save(tmp_path / "eps" / "one.npz")
    from_bag = load_clip_segments([bag], 4, log=None)
    from_npz = load_clip_segments([npz], 4, log=None)
    assert len(from_bag) == len(from_npz) == 1
    np.testing.assert_array_equal(from_bag[0], from_npz[0])
    np.testing.assert_array_equal(from_npz[0], episode.frames)


# ------------------------------------------------------------------------ collapse monitors


def _spread(seed=0, n=16, t=4, d=32):
    features = torch.randn(n, t, d, generator=torch.Generator().manual_seed(seed))
    return F.layer_norm(features, (d,))


def test_monitors_warn_exactly_below_floor_times_start():
    """A complete collapse warns on all three; a shuffle none; the boundary is strict."""
    floors = tiny_config().floors
    assert floors == {"feature_std": 0.5, "effective_rank": 0.5, "pairwise_distance": 0.5}
    start = collapse_monitors(_spread())
    collapsed = collapse_monitors(_spread()[:1].expand(16, -1, -1).clone())
    assert collapsed["feature_std"] == 0 and collapsed["pairwise_distance"] == 0
    assert collapsed["effective_rank"] == 0
    lines = collapse_warnings(start, collapsed, floors)
    assert [line.split()[0] for line in lines] == list(floors)
    shuffled = collapse_monitors(_spread()[torch.randperm(16)])
    assert collapse_warnings(start, shuffled, floors) == []
    for name in floors:
        at = dict(shuffled, **{name: 0.5 * start[name]})
        assert collapse_warnings(start, at, floors) == []
        below = dict(shuffled, **{name: math.nextafter(0.5 * start[name], 0)})
        assert [line.split()[0] for line in collapse_warnings(start, below, floors)] == [name]


def test_a_rank_one_collapse_warns_on_rank_and_a_shrink_on_the_others():
    """Frames along one direction of D: effective rank 1 warns; 0.4x the spread: the others.

    (Frames along one [T, D] direction read rank T: centring counts one direction per token
    position, as documented.)
    """
    base = _spread()
    start = collapse_monitors(base)
    direction = base[0, 0]  # one direction in D for every token: rank 1 after centring
    line = base.mean(0, keepdim=True) + torch.linspace(-1, 1, 16)[:, None, None] * direction
    rank_one = collapse_monitors(line)
    assert rank_one["effective_rank"] == pytest.approx(1.0, abs=1e-3)
    warned = collapse_warnings(start, rank_one, {"effective_rank": 0.5})
    assert [line.split()[0] for line in warned] == ["effective_rank"]
    mean = base.mean(0, keepdim=True)
    shrunk = collapse_monitors(mean + 0.4 * (base - mean))
    assert shrunk["effective_rank"] == pytest.approx(start["effective_rank"], rel=1e-6)
    names = [w.split()[0] for w in collapse_warnings(start, shrunk, tiny_config().floors)]
    assert names == ["feature_std", "pairwise_distance"]


def test_the_shipped_yaml_floors_are_the_documented_ones():
    """config/pretrain.yaml and the defaults: every floor 0.5 (README: 0.5x its step-0 value)."""
    with open(Path(__file__).resolve().parent.parent / "config" / "pretrain.yaml") as handle:
        settings = yaml.safe_load(handle)
    for name in ("feature_std", "effective_rank", "pairwise_distance"):
        assert settings[f"floor_{name}"] == 0.5
        assert getattr(PretrainConfig(), f"floor_{name}") == 0.5


def test_a_run_prints_the_documented_warning_line_below_half_the_start(monkeypatch):
    """README: a monitor below 0.5x its step-0 value prints ``WARNING step N: <monitor> ...``.

    The monitors are made to read the start, then 0.49x it for feature_std alone at step 10.
    """
    values = iter([{"feature_std": 1.0, "effective_rank": 10.0, "pairwise_distance": 2.0},
                   {"feature_std": 0.49, "effective_rank": 10.0, "pairwise_distance": 2.0}])
    monkeypatch.setattr(pretrain_module, "collapse_monitors", lambda features: next(values))
    lines = []
    config = tiny_config(steps=10, monitor_every=10)
    videos = square_videos(2)
    sampler = ClipSampler(videos, config.frames_per_clip, config.img_size, 0.25,
                          torch.Generator().manual_seed(0))
    result = pretrain_encoder(sampler, np.concatenate(videos)[:4], config, log=lines.append)
    warned = [line for line in lines if line.startswith("WARNING")]
    assert warned == ["WARNING step 10: feature_std 0.49 fell below its floor 0.5 x start 1 = "
                      "0.5: the encoder may be collapsing"]
    assert result.warnings == [warned[0].removeprefix("WARNING ")]


def test_pairwise_distance_is_the_planners_energy_between_frames():
    """pairwise_distance = the mean of planning.energy (l1) over all ordered pairs i != j."""
    from vjepa_ros.planning.energy import energy

    features = _spread(n=6)
    pairs = [float(energy(features[i:i + 1], features[j:j + 1]))
             for i in range(6) for j in range(6) if i != j]
    assert collapse_monitors(features)["pairwise_distance"] == pytest.approx(
        np.mean(pairs), rel=1e-5)
    assert collapse_monitors(features)["feature_std"] == pytest.approx(
        float(features.double().std(0).mean()), rel=1e-12)
