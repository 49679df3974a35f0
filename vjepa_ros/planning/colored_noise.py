"""Colored (power-law) Gaussian noise along the planning horizon, for iCEM.

A sequence x_0..x_{H−1} whose power spectral density falls as 1/f^β: β 0 is white noise, β 1 pink,
β 2 brown (smooth, strongly correlated steps). Drawn in the frequency domain (Timmer & König,
"On generating power law noise", A&A 300, 1995): independent Gaussian real and imaginary parts
scaled by f^(−β/2) at the rfft frequencies (frequencies below 1/H raised to 1/H), inverse rfft,
then
divided by its exact standard deviation so every element has unit variance. iCEM (Pinneri et
al. 2020) samples its actions this way.
"""

import math

import torch


def colored_noise(
    samples: int, horizon: int, dims: int, beta: float, generator: torch.Generator
) -> torch.Tensor:
    """Return unit-variance power-law noise [samples, horizon, dims] (float32, CPU).

    Correlated along ``horizon`` only (each sample and dimension is an independent sequence).
    ``beta`` 0 or ``horizon`` 1 gives plain ``torch.randn`` (the same draw CEM makes). The random
    numbers come from the CPU ``generator``, so a seed gives the same noise everywhere.
    Raises ValueError for ``beta`` < 0.
    """
    if beta < 0:
        raise ValueError(f"colored noise exponent beta must be >= 0, got {beta}")
    if beta == 0 or horizon == 1:
        return torch.randn((samples, horizon, dims), generator=generator, dtype=torch.float32)
    frequencies = torch.fft.rfftfreq(horizon, dtype=torch.float64)  # [F], 0 .. 0.5
    frequencies = frequencies.clamp(min=1.0 / horizon)
    scale = frequencies.pow(-beta / 2.0)  # amplitude ∝ f^(−β/2): power ∝ f^−β
    # Variance of the inverse transform (irfft divides by H): the real f = 0 bin (scaled by √2
    # below) gives 2·s₀², each complex bin 4·s_k², the real Nyquist bin (even H, √2) 2·s_N².
    power = 4.0 * scale.square()
    power[0] = 2.0 * scale[0] ** 2
    if horizon % 2 == 0:
        power[-1] = 2.0 * scale[-1] ** 2
    sigma = math.sqrt(float(power.sum())) / horizon
    shape = (samples, dims, frequencies.numel())
    real = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    imag = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    imag[..., 0] = 0.0  # the mean (f = 0) bin is real
    real[..., 0] *= math.sqrt(2.0)
    if horizon % 2 == 0:  # the Nyquist bin is real
        imag[..., -1] = 0.0
        real[..., -1] *= math.sqrt(2.0)
    series = torch.fft.irfft(torch.complex(real, imag), n=horizon, dim=-1) / sigma
    return series.transpose(1, 2).float().contiguous()  # [samples, horizon, dims]
