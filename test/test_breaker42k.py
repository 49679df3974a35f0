"""breaker42k: could ``vjepa-ros train`` silently train other than the published objective.

Attacked (main 8c00e2c): ``vjepa_ros/train/objective.py``, ``trainer.py``, ``features.py``
(``FeatureBank.sample`` / ``gather`` / ``fixed_clips``), ``feature_cache.py`` (``cache_key``,
``reader_code_digest``), ``reader_code.py``, ``schedule.py``, ``episodes.py``,
``config/train.yaml``, against ../shared/docs/vjepa2-ac-facts.md and the official
``app/vjepa_droid`` trainer.

Each test is a strict xfail of a defect: it asserts what should happen, checked against an
independent small re-derivation, not against the package's own code.

Held up (not repeated here): the teacher-forcing + 2-step rollout losses (frames, actions and
recorded states fed as the official ``forward_predictions``; gradients through the rollout);
actions a_k = s_{k+1} (-) s_k against scipy (Euler "xyz" of R_{k+1} R_k^T, base frame), and
``planning.pose.apply_action`` inverting them (same semantics in trainer and planner); the WSD
learning-rate schedule and AdamW groups (no decay on biases / norms) against the official
``WSDSchedule`` / ``init_opt``; frames_per_clip 8 at 4 Hz; ``gather``'s actions of frames
f .. f+T-2 (a segment's zero-padded last action never inside a clip); ``resumed_schedule``
(warm-up kept in steps, stored phases kept for the same total) and ``restore`` (sampler and torch
RNG states restored: same batches), read only. Not attacked: the validation split's leak checks
(``same_recording.in_train_and_val``), float16 feature rounding, torchrun.
"""

import shutil

import pytest
import torch


