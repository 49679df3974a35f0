"""The optional (beyond-the-paper) VICReg variance/covariance terms of pretraining."""

import pytest
import torch

from vjepa_ros.train.collapse import effective_rank
from vjepa_ros.train.pretrain import PretrainConfig
from vjepa_ros.train.pretrain_regularizer import variance_covariance

pytestmark = pytest.mark.usefixtures("one_thread")


def test_terms_are_zero_for_whitened_and_large_for_collapsed_tokens():
    torch.manual_seed(0)
    white = torch.randn(4000, 16) * 1.2  # std above gamma 1, uncorrelated
    variance, covariance = variance_covariance(white)
    assert variance == 0.0 and covariance < 0.02
    same = variance_covariance(torch.ones(50, 16) * 3.0)
    assert same[0] == pytest.approx(1.0 - 1e-2, abs=1e-3) and same[1] == 0.0  # 1 - sqrt(eps)
    half = variance_covariance(torch.randn(4000, 16) * 0.5)
    assert half[0] == pytest.approx(0.5, abs=0.03)
    line = torch.randn(4000, 1) * torch.ones(1, 16)  # every dimension the same signal
    assert variance_covariance(line)[1] == pytest.approx(15.0, rel=0.1)  # 16*15 entries of 1, / 16
    batched = torch.randn(2, 7, 3, 16)
    torch.testing.assert_close(torch.stack(variance_covariance(batched)),
                               torch.stack(variance_covariance(batched.reshape(-1, 16))))
    with pytest.raises(ValueError, match=">= 2 tokens"):
        variance_covariance(torch.randn(1, 16))


def test_minimizing_the_terms_raises_the_effective_rank_of_squeezed_features():
    torch.manual_seed(0)
    inputs = torch.randn(512, 24)
    layer = torch.nn.Linear(24, 24)
    with torch.no_grad():  # start squeezed into 2 directions
        layer.weight.copy_(torch.randn(24, 2) @ torch.randn(2, 24) * 0.1)
    before = effective_rank(layer(inputs).detach() - layer(inputs).detach().mean(0))
    optimizer = torch.optim.Adam(layer.parameters(), lr=0.02)
    for _ in range(150):
        variance, covariance = variance_covariance(layer(inputs))
        optimizer.zero_grad()
        (variance + 0.04 * covariance).backward()
        optimizer.step()
    after = effective_rank(layer(inputs).detach() - layer(inputs).detach().mean(0))
    assert before < 3 and after > 15


def test_weights_are_off_by_default_and_must_not_be_negative():
    config = PretrainConfig()
    assert config.variance_weight == 0.0 and config.covariance_weight == 0.0
    for bad in ({"variance_weight": -1.0}, {"covariance_weight": -0.1}):
        with pytest.raises(ValueError, match="variance_weight"):
            PretrainConfig(**bad)
