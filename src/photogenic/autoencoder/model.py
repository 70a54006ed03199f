"""The KL autoencoder with an optional Fourier-feature input lift, a drop-in for ``AutoencoderKL``.

Built from diffusers' own ``Encoder``/``Decoder``/``DiagonalGaussianDistribution`` so that a
pipeline (``StableDiffusionPipeline`` and friends) can use it as its ``vae`` and
``DiffusionPipeline.from_pretrained`` can reload it: ``save_pretrained`` records the component as
``["photogenic.autoencoder.model", "FourierAutoencoderKL"]`` in ``model_index.json``, and diffusers
resolves that from ``sys.modules`` (so ``import photogenic.autoencoder`` before loading).

Emu §3.1: three 2x downsamplings (f8), more latent channels (4 -> 16) and a Fourier feature lift of
the RGB input improve reconstruction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch

# ``ModelMixin`` must stay importable from this module by that name: for a component from a library
# other than diffusers/transformers, ``DiffusionPipeline.from_pretrained`` looks up
# ``getattr(module, "ModelMixin")`` to pick the load method.
from diffusers import AutoencoderKL, ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from diffusers.models.attention import AttentionMixin
from diffusers.models.autoencoders.vae import (
    AutoencoderMixin,
    Decoder,
    DecoderOutput,
    DiagonalGaussianDistribution,
    Encoder,
)
from diffusers.models.modeling_outputs import AutoencoderKLOutput
from diffusers.utils.accelerate_utils import apply_forward_hook
from torch import nn

from photogenic.autoencoder.fourier import FourierFeatures

__all__ = ["FourierAutoencoderKL", "compute_latent_stats"]


class FourierAutoencoderKL(ModelMixin, AttentionMixin, AutoencoderMixin, ConfigMixin):
    """KL autoencoder (``AutoencoderKL`` API) whose encoder sees ``FourierFeatures(x)``.

    ``in_channels`` is the image's channel count (3); the encoder's ``conv_in`` takes
    ``in_channels * (1 + 2 * len(fourier_frequencies))``. ``len(block_out_channels) - 1`` is the
    number of 2x downsamplings (4 blocks = f8, as pipelines compute ``vae_scale_factor``).
    ``scaling_factor``/``shift_factor`` map latents for the diffusion model:
    ``(z - shift_factor) * scaling_factor`` (SD-family pipelines ignore the shift; keep it ``None``
    there, see ``compute_latent_stats``).
    """

    _supports_gradient_checkpointing = True
    _no_split_modules = ["BasicTransformerBlock", "ResnetBlock2D"]

    @register_to_config
    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        down_block_types: Sequence[str] = ("DownEncoderBlock2D",) * 4,
        up_block_types: Sequence[str] = ("UpDecoderBlock2D",) * 4,
        block_out_channels: Sequence[int] = (128, 256, 512, 512),
        layers_per_block: int = 2,
        act_fn: str = "silu",
        latent_channels: int = 16,
        norm_num_groups: int = 32,
        sample_size: int = 256,
        fourier_frequencies: Sequence[int] | None = None,
        scaling_factor: float = 1.0,
        shift_factor: float | None = None,
        force_upcast: bool = True,
        use_quant_conv: bool = True,
        use_post_quant_conv: bool = True,
        mid_block_add_attention: bool = True,
    ) -> None:
        super().__init__()
        if len(down_block_types) != len(block_out_channels) or len(up_block_types) != len(
            block_out_channels
        ):
            raise ValueError("down_block_types and up_block_types need one entry per block")
        self.fourier = FourierFeatures(fourier_frequencies)
        self.encoder = Encoder(
            in_channels=self.fourier.out_channels(in_channels),
            out_channels=latent_channels,
            down_block_types=tuple(down_block_types),
            block_out_channels=tuple(block_out_channels),
            layers_per_block=layers_per_block,
            act_fn=act_fn,
            norm_num_groups=norm_num_groups,
            double_z=True,
            mid_block_add_attention=mid_block_add_attention,
        )
        self.decoder = Decoder(
            in_channels=latent_channels,
            out_channels=out_channels,
            up_block_types=tuple(up_block_types),
            block_out_channels=tuple(block_out_channels),
            layers_per_block=layers_per_block,
            norm_num_groups=norm_num_groups,
            act_fn=act_fn,
            mid_block_add_attention=mid_block_add_attention,
        )
        self.quant_conv = (
            nn.Conv2d(2 * latent_channels, 2 * latent_channels, 1) if use_quant_conv else None
        )
        self.post_quant_conv = (
            nn.Conv2d(latent_channels, latent_channels, 1) if use_post_quant_conv else None
        )

        self.use_slicing = False
        self.use_tiling = False
        # Tiling parameters as in AutoencoderKL (its tiled code paths are reused below).
        self.tile_sample_min_size = sample_size
        self.tile_latent_min_size = int(sample_size / 2 ** (len(block_out_channels) - 1))
        self.tile_overlap_factor = 0.25

    # Tiled encode/decode is AutoencoderKL's own code: the Fourier lift is per pixel, so lifting
    # the whole image and then tiling equals tiling and then lifting each tile.
    _tiled_encode = AutoencoderKL._tiled_encode
    tiled_decode = AutoencoderKL.tiled_decode
    blend_v = AutoencoderKL.blend_v
    blend_h = AutoencoderKL.blend_h

    @property
    def last_decoder_layer(self) -> torch.Tensor:
        """Weight of the decoder's final conv (for the adaptive adversarial weight)."""
        return self.decoder.conv_out.weight

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        h = self.fourier(x)
        if self.use_tiling and (
            x.shape[-1] > self.tile_sample_min_size or x.shape[-2] > self.tile_sample_min_size
        ):
            return self._tiled_encode(h)
        h = self.encoder(h)
        if self.quant_conv is not None:
            h = self.quant_conv(h)
        return h

    @apply_forward_hook
    def encode(
        self, x: torch.Tensor, return_dict: bool = True
    ) -> AutoencoderKLOutput | tuple[DiagonalGaussianDistribution]:
        """Encode images in [-1, 1] (N, 3, H, W) to a diagonal Gaussian posterior."""
        if self.use_slicing and x.shape[0] > 1:
            h = torch.cat([self._encode(part) for part in x.split(1)])
        else:
            h = self._encode(x)
        posterior = DiagonalGaussianDistribution(h)
        if not return_dict:
            return (posterior,)
        return AutoencoderKLOutput(latent_dist=posterior)

    def _decode(self, z: torch.Tensor) -> torch.Tensor:
        if self.use_tiling and (
            z.shape[-1] > self.tile_latent_min_size or z.shape[-2] > self.tile_latent_min_size
        ):
            return self.tiled_decode(z).sample
        if self.post_quant_conv is not None:
            z = self.post_quant_conv(z)
        return self.decoder(z)

    @apply_forward_hook
    def decode(
        self,
        z: torch.Tensor,
        return_dict: bool = True,
        generator: torch.Generator | None = None,
    ) -> DecoderOutput | tuple[torch.Tensor]:
        """Decode unscaled latents (N, latent_channels, h, w) to images in about [-1, 1]."""
        if self.use_slicing and z.shape[0] > 1:
            decoded = torch.cat([self._decode(part) for part in z.split(1)])
        else:
            decoded = self._decode(z)
        if not return_dict:
            return (decoded,)
        return DecoderOutput(sample=decoded)

    def forward(
        self,
        sample: torch.Tensor,
        sample_posterior: bool = False,
        return_dict: bool = True,
        generator: torch.Generator | None = None,
    ) -> DecoderOutput | tuple[torch.Tensor]:
        """Reconstruct ``sample``: encode, take the posterior mode (or a sample), decode."""
        posterior = self.encode(sample).latent_dist
        z = posterior.sample(generator=generator) if sample_posterior else posterior.mode()
        decoded = self.decode(z).sample
        if not return_dict:
            return (decoded,)
        return DecoderOutput(sample=decoded)


