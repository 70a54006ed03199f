"""FourierFeatures, FourierAutoencoderKL, presets, latent stats, and the diffusers drop-in."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from diffusers import (
    DDIMScheduler,
    DiffusionPipeline,
    StableDiffusionPipeline,
    UNet2DConditionModel,
)
from PIL import Image
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

from photogenic.autoencoder import (
    AUTOENCODER_PRESETS,
    FourierAutoencoderKL,
    FourierFeatures,
    compute_latent_stats,
    make_autoencoder,
)
from photogenic.errors import PhotogenicError


def images(n: int = 2, size: int = 32, seed: int = 0) -> torch.Tensor:
    """Random images in [-1, 1]."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=generator) * 2 - 1


def tiny_ae(
    latent_channels: int = 16, frequencies: list[int] | None = None
) -> FourierAutoencoderKL:
    torch.manual_seed(0)
    return make_autoencoder("tiny", latent_channels, frequencies)


# -- Fourier features ------------------------------------------------------------------------


def test_fourier_channel_count_and_values() -> None:
    lift = FourierFeatures([0, 1, 3])
    assert lift.out_channels(3) == 3 * (1 + 2 * 3)
    x = torch.full((1, 3, 2, 2), 0.25)
    out = lift(x)
    assert out.shape == (1, 21, 2, 2)
    # Channel blocks: x, sin(2^0 pi x), cos(2^0 pi x), sin(2^1 pi x), cos(2^1 pi x), ...
    assert torch.equal(out[:, :3], x)
    assert out[0, 3, 0, 0].item() == pytest.approx(math.sin(math.pi / 4), abs=1e-6)
    assert out[0, 6, 0, 0].item() == pytest.approx(math.cos(math.pi / 4), abs=1e-6)
    assert out[0, 9, 0, 0].item() == pytest.approx(math.sin(math.pi / 2), abs=1e-6)
    assert out[0, 12, 0, 0].item() == pytest.approx(math.cos(math.pi / 2), abs=1e-6)
    assert out[0, 15, 0, 0].item() == pytest.approx(math.sin(2 * math.pi), abs=1e-6)


def test_fourier_has_no_state_and_plain_is_identity() -> None:
    lift = FourierFeatures([0, 1, 2])
    assert list(lift.parameters()) == [] and list(lift.buffers()) == []
    assert lift.state_dict() == {}
    x = images(1, 8)
    for plain in (FourierFeatures(None), FourierFeatures([])):
        assert plain.out_channels(3) == 3
        assert plain(x) is x


def test_encoder_input_channels() -> None:
    assert tiny_ae(4).encoder.conv_in.in_channels == 3
    assert tiny_ae(4, [0, 2, 4, 6]).encoder.conv_in.in_channels == 3 * (1 + 2 * 4)
    fourier_params = {n for n, _ in tiny_ae(4, [0, 1]).named_parameters() if "fourier" in n}
    assert fourier_params == set()


# -- Model -----------------------------------------------------------------------------------


@pytest.mark.parametrize("channels", [4, 16])
def test_encode_decode_shapes(channels: int) -> None:
    model = tiny_ae(channels, [0, 1])
    x = images()
    posterior = model.encode(x).latent_dist
    assert posterior.mean.shape == (2, channels, 4, 4)  # f8: 32 -> 4
    assert posterior.sample().shape == posterior.mode().shape == (2, channels, 4, 4)
    assert posterior.kl().shape == (2,)
    decoded = model.decode(posterior.mode())
    assert decoded.sample.shape == x.shape
    assert model(x).sample.shape == x.shape
    assert model.config.latent_channels == channels
    assert 2 ** (len(model.config.block_out_channels) - 1) == 8  # pipelines' vae_scale_factor
    assert model.last_decoder_layer is model.decoder.conv_out.weight
    assert model.dtype == torch.float32 and model.device.type == "cpu"


def test_forward_posterior_sampling_is_seeded() -> None:
    model = tiny_ae(4)
    x = images()
    first = model(x, sample_posterior=True, generator=torch.Generator().manual_seed(3)).sample
    again = model(x, sample_posterior=True, generator=torch.Generator().manual_seed(3)).sample
    assert torch.equal(first, again)
    assert not torch.equal(first, model(x).sample)


def test_slicing_and_tiling() -> None:
    model = tiny_ae(4, [0])
    x = images(2, 32)
    with torch.no_grad():
        reference = model(x).sample
        model.enable_slicing()
        assert torch.allclose(model(x).sample, reference, atol=1e-5)
        model.disable_slicing()
        model.enable_tiling()
        model.tile_sample_min_size, model.tile_latent_min_size = 32, 4
        big = images(1, 64)
        assert model.encode(big).latent_dist.mean.shape == (1, 4, 8, 8)
        assert model(big).sample.shape == big.shape


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = tiny_ae(16, [0, 1, 2])
    model.eval()
    model.save_pretrained(tmp_path / "ae")
    loaded = FourierAutoencoderKL.from_pretrained(tmp_path / "ae")
    loaded.eval()
    assert list(loaded.config.fourier_frequencies) == [0, 1, 2]
    assert loaded.config.latent_channels == 16
    x = images()
    with torch.no_grad():
        assert torch.equal(model(x).sample, loaded(x).sample)


