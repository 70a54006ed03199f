"""AutoencoderLoss: reconstruction terms, KL, PatchGAN hinge loss, adaptive weight, schedule."""

from __future__ import annotations

import logging

import pytest
import torch
import torch.nn.functional as F

from photogenic.autoencoder import (
    AutoencoderLoss,
    AutoencoderLossConfig,
    PatchDiscriminator,
    make_autoencoder,
)
from photogenic.autoencoder.losses import StructuralLoss, adaptive_weight, hinge_d_loss


def images(n: int = 2, size: int = 32, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=generator) * 2 - 1


def smooth_images(n: int = 2, size: int = 32, seed: int = 0) -> torch.Tensor:
    """Images with structure at several scales (noise plus upsampled coarse noise)."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, size // 4, size // 4, generator=generator)
    fine = torch.rand(n, 3, size, size, generator=generator)
    return (0.7 * F.interpolate(coarse, size=size, mode="nearest") + 0.3 * fine) * 2 - 1


def blur(x: torch.Tensor, k: int) -> torch.Tensor:
    return F.avg_pool2d(F.pad(x, [k // 2] * 4, mode="reflect"), k, stride=1)


def setup(disc_start: int = 5):
    torch.manual_seed(0)
    model = make_autoencoder("tiny", 4, [0, 1])
    loss = AutoencoderLoss(AutoencoderLossConfig(disc_start=disc_start, disc_channels=8))
    x = images()
    posterior = model.encode(x).latent_dist
    recon = model.decode(posterior.sample()).sample
    return model, loss, x, posterior, recon


def test_defaults_follow_reference_recipe() -> None:
    cfg = AutoencoderLossConfig()
    assert cfg.kl_weight == 1e-6 and cfg.disc_layers == 3 and cfg.disc_channels == 64
    assert cfg.disc_weight == 0.5 and cfg.disc_start > 0 and cfg.perceptual == "structural"


def test_adversarial_parts_are_zero_before_disc_start() -> None:
    model, loss, x, posterior, recon = setup(disc_start=5)
    calls = []
    loss.discriminator.register_forward_hook(lambda *args: calls.append(1))
    total, logs = loss.generator_loss(
        x, recon, posterior, step=4, last_layer=model.last_decoder_layer
    )
    assert logs["ae/g_loss"].item() == 0.0 and logs["ae/d_weight"].item() == 0.0
    expected = logs["ae/nll"] + 1e-6 * logs["ae/kl"]
    assert total.item() == pytest.approx(expected.item(), rel=1e-6)
    d_loss, d_logs = loss.discriminator_loss(x, recon, step=4)
    assert d_loss.item() == 0.0 and d_logs["disc/loss"].item() == 0.0
    assert calls == [] and not loss.adversarial_active(4) and loss.adversarial_active(5)

    total, logs = loss.generator_loss(
        x, recon, posterior, step=5, last_layer=model.last_decoder_layer
    )
    assert logs["ae/d_weight"].item() > 0 and logs["ae/g_loss"].item() != 0.0
    assert loss.discriminator_loss(x, recon, step=5)[0].item() > 0


def test_hinge_loss() -> None:
    real, fake = torch.full((2, 1, 2, 2), 5.0), torch.full((2, 1, 2, 2), -5.0)
    assert hinge_d_loss(real, fake).item() == 0.0
    assert hinge_d_loss(fake, real).item() == pytest.approx(6.0)
    assert hinge_d_loss(torch.zeros(4), torch.zeros(4)).item() == pytest.approx(1.0)


def test_adaptive_weight_matches_hand_computation() -> None:
    weight = torch.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    rec = (weight**2).sum()  # gradient 2w
    adv = (3 * weight).sum()  # gradient 3 everywhere
    expected = 0.5 * (2 * weight.detach()).norm() / (torch.full((2, 2), 3.0).norm() + 1e-4)
    got = adaptive_weight(rec, adv, weight, base_weight=0.5)
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)
    assert not got.requires_grad
    # A vanishing adversarial gradient is clamped to 1e4 * base.
    clamped = adaptive_weight(rec, 0 * weight.sum(), weight, base_weight=0.5)
    assert clamped.item() == pytest.approx(0.5 * 1e4)


def test_gradients_flow_to_autoencoder_not_discriminator() -> None:
    model, loss, x, posterior, recon = setup(disc_start=0)
    total, _ = loss.generator_loss(x, recon, posterior, step=0, last_layer=model.last_decoder_layer)
    total.backward()
    assert model.encoder.conv_in.weight.grad.abs().sum() > 0
    assert model.decoder.conv_out.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in loss.discriminator.parameters())
    assert all(p.requires_grad for p in loss.discriminator.parameters())

    model.zero_grad()
    d_loss, _ = loss.discriminator_loss(x, recon, step=0)
    d_loss.backward()
    assert all(p.grad is not None for p in loss.discriminator.parameters())
    assert all(p.grad is None for p in model.parameters())


def test_reconstruction_terms_zero_for_identical_and_grow_with_blur() -> None:
    loss = AutoencoderLoss(AutoencoderLossConfig(disc_channels=8))
    x = smooth_images()
    l1, perceptual, rec_sum = loss.reconstruction_terms(x, x)
    assert torch.all(l1 == 0) and torch.all(rec_sum.abs() < 1e-3)
    assert torch.all(perceptual.abs() < 1e-6)
    _, mild, _ = loss.reconstruction_terms(x, blur(x, 3))
    _, strong, _ = loss.reconstruction_terms(x, blur(x, 5))
    assert torch.all(mild > 0.01) and torch.all(strong > mild)
    # The edge term alone on piecewise-constant images: a wider blur spreads each step further.
    edges_only = StructuralLoss(ms_ssim_weight=0.0, edge_weight=1.0)
    blocks = F.interpolate(images(2, 8), size=32, mode="nearest")
    assert edges_only(blocks, blocks).abs().max() == 0
    assert torch.all(edges_only(blocks, blur(blocks, 5)) > edges_only(blocks, blur(blocks, 3)))


def test_lpips_without_local_weights_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        loss = AutoencoderLoss(AutoencoderLossConfig(perceptual="lpips", disc_channels=8))
    assert isinstance(loss.perceptual, StructuralLoss)
    assert "LPIPS skipped" in caplog.text
    assert (
        AutoencoderLoss(AutoencoderLossConfig(perceptual="none", disc_channels=8)).perceptual
        is None
    )


def test_patch_discriminator() -> None:
    torch.manual_seed(0)
    disc = PatchDiscriminator()
    assert disc(images(2, 32)).shape == (2, 1, 2, 2)
    first_conv = disc.main[0].weight
    assert first_conv.std().item() == pytest.approx(0.02, rel=0.2)
    with pytest.raises(ValueError, match="at least 24 px"):
        disc(images(1, 16))
    grouped = PatchDiscriminator(base_channels=8, norm="group", num_groups=4)
    assert any(isinstance(m, torch.nn.GroupNorm) for m in grouped.modules())
    assert grouped(images(1, 24)).shape == (1, 1, 1, 1)
    assert PatchDiscriminator(n_layers=2, base_channels=8)(images(1, 16)).shape == (1, 1, 2, 2)
