"""The diffusion objective: targets, noise offset, min-SNR weighting, per-item randomness."""

from __future__ import annotations

import pytest
import torch
from diffusers import DDPMScheduler

from photogenic.errors import PhotogenicError
from photogenic.train.objective import (
    DiffusionObjectiveConfig,
    diffusion_loss,
    diffusion_target,
    draw_noise,
    ignored_options,
    noisy_inputs,
)
from photogenic.train.task import StepContext


def _ctx(indices: list[int], step: int = 3) -> StepContext:
    return StepContext(seed=7, step=step, indices=indices, generator=torch.Generator())


def test_each_item_draws_the_same_noise_whatever_the_batch_split() -> None:
    latents = torch.zeros(4, 16, 8, 8)
    whole = draw_noise(latents, _ctx([10, 11, 12, 13]), 0.1)
    halves = torch.cat(
        [draw_noise(latents[:2], _ctx([10, 11]), 0.1), draw_noise(latents[2:], _ctx([12, 13]), 0.1)]
    )
    assert torch.equal(whole, halves)
    assert not torch.equal(whole, draw_noise(latents, _ctx([10, 11, 12, 13], step=4), 0.1))


def test_noise_offset_adds_a_per_channel_constant() -> None:
    latents = torch.zeros(64, 4, 16, 16)
    plain = draw_noise(latents, _ctx(list(range(64))), 0.0)
    offset = draw_noise(latents, _ctx(list(range(64))), 0.5)
    shift = offset - plain
    # the difference is constant over each item's channel plane, with std ≈ 0.5 across items
    assert torch.allclose(shift, shift[..., :1, :1].expand_as(shift), atol=1e-6)
    assert 0.4 < shift[:, :, 0, 0].std().item() < 0.6
    # the per-channel means of the noise spread more with the offset (paper §3.4)
    assert offset.mean(dim=(2, 3)).std() > 3 * plain.mean(dim=(2, 3)).std()


def test_targets_follow_the_prediction_type() -> None:
    scheduler = DDPMScheduler(num_train_timesteps=1000)
    latents, noise = torch.randn(2, 4, 4, 4), torch.randn(2, 4, 4, 4)
    t = torch.tensor([10, 900])
    assert torch.equal(diffusion_target(scheduler, latents, noise, t, "epsilon"), noise)
    assert torch.equal(diffusion_target(scheduler, latents, noise, t, "sample"), latents)
    v = diffusion_target(scheduler, latents, noise, t, "v_prediction")
    a = scheduler.alphas_cumprod[t].sqrt().view(-1, 1, 1, 1)
    s = (1 - scheduler.alphas_cumprod[t]).sqrt().view(-1, 1, 1, 1)
    torch.testing.assert_close(v, a * noise - s * latents)
    with pytest.raises(PhotogenicError, match="prediction_type 'x0'"):
        diffusion_target(scheduler, latents, noise, t, "x0")


def test_min_snr_weighting_matches_a_hand_computation() -> None:
    scheduler = DDPMScheduler(num_train_timesteps=1000)
    t = torch.tensor([5, 800])
    pred, target = torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2)
    ac = scheduler.alphas_cumprod[t]
    snr = ac / (1 - ac)
    expected = (torch.clamp(snr, max=5.0) / snr).mean()
    got = diffusion_loss(pred, target, scheduler, t, "epsilon", snr_gamma=5.0)
    torch.testing.assert_close(got, expected)
    assert snr[0] > 5 > snr[1]  # the low-noise step is down-weighted, the high-noise one is not
    assert diffusion_loss(pred, target, scheduler, t, "epsilon") == 1.0


def test_noisy_inputs_use_the_scheduler_prediction_type_by_default() -> None:
    scheduler = DDPMScheduler(num_train_timesteps=1000, prediction_type="v_prediction")
    latents = torch.randn(3, 4, 4, 4)
    noisy, t, noise, target, kind = noisy_inputs(
        scheduler, latents, _ctx([0, 1, 2]), DiffusionObjectiveConfig()
    )
    assert kind == "v_prediction"
    torch.testing.assert_close(noisy, scheduler.add_noise(latents, noise, t))
    torch.testing.assert_close(target, scheduler.get_velocity(latents, noise, t))
    assert ((t >= 0) & (t < 1000)).all()


def test_timestep_bias_draws_the_later_share_as_often_as_asked() -> None:
    from photogenic.train.objective import draw_timesteps, timestep_weights

    items = list(range(4000))
    plain = DiffusionObjectiveConfig()
    assert torch.equal(
        draw_timesteps(1000, _ctx(items), plain), _ctx(items).randint(0, 1000, "timestep")
    )  # "none" keeps the uniform draw of earlier runs
    later = DiffusionObjectiveConfig(
        timestep_bias="later", timestep_bias_portion=0.5, timestep_bias_multiplier=3.0
    )
    drawn = draw_timesteps(1000, _ctx(items), later)
    assert drawn.min() >= 0 and drawn.max() <= 999
    share = float((drawn >= 500).double().mean())  # expected 3 / (3 + 1) = 0.75
    assert abs(share - 0.75) < 0.03
    earlier = DiffusionObjectiveConfig(timestep_bias="earlier", timestep_bias_multiplier=4.0)
    weights = timestep_weights(1000, earlier)
    assert weights[:250].eq(4).all() and weights[250:].eq(1).all()
    with pytest.raises(PhotogenicError, match="timestep_bias_portion"):
        timestep_weights(
            1000, DiffusionObjectiveConfig(timestep_bias="later", timestep_bias_portion=0)
        )
    with pytest.raises(PhotogenicError, match="timestep_bias 'middle'"):
        timestep_weights(1000, DiffusionObjectiveConfig(timestep_bias="middle"))  # type: ignore[arg-type]


def test_options_an_objective_does_not_read_are_named() -> None:
    noisy = DiffusionObjectiveConfig(noise_offset=0.1, snr_gamma=5.0, timestep_sampling="uniform")
    assert ignored_options(noisy, "diffusion") == ["timestep_sampling=uniform"]
    assert ignored_options(noisy, "flow_matching") == ["noise_offset=0.1", "snr_gamma=5.0"]
    assert ignored_options(noisy, "masked_tokens") == [
        "noise_offset=0.1",
        "snr_gamma=5.0",
        "timestep_sampling=uniform",
    ]
    # the bias's portion and multiplier are read only with a bias
    loose = DiffusionObjectiveConfig(timestep_bias_multiplier=2.0)
    assert ignored_options(loose, "diffusion") == ["timestep_bias_multiplier=2.0"]
    biased = DiffusionObjectiveConfig(timestep_bias="later", timestep_bias_multiplier=2.0)
    assert ignored_options(biased, "diffusion") == []
    assert ignored_options(DiffusionObjectiveConfig(), "masked_tokens") == []
