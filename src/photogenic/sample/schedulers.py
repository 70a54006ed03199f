"""Inference schedulers by name; each is rebuilt from the model's own scheduler config (same noise
schedule and prediction type), so only the solver changes."""

from __future__ import annotations

from typing import Any

from photogenic.registry import Registry

SCHEDULERS: Registry[Any] = Registry("scheduler")
DEFAULT_SCHEDULER = "dpm-multistep"


def _entry(name: str, class_name: str, **overrides: Any) -> None:
    def build(config: Any) -> Any:
        import inspect

        import diffusers

        cls = getattr(diffusers, class_name)
        extra = dict(overrides)
        if "clip_sample" not in config and "clip_sample" in inspect.signature(cls).parameters:
            # A config without the key (a DPM-Solver's, say) never clipped its x0 predictions;
            # DDIM's default (clip to [-1, 1]) would crush latents whose std exceeds 1.
            extra.setdefault("clip_sample", False)
        return cls.from_config(config, **extra)

    build.__doc__ = f"``{class_name}`` from the model's scheduler config."
    SCHEDULERS.register(name)(build)


# A fast multistep solver is the default: DPM-Solver++ (2nd order) is good in 20-25 steps.
_entry("dpm-multistep", "DPMSolverMultistepScheduler", algorithm_type="dpmsolver++")
_entry("dpm-multistep-karras", "DPMSolverMultistepScheduler", use_karras_sigmas=True)
_entry("unipc", "UniPCMultistepScheduler")
_entry("ddim", "DDIMScheduler")
_entry("euler", "EulerDiscreteScheduler")
_entry("euler-ancestral", "EulerAncestralDiscreteScheduler")
_entry("heun", "HeunDiscreteScheduler")
_entry("pndm", "PNDMScheduler")


@SCHEDULERS.register("model")
def _model_scheduler(config: Any) -> Any:
    """Keep the scheduler saved with the model (``None`` means: leave the pipeline's in place)."""
    return None


def build_scheduler(name: str, config: Any) -> Any:
    """The scheduler ``name`` built from ``config`` (``None`` for ``model``)."""
    return SCHEDULERS.get(name)(config)
