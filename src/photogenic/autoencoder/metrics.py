"""Reconstruction metrics on batches (N, C, H, W) in [0, 1]: PSNR, SSIM, MS-SSIM; eval padding.

SSIM is Wang et al. 2004 with an 11x11 Gaussian window (sigma 1.5), population covariances and
the mean over the region the window fully covers, i.e. scikit-image's
``structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
data_range=..., channel_axis=...)``. MS-SSIM is Wang et al. 2003.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

SSIM_K1, SSIM_K2 = 0.01, 0.03  # Wang et al. 2004
SSIM_SIGMA = 1.5
SSIM_WINDOW = 11  # scikit-image: 2 * int(3.5 * sigma + 0.5) + 1 for truncate=3.5, sigma=1.5
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # Wang et al. 2003


def _check_pair(a: torch.Tensor, b: torch.Tensor) -> None:
    if a.shape != b.shape or a.dim() != 4:
        raise ValueError(
            f"expected two (N, C, H, W) tensors of one shape, got {a.shape}, {b.shape}"
        )


def psnr(a: torch.Tensor, b: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per image, ``10 log10(data_range^2 / MSE)``: shape (N,)."""
    _check_pair(a, b)
    mse = (a.float() - b.float()).pow(2).flatten(1).mean(dim=1)
    return 10.0 * torch.log10(data_range**2 / mse)


def _gaussian_window(dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    coords = torch.arange(SSIM_WINDOW, dtype=torch.float64) - (SSIM_WINDOW - 1) / 2
    window = torch.exp(-0.5 * (coords / SSIM_SIGMA) ** 2)
    return (window / window.sum()).to(dtype=dtype, device=device)


def _ssim_parts(
    a: torch.Tensor, b: torch.Tensor, data_range: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image mean SSIM and mean contrast-structure term over the fully covered region."""
    if min(a.shape[-2:]) < SSIM_WINDOW:
        raise ValueError(f"SSIM needs images of at least {SSIM_WINDOW} px, got {tuple(a.shape)}")
    n, c = a.shape[:2]
    window = _gaussian_window(a.dtype, a.device)
    # Filter a, b, a², b², ab in one depthwise separable 'valid' convolution.
    stack = torch.cat([a, b, a * a, b * b, a * b], dim=1)
    channels = stack.shape[1]
    stack = F.conv2d(stack, window.view(1, 1, 1, -1).expand(channels, 1, 1, -1), groups=channels)
    stack = F.conv2d(stack, window.view(1, 1, -1, 1).expand(channels, 1, -1, 1), groups=channels)
    mu_a, mu_b, aa, bb, ab = stack.split(c, dim=1)
    var_a = aa - mu_a * mu_a
    var_b = bb - mu_b * mu_b
    cov = ab - mu_a * mu_b
    c1 = (SSIM_K1 * data_range) ** 2
    c2 = (SSIM_K2 * data_range) ** 2
    luminance = (2 * mu_a * mu_b + c1) / (mu_a * mu_a + mu_b * mu_b + c1)
    contrast_structure = (2 * cov + c2) / (var_a + var_b + c2)
    ssim_map = luminance * contrast_structure
    return ssim_map.reshape(n, -1).mean(dim=1), contrast_structure.reshape(n, -1).mean(dim=1)


def ssim(a: torch.Tensor, b: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """Gaussian-window SSIM per image (mean over channels and positions): shape (N,)."""
    _check_pair(a, b)
    return _ssim_parts(a, b, data_range)[0]


def ms_ssim(
    a: torch.Tensor, b: torch.Tensor, data_range: float = 1.0, max_scales: int = 5
) -> torch.Tensor:
    """Multi-scale SSIM per image: shape (N,).

    Uses as many of the 5 scales (2x average-pool each) as fit the 11 px window, with the scale
    weights renormalised; negative terms are clamped to a small positive value so the product of
    fractional powers stays finite (as in common MS-SSIM losses).
    """
    _check_pair(a, b)
    n_scales = 1
    while n_scales < max_scales and min(a.shape[-2:]) // 2**n_scales >= SSIM_WINDOW:
        n_scales += 1
    weights = torch.tensor(MS_SSIM_WEIGHTS[:n_scales], dtype=a.dtype, device=a.device)
    weights = weights / weights.sum()
    result = torch.ones(a.shape[0], dtype=a.dtype, device=a.device)
    for scale in range(n_scales):
        full, contrast_structure = _ssim_parts(a, b, data_range)
        term = full if scale == n_scales - 1 else contrast_structure
        result = result * term.clamp(min=1e-6) ** weights[scale]
        if scale < n_scales - 1:
            a, b = F.avg_pool2d(a, 2), F.avg_pool2d(b, 2)
    return result


def pad_to_multiple(
    x: torch.Tensor, multiple: int = 8, mode: str = "reflect"
) -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad (N, C, H, W) at the bottom/right so H and W are multiples of ``multiple``.

    Returns the padded tensor and the original ``(H, W)`` for ``crop_to_size``; whole images of
    any size can then go through an f8 autoencoder. Falls back to replicate padding where the image
    is too small to reflect.
    """
    height, width = x.shape[-2:]
    pad_h = -height % multiple
    pad_w = -width % multiple
    if pad_h == 0 and pad_w == 0:
        return x, (height, width)
    if mode == "reflect" and (pad_h >= height or pad_w >= width):
        mode = "replicate"
    return F.pad(x, (0, pad_w, 0, pad_h), mode=mode), (height, width)


def crop_to_size(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Crop (N, C, H', W') back to the top-left ``size = (H, W)`` (undoes ``pad_to_multiple``)."""
    height, width = size
    return x[..., :height, :width]


def psnr_from_mse(mse: float, data_range: float = 1.0) -> float:
    """PSNR in dB of a mean squared error (inf for zero error)."""
    return math.inf if mse == 0 else 10.0 * math.log10(data_range**2 / mse)
