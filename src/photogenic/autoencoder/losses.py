"""The autoencoder's training loss: L1 + perceptual/structural + KL + adaptive PatchGAN hinge loss.

A loss object for the project's single training loop, after latent-diffusion's
``LPIPSWithDiscriminator`` (``ldm/modules/losses/contperceptual.py``) and its kl-f8 config: the
generator step calls ``generator_loss``, the discriminator step ``discriminator_loss``. The
reference recipe also uses Adam with betas (0.5, 0.9) for both optimizers (``ADAM_BETAS``).

Reduction follows latent-diffusion: per-pixel terms are summed over each image and averaged over
the batch, and the KL is summed over latent elements, so ``kl_weight`` 1e-6 keeps its meaning.
Per-pixel means are also logged for readability.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from diffusers.models.autoencoders.vae import DiagonalGaussianDistribution
from torch import nn

from photogenic.autoencoder.discriminator import PatchDiscriminator
from photogenic.autoencoder.metrics import ms_ssim

logger = logging.getLogger(__name__)

ADAM_BETAS = (0.5, 0.9)  # latent-diffusion AutoencoderKL.configure_optimizers (both optimizers)

PerceptualFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class AutoencoderLossConfig:
    """Loss weights and schedule; defaults from latent-diffusion's kl-f8 autoencoder config."""

    l1_weight: float = 1.0
    kl_weight: float = 1e-6  # kl-f8 ``kl_weight: 0.000001`` (REFERENCE: "1e-6·KL")
    # "structural": offline 1 - MS-SSIM + image-gradient L1 (no weights needed);
    # "lpips": LPIPS-VGG from ``lpips_weights`` (a local LPIPS state dict), else falls back;
    # "none": no perceptual term.
    perceptual: Literal["structural", "lpips", "none"] = "structural"
    perceptual_weight: float = 1.0  # kl-f8 ``perceptual_weight: 1.0``
    ms_ssim_weight: float = 1.0
    edge_weight: float = 1.0
    lpips_weights: str | None = None
    disc_start: int = 50001  # kl-f8 ``disc_start: 50001``: adversarial loss off before this step
    disc_weight: float = 0.5  # kl-f8 ``disc_weight: 0.5`` (base of the adaptive weight)
    disc_factor: float = 1.0  # latent-diffusion default
    adaptive_weight_max: float = 1e4  # clamp of calculate_adaptive_weight
    disc_layers: int = 3  # PatchGAN depth (REFERENCE: 3 layers, 64 filters)
    disc_channels: int = 64
    disc_norm: Literal["batch", "group"] = "batch"
    codebook_weight: float = 1.0  # VQ models: taming's VQGAN ``codebook_weight`` (mean-reduced)


