"""Per-image seeds and noise: the same (seed, prompt id, image index) gives the same noise whatever
the batch it lands in, so model A and model B start every image from identical latents."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from photogenic.train.seeding import derive_seed


def image_seed(seed: int, prompt_id: str, index: int) -> int:
    """The seed of image ``index`` of prompt ``prompt_id`` under the run seed ``seed``."""
    return derive_seed(seed, "sample", prompt_id, index)


def image_generator(image_seed: int, stream: str = "latents") -> torch.Generator:
    """A CPU generator for one image: ``latents`` draws its initial noise, ``steps`` the noise of
    stochastic schedulers (separate streams, so the two are not correlated)."""
    value = image_seed if stream == "latents" else derive_seed(image_seed, stream)
    return torch.Generator(device="cpu").manual_seed(value)


def initial_latents(
    seeds: Sequence[int], shape: Sequence[int], dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """Standard-normal latents ``(len(seeds), *shape)``, each row drawn from its own generator on the
    CPU (so the noise is the same on every device and in every batch)."""
    rows = [torch.randn(tuple(shape), generator=image_generator(s)) for s in seeds]
    return torch.stack(rows).to(dtype)
