"""The Emu-style autoencoder: Fourier feature lift, KL autoencoder, presets, losses, metrics."""

from photogenic.autoencoder.discriminator import PatchDiscriminator
from photogenic.autoencoder.fourier import FourierFeatures
from photogenic.autoencoder.losses import AutoencoderLoss, AutoencoderLossConfig
from photogenic.autoencoder.metrics import crop_to_size, ms_ssim, pad_to_multiple, psnr, ssim
from photogenic.autoencoder.model import FourierAutoencoderKL, compute_latent_stats
from photogenic.autoencoder.presets import AUTOENCODER_PRESETS, make_autoencoder

__all__ = [
    "AUTOENCODER_PRESETS",
    "AutoencoderLoss",
    "AutoencoderLossConfig",
    "FourierAutoencoderKL",
    "FourierFeatures",
    "PatchDiscriminator",
    "compute_latent_stats",
    "crop_to_size",
    "make_autoencoder",
    "ms_ssim",
    "pad_to_multiple",
    "psnr",
    "ssim",
]
