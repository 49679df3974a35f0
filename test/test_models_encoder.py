"""Encoder checks against an independent implementation: ``transformers.VJEPA2Model``.

Weights are random (all parameters perturbed, so a mis-mapped bias or norm shows), converted with
the documented official -> HF key map (``vjepa_ros.models.hf``). Token grids are the real ones of
256 px inputs (16 x 16 per tubelet).

Also checked once by hand (not a test: the official code is not a dependency): the encoder against
``src.models.vision_transformer.VisionTransformer(use_rope=True)`` of facebookresearch/vjepa2
(commit c2963a4, run from a temporary copy with timm/einops stubbed) on random weights, widths
96/4 heads, 128/2 heads (head dim 64: 4 unrotated dims), 80/4 heads at 256x192 and 88/2 heads with
mlp_ratio 48/11, loaded with ``strict=True``: outputs identical (max abs error 0.0) in float32.
"""

import pytest
import torch

from vjepa_ros.models import build_encoder
from vjepa_ros.models.hf import hf_to_official_encoder, official_to_hf_encoder
from vjepa_ros.models.rope import apply_rope, flip_even_signs, rope_cos_sin, rope_segment_size


def perturb_(model, seed=0):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(0.05 * torch.randn(param.shape, generator=generator))
    return model


def hf_encoder(embed_dim, depth, num_heads, frames, mlp_ratio=4.0):
    transformers = pytest.importorskip("transformers")
    config = transformers.VJEPA2Config(
        hidden_size=embed_dim, num_hidden_layers=depth, num_attention_heads=num_heads,
        mlp_ratio=mlp_ratio, crop_size=256, patch_size=16, tubelet_size=2,
        frames_per_clip=frames, pred_hidden_size=32, pred_num_hidden_layers=1,
        pred_num_attention_heads=2,
    )
    config._attn_implementation = "eager"  # explicit matmul/softmax: independent of SDPA
    return transformers.VJEPA2Model(config).eval()


@pytest.mark.parametrize(
    "embed_dim,num_heads,frames",
    [(96, 4, 2), (128, 2, 4)],  # head dim 24 (3 segments of 8, none left) and 64 (20+20+20+4)
)
def test_encoder_equals_transformers_vjepa2(embed_dim, num_heads, frames):
    torch.manual_seed(0)
    ours = perturb_(build_encoder(embed_dim=embed_dim, depth=2, num_heads=num_heads)).eval()
    theirs = hf_encoder(embed_dim, 2, num_heads, frames)
    result = theirs.load_state_dict(official_to_hf_encoder(ours.state_dict()), strict=False)
    assert not result.unexpected_keys
    assert all(key.startswith("predictor.") for key in result.missing_keys)

    clip = torch.randn(2, 3, frames, 256, 256)  # [B, C, T, H, W]
    with torch.no_grad():
        expected = theirs.get_vision_features(clip.permute(0, 2, 1, 3, 4))  # HF: [B, T, C, H, W]
        tokens = ours(clip)
    assert tokens.shape == (2, frames // 2 * 256, embed_dim)
    relative = (tokens - expected).abs().max() / expected.abs().max()
    assert relative <= 1e-5


def test_hf_key_map_round_trips():
    ours = build_encoder(embed_dim=48, depth=2, num_heads=2)
    official = ours.state_dict()
    back = hf_to_official_encoder(official_to_hf_encoder(official))
    assert back.keys() == official.keys()
    assert all(torch.equal(back[key], official[key]) for key in official)


def test_rope_segments_and_repeated_layout():
    assert [rope_segment_size(d) for d in (24, 64, 80, 88)] == [8, 20, 26, 28]
    positions = torch.tensor([[3.0, 5.0, 7.0]])
    cos, sin_signed = rope_cos_sin(positions, 64)
    sin = flip_even_signs(sin_signed)  # the official table: the even dims' signs flipped back
    # Segment of 20 dims per axis: 10 angles repeated, not interleaved.
    time_angles = 3.0 / 10000 ** (torch.arange(10) / 10.0)
    assert torch.allclose(cos[0, :20], torch.cat([time_angles.cos()] * 2), atol=1e-6)
    assert torch.allclose(sin[0, 40:60], torch.cat([(7.0 / 10000 ** (torch.arange(10) / 10.0))
                                                     .sin()] * 2), atol=1e-6)
    # The last 4 dims are not rotated; a position (t, 0, 0) leaves the h and w segments unchanged.
    x = torch.randn(1, 1, 1, 64)
    assert torch.equal(apply_rope(x, cos, sin_signed)[..., 60:], x[..., 60:])
    cos0, sin0 = rope_cos_sin(torch.tensor([[2.0, 0.0, 0.0]]), 64)
    rotated = apply_rope(x, cos0, sin0)
    assert torch.equal(rotated[..., 20:], x[..., 20:])
    assert not torch.allclose(rotated[..., :20], x[..., :20])
    # Rotation pairs adjacent dims: (x0, x1) -> (x0 cos - x1 sin, x1 cos + x0 sin).
    expected0 = x[..., 0] * cos[0, 0] - x[..., 1] * sin[0, 0]
    assert torch.allclose(apply_rope(x, cos, sin_signed)[..., 0], expected0, atol=1e-6)


def test_encoder_rejects_bad_clips():
    encoder = build_encoder(embed_dim=48, depth=1, num_heads=2)
    with pytest.raises(ValueError, match="tubelet"):
        encoder(torch.randn(1, 3, 256, 256))  # a frame, not a clip
    with pytest.raises(ValueError, match="multiple"):
        encoder(torch.randn(1, 3, 3, 256, 256))  # odd frame count
    with pytest.raises(ValueError, match="multiple"):
        encoder(torch.randn(1, 3, 2, 250, 256))


def test_encoder_output_dtype_follows_input_and_bf16_runs():
    encoder = build_encoder(embed_dim=48, depth=1, num_heads=2).to(torch.bfloat16)
    clip = torch.randn(1, 3, 2, 32, 32)
    out = encoder(clip)
    assert out.dtype == torch.float32 and out.shape == (1, 4, 48)
    assert torch.isfinite(out).all()