@torch.no_grad()
def compute_latent_stats(
    model: FourierAutoencoderKL,
    batches: Iterable[torch.Tensor],
    *,
    with_shift: bool = True,
    sample_posterior: bool = True,
    generator: torch.Generator | None = None,
) -> tuple[float, float | None]:
    """Measure latent scale (1/std) and shift (mean) over ``batches`` and store them in the config.

    Latent scale = 1/std and shift = mean of the latents over the data (latent-diffusion §4.3.2 /
    SD3-style shift), so ``(z - shift) * scale`` has zero mean and unit variance. ``batches`` yields
    images in [-1, 1]. With ``with_shift=False`` the std is taken about zero and the shift is
    stored as ``None`` (what SD/SDXL pipelines expect: they only divide by ``scaling_factor``).
    Returns ``(scale, shift)``.
    """
    total = total_sq = 0.0
    count = 0
    for images in batches:
        images = images.to(device=model.device, dtype=model.dtype)
        posterior = model.encode(images).latent_dist
        z = posterior.sample(generator=generator) if sample_posterior else posterior.mode()
        z = z.double()
        total += z.sum().item()
        total_sq += (z * z).sum().item()
        count += z.numel()
    if count == 0:
        raise ValueError("compute_latent_stats needs at least one batch")
    mean = total / count if with_shift else 0.0
    var = total_sq / count - mean * mean
    if var <= 0:
        raise ValueError("latents have zero variance; cannot compute a scaling factor")
    scale = float(var**-0.5)
    shift = float(mean) if with_shift else None
    model.register_to_config(scaling_factor=scale, shift_factor=shift)
    return scale, shift