def test_compute_latent_stats_normalises_latents() -> None:
    model = tiny_ae(4, [0])
    batches = [images(2, 32, seed) for seed in range(3)]
    scale, shift = compute_latent_stats(model, batches, sample_posterior=False)
    assert model.config.scaling_factor == scale
    assert model.config.shift_factor == shift
    with torch.no_grad():
        z = torch.cat([model.encode(b).latent_dist.mode() for b in batches])
    normalised = (z - model.config.shift_factor) * model.config.scaling_factor
    assert normalised.mean().item() == pytest.approx(0.0, abs=1e-4)
    assert normalised.std(unbiased=False).item() == pytest.approx(1.0, abs=1e-4)

    scale, shift = compute_latent_stats(model, batches, with_shift=False, sample_posterior=False)
    assert shift is None and model.config.shift_factor is None
    assert (z * scale).pow(2).mean().item() == pytest.approx(1.0, abs=1e-4)


# -- Presets ---------------------------------------------------------------------------------


def test_presets_registry_and_errors() -> None:
    assert {"tiny", "small", "base"} <= set(AUTOENCODER_PRESETS.names())
    base = AUTOENCODER_PRESETS.get("base")()
    assert base.block_out_channels == (128, 256, 512, 512) and base.layers_per_block == 2
    assert AUTOENCODER_PRESETS.get("small")().block_out_channels == (32, 64, 64, 64)
    assert AUTOENCODER_PRESETS.get("wide")().block_out_channels == (64, 128, 128, 128)
    f4 = make_autoencoder("small-f4", 16, [0, 1])
    with torch.no_grad():
        latents = f4.encode(torch.zeros(1, 3, 64, 64)).latent_dist.mode()
    assert latents.shape == (1, 16, 16, 16)  # two 2x downsamplings where small has three
    with pytest.raises(PhotogenicError, match="tiny"):
        make_autoencoder("huge")
    with pytest.raises(PhotogenicError, match="wings"):
        make_autoencoder("tiny", wings=2)
    model = make_autoencoder("tiny", 8, None, layers_per_block=2, scaling_factor=0.5)
    assert model.config.layers_per_block == 2 and model.config.scaling_factor == 0.5
    assert model.config.fourier_frequencies == []


# -- Drop-in for diffusers pipelines ---------------------------------------------------------


def tiny_tokenizer() -> CLIPTokenizer:
    """A character-level CLIP BPE tokenizer from an in-memory vocabulary (no download)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    tokens = ["<|startoftext|>", "<|endoftext|>", *letters, *(c + "</w>" for c in letters)]
    vocab = {token: i for i, token in enumerate(tokens)}
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


def tiny_pipeline(vae: FourierAutoencoderKL) -> StableDiffusionPipeline:
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=4,
        in_channels=16,
        out_channels=16,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=16,
        attention_head_dim=2,
        norm_num_groups=4,
    )
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            hidden_size=16,
            intermediate_size=32,
            num_attention_heads=2,
            num_hidden_layers=1,
            vocab_size=64,
        )
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        steps_offset=1,
    )
    return StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tiny_tokenizer(),
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def generate(pipe: DiffusionPipeline, output_type: str = "pil"):
    return pipe(
        "a photo of a cat",
        num_inference_steps=2,
        height=32,
        width=32,
        guidance_scale=2.0,
        generator=torch.Generator().manual_seed(0),
        output_type=output_type,
    ).images


def test_drop_in_stable_diffusion_pipeline(tmp_path: Path) -> None:
    vae = tiny_ae(16, [0, 1])
    vae.register_to_config(scaling_factor=0.7)
    pipe = tiny_pipeline(vae)
    assert pipe.tokenizer("a cat").input_ids == [0, 28, 4, 2, 47, 1]
    assert pipe.vae_scale_factor == 8
    [image] = generate(pipe)
    assert isinstance(image, Image.Image) and image.size == (32, 32)

    pipe.save_pretrained(tmp_path / "pipe")
    index = json.loads((tmp_path / "pipe" / "model_index.json").read_text())
    assert index["vae"] == ["photogenic.autoencoder.model", "FourierAutoencoderKL"]

    reloaded = DiffusionPipeline.from_pretrained(tmp_path / "pipe")
    assert isinstance(reloaded, StableDiffusionPipeline)
    assert isinstance(reloaded.vae, FourierAutoencoderKL)
    assert reloaded.vae.config.scaling_factor == 0.7
    assert list(reloaded.vae.config.fourier_frequencies) == [0, 1]
    assert torch.equal(
        torch.as_tensor(generate(pipe, "pt")), torch.as_tensor(generate(reloaded, "pt"))
    )