def _package_copy(tmp_path):
    from vjepa_ros.train import feature_cache

    copy = tmp_path / "vjepa_ros"
    shutil.copytree(feature_cache.PACKAGE, copy,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pt", "*.npz", "data"))
    return copy


@pytest.mark.parametrize("file, old, new", [
    # the frame-alone encoding of V-JEPA 2-AC: layer norm of the encoder's tokens
    ("models/world_model.py", "return layer_norm_reps(self.encoder(clip))",
     "return self.encoder(clip)"),
    # the RoPE frequencies of the encoder
    ("models/rope.py", "omega = 1.0 / 10000**omega", "omega = 1.0 / 1000**omega"),
])
def test_a_change_to_the_encoders_code_re_encodes_the_cached_features(tmp_path, monkeypatch,
                                                                       file, old, new):
    """A lab updates vjepa_ros (git pull) where a fix changed how frames are encoded.

    The on-disk feature cache (``data.feature_cache: disk`` or ``--feature-cache DIR``, shared
    by runs, always on under torchrun) is keyed by the encoder's weights, the settings and a
    digest of "the code that reads recordings and preprocesses frames"; the code that turns the
    preprocessed pixels into features (the ViT, its RoPE, the tubelet repeat and the layer
    norm of ``WorldModel.encode_pixels``) is not in that digest. After such a fix the next
    ``vjepa-ros train`` with the same cache reuses every shard encoded by the old code, without
    a word, and post-trains the predictor on targets the planner's encoder never produces.
    What should happen: the key changes (as it does for a reader fix), so the features are
    encoded again.
    """
    from vjepa_ros.train import feature_cache

    copy = _package_copy(tmp_path)
    monkeypatch.setattr(feature_cache, "PACKAGE", copy)
    before = feature_cache.reader_code_digest()
    target = copy / file
    text = target.read_text()
    assert old in text, f"{file} no longer holds {old!r}: update this test"
    target.write_text(text.replace(old, new))
    after = feature_cache.reader_code_digest()
    assert after != before, f"the feature cache's key ignores a change to {file}"


def _bank(lengths, names, dim=4, tokens=2):
    from vjepa_ros.train.features import FeatureBank

    lengths = torch.tensor(lengths, dtype=torch.int64)
    frames = int(lengths.sum())
    return FeatureBank(torch.zeros(frames, tokens, dim, dtype=torch.float16),
                       torch.zeros(frames, 7), torch.zeros(frames, 7),
                       torch.cumsum(lengths, 0) - lengths, lengths, list(names))


def test_a_recording_split_by_dropped_frames_is_not_drawn_more_often():
    """A recording cut by its dropped steps into 10 segments gets 10 of 11 clips.

    Two 30 s recordings at 4 Hz (120 steps): ``clean`` intact, ``flaky`` from a USB camera whose
    stream stalls for half a second every ~3 s (a busy USB bus; or a state stream with
    gaps over ``max_state_gap_s``), so ``resample`` marks a step there invalid and
    ``segments.step_segments`` cuts the recording into 10 runs of 11 valid steps
    (``flaky#0`` .. ``flaky#9``), each longer than a clip of 8.

    The official DROID loader draws a *trajectory* uniformly, then a window in it;
    ``FeatureBank.sample`` draws one of the bank's *segments* uniformly, so ``flaky`` gets 10 of
    every 11 clips and the clean recording 1: the worse a recording's camera, the more it
    weighs in the post-training, silently (nothing in the log says it). Independent
    re-derivation: per recording (the official rule) each gets 1/2 of the clips; per window
    (uniform over all clip windows) ``flaky`` gets 10*4 / (10*4 + 113) = 0.26. Either way at
    most about half, never 0.9.
    """
    fpc = 8
    bank = _bank([11] * 10 + [120], [f"flaky#{k}" for k in range(10)] + ["clean"])
    firsts = bank.sample(4000, fpc, torch.Generator().manual_seed(0))
    flaky_frames = int(bank.lengths[:10].sum())  # flaky's segments come first
    share = float((firsts < flaky_frames).double().mean())
    assert share <= 0.6, f"the flaky recording gets {share:.2f} of the clips"


def test_an_encoder_with_reordered_qkv_gets_another_feature_cache_key():
    """An encoder re-converted with its q and k thirds in the right order keeps its old key.

    A lab converted an encoder (e.g. from a Hugging Face snapshot, split ``query``/``key``/
    ``value`` fused back into ``qkv``) in the wrong order, trained once with the disk feature
    cache, then found the mistake and converted it again in the right order (dim-0 thirds q, k,
    v: facts §1). The two files hold the same numbers in other places of a tensor, so each
    tensor's sum and absolute sum (``features.encoder_fingerprint``) are equal (up to float
    rounding) and the cache key is the same: the re-run reuses the features of the broken
    encoder without a word, though the encoder computes other features (checked below). What
    should happen: the fingerprint of an encoder that encodes differently differs.
    """
    from vjepa_ros.models.encoder import EncoderConfig, VisionEncoder
    from vjepa_ros.train.features import encoder_fingerprint

    torch.manual_seed(0)
    encoder = VisionEncoder(EncoderConfig(embed_dim=48, depth=1, num_heads=2, img_size=32)).eval()
    state = encoder.state_dict()
    name = next(k for k in state if k.endswith("qkv.weight"))
    swapped = dict(state)
    for key in (name, name.replace("weight", "bias")):
        q, k, v = state[key].chunk(3, dim=0)
        swapped[key] = torch.cat([k, q, v]).clone()
    other = VisionEncoder(encoder.config).eval()
    other.load_state_dict(swapped)
    clip = torch.randn(1, 3, 2, 32, 32)
    with torch.no_grad():
        assert not torch.allclose(encoder(clip), other(clip))  # they do encode differently
    settings = {"dtype": "torch.float32", "device": "cpu", "aspect_ratio_range": [0.75, 1.35],
                "features": "float16"}
    assert encoder_fingerprint(encoder, settings) != encoder_fingerprint(other, settings)
