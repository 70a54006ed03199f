"""PSNR / SSIM / MS-SSIM against known values and scikit-image; padding helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skimage.metrics import structural_similarity

from photogenic.autoencoder.metrics import (
    crop_to_size,
    ms_ssim,
    pad_to_multiple,
    psnr,
    psnr_from_mse,
    ssim,
)


def rand01(shape: tuple[int, ...], seed: int = 0) -> torch.Tensor:
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed))


def blur(x: torch.Tensor, k: int = 3) -> torch.Tensor:
    return F.avg_pool2d(F.pad(x, [k // 2] * 4, mode="reflect"), k, stride=1)


def skimage_ssim(a: torch.Tensor, b: torch.Tensor, data_range: float) -> list[float]:
    return [
        structural_similarity(
            ai.permute(1, 2, 0).double().numpy(),
            bi.permute(1, 2, 0).double().numpy(),
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
            channel_axis=-1,
            data_range=data_range,
        )
        for ai, bi in zip(a, b, strict=True)
    ]


def test_psnr_known_values() -> None:
    a = rand01((2, 3, 16, 16)) * 0.8
    result = psnr(a, a + 0.1)  # MSE = 0.01 -> 20 dB
    assert result.shape == (2,)
    assert torch.allclose(result, torch.full((2,), 20.0), atol=1e-3)
    assert psnr(a * 255, a * 255 + 25.5, data_range=255.0)[0].item() == pytest.approx(
        20.0, abs=1e-3
    )
    assert math.isinf(psnr(a, a)[0].item())
    assert psnr_from_mse(0.01) == pytest.approx(20.0) and math.isinf(psnr_from_mse(0.0))


def test_ssim_of_identical_images_is_one() -> None:
    a = rand01((3, 3, 24, 24))
    assert torch.allclose(ssim(a, a), torch.ones(3), atol=1e-6)
    assert torch.allclose(ms_ssim(a, a), torch.ones(3), atol=1e-6)


@pytest.mark.parametrize(("height", "width"), [(32, 32), (20, 37)])
def test_ssim_matches_scikit_image(height: int, width: int) -> None:
    a = rand01((3, 3, height, width), seed=1)
    noisy = (a + 0.2 * rand01(a.shape, seed=2) - 0.1).clamp(0, 1)
    for b in (rand01(a.shape, seed=3), blur(a), blur(a, 5), noisy):
        ours = ssim(a, b).tolist()
        assert ours == pytest.approx(skimage_ssim(a, b, 1.0), abs=1e-4)
    scaled = ssim(a * 255, blur(a) * 255, data_range=255.0).tolist()
    assert scaled == pytest.approx(skimage_ssim(a * 255, blur(a) * 255, 255.0), abs=1e-4)


def test_ms_ssim_orders_blur_levels() -> None:
    a = F.interpolate(rand01((2, 3, 16, 16)), size=64, mode="bilinear")
    mild, strong = ms_ssim(a, blur(a, 3)), ms_ssim(a, blur(a, 7))
    assert torch.all(mild < 1) and torch.all(strong < mild)
    with pytest.raises(ValueError, match="at least 11"):
        ssim(a[..., :8, :8], a[..., :8, :8])


def test_pad_to_multiple_and_crop() -> None:
    x = rand01((1, 3, 30, 21))
    padded, size = pad_to_multiple(x, 8)
    assert padded.shape == (1, 3, 32, 24) and size == (30, 21)
    assert torch.equal(crop_to_size(padded, size), x)
    same, size = pad_to_multiple(padded, 8)
    assert same is padded and size == (32, 24)
    small, _ = pad_to_multiple(rand01((1, 3, 3, 5)), 8)  # too small to reflect: replicate
    assert small.shape == (1, 3, 8, 8)
    assert np.isfinite(small.numpy()).all()