def image_gradient_l1(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-image mean L1 distance between horizontal and vertical finite differences: (N,)."""
    dx = (x[..., :, 1:] - x[..., :, :-1]) - (y[..., :, 1:] - y[..., :, :-1])
    dy = (x[..., 1:, :] - x[..., :-1, :]) - (y[..., 1:, :] - y[..., :-1, :])
    return 0.5 * (dx.abs().flatten(1).mean(1) + dy.abs().flatten(1).mean(1))


class StructuralLoss(nn.Module):
    """Offline perceptual stand-in: ``w_ssim * (1 - MS-SSIM) + w_edge * gradient L1`` per image.

    Inputs in [-1, 1] (mapped to [0, 1] for MS-SSIM); needs no downloaded weights. Images must be
    at least 11 px on each side.
    """

    def __init__(self, ms_ssim_weight: float = 1.0, edge_weight: float = 1.0) -> None:
        super().__init__()
        self.ms_ssim_weight = ms_ssim_weight
        self.edge_weight = edge_weight

    def forward(self, x: torch.Tensor, recon: torch.Tensor) -> torch.Tensor:
        """Per-image loss (N,); 0 for identical images."""
        x01, r01 = (x.float() + 1) / 2, (recon.float() + 1) / 2
        loss = self.edge_weight * image_gradient_l1(x01, r01)
        if self.ms_ssim_weight:
            loss = loss + self.ms_ssim_weight * (1 - ms_ssim(x01, r01))
        return loss


class LPIPSLoss(nn.Module):
    """LPIPS-VGG (Zhang et al. 2018) from a local state dict; always frozen and in eval mode."""

    def __init__(self, weights: str | Path) -> None:
        super().__init__()
        import lpips  # optional dependency

        # pretrained=False / pnet_rand=True: build the network without fetching anything, then
        # load every weight (VGG backbone and linear heads) from the local file.
        self.net = lpips.LPIPS(pretrained=False, net="vgg", pnet_rand=True, verbose=False)
        state = torch.load(weights, map_location="cpu", weights_only=True)
        self.net.load_state_dict(state)
        self.net.requires_grad_(False)
        self.net.eval()

    def train(self, mode: bool = True) -> LPIPSLoss:
        """Stay in eval mode (LPIPS has dropout)."""
        return super().train(False)

    def forward(self, x: torch.Tensor, recon: torch.Tensor) -> torch.Tensor:
        """Per-image LPIPS distance (N,) for inputs in [-1, 1]."""
        return self.net(x, recon).flatten(1).mean(1)


def build_perceptual(config: AutoencoderLossConfig) -> nn.Module | None:
    """The perceptual term named by ``config.perceptual``; LPIPS falls back to structural with a notice.

    LPIPS is used only when the optional ``lpips`` package imports and ``config.lpips_weights`` is
    an existing local file; nothing is ever downloaded.
    """
    if config.perceptual == "none" or config.perceptual_weight == 0:
        return None
    if config.perceptual == "lpips":
        reason = None
        if not config.lpips_weights or not Path(config.lpips_weights).is_file():
            reason = f"no local LPIPS weights file (lpips_weights={config.lpips_weights!r})"
        else:
            try:
                return LPIPSLoss(config.lpips_weights)
            except ImportError as error:
                reason = f"the optional 'lpips' package is unavailable ({error})"
        logger.warning("LPIPS skipped: %s; using the offline structural loss instead", reason)
    elif config.perceptual != "structural":
        raise ValueError(f"unknown perceptual loss {config.perceptual!r}")
    return StructuralLoss(config.ms_ssim_weight, config.edge_weight)


def hinge_d_loss(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """Discriminator hinge loss ``0.5 * (mean relu(1 - real) + mean relu(1 + fake))`` (taming)."""
    return 0.5 * (F.relu(1.0 - logits_real).mean() + F.relu(1.0 + logits_fake).mean())


def adaptive_weight(
    rec_loss: torch.Tensor,
    adv_loss: torch.Tensor,
    last_layer: torch.Tensor,
    base_weight: float = 0.5,
    max_weight: float = 1e4,
) -> torch.Tensor:
    """``base * clamp(||grad_last rec|| / (||grad_last adv|| + 1e-4), 0, max)``, detached.

    latent-diffusion's ``calculate_adaptive_weight`` (after taming-transformers / VQGAN): balances
    the adversarial gradient against the reconstruction gradient at the decoder's last layer.
    """
    rec_grad = torch.autograd.grad(rec_loss, last_layer, retain_graph=True)[0]
    adv_grad = torch.autograd.grad(adv_loss, last_layer, retain_graph=True)[0]
    weight = torch.norm(rec_grad) / (torch.norm(adv_grad) + 1e-4)
    return torch.clamp(weight, 0.0, max_weight).detach() * base_weight


@contextmanager
def _frozen(module: nn.Module) -> Iterator[None]:
    """Let gradients pass through ``module`` to its input without accumulating in its parameters."""
    flags = [p.requires_grad for p in module.parameters()]
    module.requires_grad_(False)
    try:
        yield
    finally:
        for param, flag in zip(module.parameters(), flags, strict=True):
            param.requires_grad_(flag)


class AutoencoderLoss(nn.Module):
    """Generator and discriminator losses of the adversarial KL autoencoder (owns the discriminator).

    Optimise ``loss.discriminator.parameters()`` with a second optimizer. Before
    ``config.disc_start`` the adversarial term and the discriminator loss are exactly zero (and the
    discriminator is not run); ``adversarial_active(step)`` tells the loop whether to take a
    discriminator step at all.
    """

    def __init__(self, config: AutoencoderLossConfig | None = None) -> None:
        super().__init__()
        self.config = config or AutoencoderLossConfig()
        self.discriminator = PatchDiscriminator(
            in_channels=3,
            base_channels=self.config.disc_channels,
            n_layers=self.config.disc_layers,
            norm=self.config.disc_norm,
        )
        self.perceptual = build_perceptual(self.config)

    def adversarial_active(self, step: int) -> bool:
        """Whether the adversarial terms are on at ``step`` (latent-diffusion ``adopt_weight``)."""
        return step >= self.config.disc_start and self.config.disc_factor > 0

    def reconstruction_terms(
        self, x: torch.Tensor, recon: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per-image ``(l1_mean, perceptual, rec_sum)``; ``rec_sum`` is the summed pixel loss."""
        l1 = (x - recon).abs().flatten(1).mean(1)
        if self.perceptual is not None:
            perceptual = self.perceptual(x, recon)
        else:
            perceptual = torch.zeros_like(l1)
        # latent-diffusion broadcasts the per-image perceptual value over every pixel, then sums.
        numel = x[0].numel()
        rec_sum = (self.config.l1_weight * l1 + self.config.perceptual_weight * perceptual) * numel
        return l1, perceptual, rec_sum

    def generator_loss(
        self,
        x: torch.Tensor,
        recon: torch.Tensor,
        posterior: DiagonalGaussianDistribution | torch.Tensor,
        step: int,
        last_layer: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Autoencoder loss and detached logs for images ``x`` and ``recon`` in [-1, 1].

        ``posterior``: the KL autoencoder's latent distribution (its KL is the regulariser), or a
        VQ model's codebook + commitment loss (a mean, as diffusers' ``VQModel`` returns it; scaled
        by the pixels per image to match the summed pixel loss, so ``codebook_weight`` keeps
        taming's meaning). ``last_layer`` is the decoder's last weight for the adaptive adversarial
        weight; without it (or without grad) the adaptive weight is 0.
        """
        cfg = self.config
        l1, perceptual, rec_sum = self.reconstruction_terms(x, recon)
        nll = rec_sum.mean()
        if isinstance(posterior, torch.Tensor):
            kl = posterior.mean()  # logged as ae/kl: the VQ model's regulariser
            loss = nll + cfg.codebook_weight * x[0].numel() * kl
        else:
            kl = posterior.kl().mean()  # kl() sums over latent elements per image
            loss = nll + cfg.kl_weight * kl
        zero = torch.zeros((), device=x.device, dtype=nll.dtype)
        g_loss, d_weight = zero, zero
        if self.adversarial_active(step):
            with _frozen(self.discriminator):
                g_loss = -self.discriminator(recon).mean()
            if last_layer is not None and torch.is_grad_enabled() and nll.requires_grad:
                d_weight = adaptive_weight(
                    nll, g_loss, last_layer, cfg.disc_weight, cfg.adaptive_weight_max
                )
            loss = loss + d_weight * cfg.disc_factor * g_loss
        logs = {
            "ae/loss": loss,
            "ae/l1": l1.mean(),
            "ae/perceptual": perceptual.mean(),
            "ae/nll": nll,
            "ae/kl": kl,
            "ae/g_loss": g_loss,
            "ae/d_weight": d_weight,
        }
        return loss, {k: v.detach() for k, v in logs.items()}

    def discriminator_loss(
        self, x: torch.Tensor, recon: torch.Tensor, step: int
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Hinge loss of the PatchGAN on real ``x`` vs detached ``recon``; exactly 0 before start."""
        if not self.adversarial_active(step):
            zero = torch.zeros((), device=x.device)
            return zero, {"disc/loss": zero, "disc/logits_real": zero, "disc/logits_fake": zero}
        logits_real = self.discriminator(x.detach())
        logits_fake = self.discriminator(recon.detach())
        loss = self.config.disc_factor * hinge_d_loss(logits_real, logits_fake)
        logs = {
            "disc/loss": loss,
            "disc/logits_real": logits_real.mean(),
            "disc/logits_fake": logits_fake.mean(),
        }
        return loss, {k: v.detach() for k, v in logs.items()}
