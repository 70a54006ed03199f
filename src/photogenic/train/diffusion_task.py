"""Training a text-to-image denoiser (pretraining or quality-tuning) as a task of the single loop."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Literal

import torch
from PIL import Image
from torch import nn
from tqdm import tqdm

from photogenic.errors import PhotogenicError
from photogenic.train.buckets import BucketBatchPlan
from photogenic.train.cache import TensorCache, content_key, module_fingerprint
from photogenic.train.examples import Example, example_pixels, mirrored_crop, swap_words
from photogenic.train.families.base import ModelFamily
from photogenic.train.lora import LoraConfig, add_lora, save_lora
from photogenic.train.objective import DiffusionObjectiveConfig
from photogenic.train.proxy import ProxyWinrate, ProxyWinrateConfig
from photogenic.train.task import LossPhase, StepContext, TrainingTask

VALIDATION_STEP = -1  # validation noise is drawn as if at this step: the same every time


@dataclass
class DataConfig:
    """How a dataset becomes training batches."""

    resolution: int = 32  # pixels of the square bucket; other buckets keep about this area
    bucketing: bool = True  # aspect-ratio buckets (never drop: short buckets are padded)
    missing_caption: Literal["skip", "empty"] = "skip"  # skipped items are listed in skipped.jsonl
    # share of training items whose caption is replaced by the empty one, so the model learns the
    # unconditional prediction classifier-free guidance needs (Stable Diffusion, Imagen: 0.1)
    caption_dropout: float = 0.0
    # share of training items mirrored left to right, drawn per item and step (diffusers'
    # --random_flip is 0.5; both orientations are cached)
    random_flip: float = 0.0
    # word pairs swapped in a mirrored item's caption so that it stays true, e.g. [[left, right]]
    flip_swap_words: list[list[str]] = field(default_factory=list)
    cache: bool = True  # cache VAE latents and text embeddings on disk
    cache_dir: str = ""  # "" = <out>/cache; share one folder between runs to reuse entries
    validation_fraction: float = 0.05  # held-out share of the data for the validation loss
    validation_max: int = 256  # at most this many held-out items
    sample_prompts: list[str] = field(default_factory=list)  # "" = the first held-out captions
    sample_count: int = 4  # images in each validation grid
    sample_steps: int = 20  # solver steps per validation image


@dataclass
class DiffusionTaskConfig:
    """The model-side settings of a denoiser training run."""

    family: str = ""  # "" = from the model directory's pipeline class
    objective: DiffusionObjectiveConfig = field(default_factory=DiffusionObjectiveConfig)
    data: DataConfig = field(default_factory=DataConfig)
    gradient_checkpointing: bool = False
    lora: LoraConfig = field(default_factory=LoraConfig)  # off = full fine-tuning (the paper)
    # denoiser parameters kept as they are, by glob on their names (e.g. "*attn2*" for the
    # cross-attention of a diffusers U-Net): the rest is tuned; [] = every parameter
    freeze: list[str] = field(default_factory=list)
    proxy: ProxyWinrateConfig = field(default_factory=ProxyWinrateConfig)  # validation signal


class DiffusionTask(TrainingTask):
    """Full fine-tuning of a family's denoiser on cached (or freshly encoded) examples."""

    def __init__(
        self,
        family: ModelFamily,
        pipe: Any,
        train: list[Example],
        validation: list[Example],
        config: DiffusionTaskConfig,
        cache_root: Path,
        progress: bool = True,
    ) -> None:
        _check_data_config(config.data)
        self.family, self.pipe, self.config = family, pipe, config
        self.train_examples, self.validation_examples = train, validation
        self.scheduler = family.noise_scheduler(pipe)
        image_encoder = family.image_encoder(pipe)  # None: the denoiser works on pixels
        image_encoders = [image_encoder] if image_encoder is not None else []
        for module in (*image_encoders, *_text_encoders(pipe)):
            module.requires_grad_(False)
            module.eval()
        self.denoisers = family.trainable(pipe)
        if config.freeze:
            freeze_parameters(self.denoisers, config.freeze)
        if config.lora.enabled and "unet" not in self.denoisers:
            raise PhotogenicError(
                f"LoRA training supports U-Net families only, not {family.name!r}"
            )
        if config.lora.enabled:
            for module in self.denoisers.values():
                add_lora(module, config.lora)
        if config.gradient_checkpointing:
            for module in self.denoisers.values():
                module.enable_gradient_checkpointing()
        self.latent_cache = self.text_cache = None
        self.encode_calls = 0
        self._memory: dict[str, Any] = {}  # cache entries already read from disk
        self._unconditional: dict[str, torch.Tensor] | None = None  # for caption dropout
        if config.data.cache:
            self.latent_cache = TensorCache(  # pixel-space families cache the fitted pixels
                cache_root,
                "latents" if image_encoders else "pixels",
                module_fingerprint(*image_encoders),
            )
            self.text_cache = TensorCache(
                cache_root, "text", module_fingerprint(*_text_encoders(pipe))
            )
            self.fill_cache(progress)
        self.proxy = None
        if config.proxy.enabled:  # scores the starting model now, before any step
            pipe.set_progress_bar_config(disable=True)
            size = (config.data.resolution, config.data.resolution)
            captions = [e.text for e in (validation or train)]
            self.proxy = ProxyWinrate(config.proxy, pipe, size, captions)

    @property
    def validation_metric(self) -> str:
        """The name the validation value is logged under."""
        return "validation_1_minus_proxy_winrate" if self.proxy else "validation_loss"

    # -- TrainingTask -------------------------------------------------------------------------
    def modules(self) -> dict[str, nn.Module]:
        return self.denoisers

    @property
    def num_items(self) -> int:
        return len(self.train_examples)

    def batch_plan(self, batch_size: int, seed: int) -> BucketBatchPlan:
        buckets = sorted({e.bucket for e in self.train_examples})
        return BucketBatchPlan(
            [buckets.index(e.bucket) for e in self.train_examples], batch_size, seed
        )

    def load_batch(self, indices: list[int]) -> dict[str, Any]:
        examples = [self.train_examples[i] for i in indices]
        batch = self._batch(examples)
        if self.config.data.random_flip > 0:
            batch["mirrored"] = self._batch(examples, flip=True)
        return batch

    def training_step(self, batch, modules, ctx: StepContext) -> Iterator[LossPhase]:
        if self.config.data.random_flip > 0:
            batch = self._flip_some(batch, ctx)
        if self.config.data.caption_dropout > 0:
            batch = {**batch, "cond": self._drop_captions(batch["cond"], ctx)}
        loss = self._loss(batch, modules, ctx)
        yield "main", loss, {"loss": float(loss.detach())}

    @torch.no_grad()
    def validation_loss(self, modules: dict[str, nn.Module]) -> float | None:
        if self.proxy is not None:
            _attach(self.pipe, modules)
            rate = self.proxy.win_rate(self.pipe)
            return None if rate is None else 1.0 - rate
        if not self.validation_examples:
            return None
        total, count = 0.0, 0
        size = 16
        for start in range(0, len(self.validation_examples), size):
            chunk = self.validation_examples[start : start + size]
            indices = list(range(start, start + len(chunk)))
            ctx = StepContext(0, VALIDATION_STEP, indices, torch.Generator())
            by_bucket: dict[tuple[int, int], list[int]] = {}
            for i, example in enumerate(chunk):
                by_bucket.setdefault(example.bucket, []).append(i)
            for members in by_bucket.values():
                sub = StepContext(0, VALIDATION_STEP, [indices[i] for i in members], ctx.generator)
                loss = self._loss(self._batch([chunk[i] for i in members]), modules, sub)
                total += float(loss) * len(members)
                count += len(members)
        return total / count

    def sample_grid(self, modules: dict[str, nn.Module], path: Path) -> None:
        """A row of images for fixed prompts, each from its own fixed seed (comparable across steps)."""
        data = self.config.data
        prompts = list(data.sample_prompts) or [
            e.text for e in (self.validation_examples or self.train_examples)[: data.sample_count]
        ]
        _attach(self.pipe, modules)
        self.pipe.set_progress_bar_config(disable=True)
        width, height = (self.validation_examples or self.train_examples)[0].bucket
        images = [
            self.pipe(
                prompt,
                num_inference_steps=data.sample_steps,
                width=width,
                height=height,
                generator=torch.Generator().manual_seed(index),
                output_type="pil",
            ).images[0]
            for index, prompt in enumerate(prompts)
        ]
        grid = Image.new("RGB", (width * len(images), height))
        for index, image in enumerate(images):
            grid.paste(image, (index * width, 0))
        path.parent.mkdir(parents=True, exist_ok=True)
        grid.save(path)

    def export(self, modules: dict[str, nn.Module], out: Path) -> None:
        if self.config.lora.enabled:
            save_lora(self.pipe, modules["unet"], out)
        else:
            self.family.save(self.pipe, modules, out)

    # -- internals ----------------------------------------------------------------------------
    def _loss(self, batch: dict[str, Any], modules, ctx: StepContext) -> torch.Tensor:
        params = batch["latent_params"]
        noise = None
        if self.family.latent_distribution:  # mean and log-variance: a fresh sample each step
            noise = ctx.randn(tuple(params.shape[1:]), stream="latent")[:, : params.shape[1] // 2]
        latents = self.family.sample_latents(self.pipe, params, noise)
        return self.family.training_loss(
            modules, latents, batch["cond"], ctx, self.scheduler, self.config.objective
        )

    def _flip_some(self, batch: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
        """``batch`` with a ``random_flip`` share of its items (drawn per item and step, so a
        resumed run flips the same ones) taken from their mirrored copies in ``batch["mirrored"]``."""
        flip = ctx.rand(stream="random_flip") < self.config.data.random_flip
        mirrored = batch["mirrored"]

        def pick(plain: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
            where = flip.to(plain.device).view(-1, *[1] * (plain.dim() - 1))
            return torch.where(where, other, plain)

        return {
            "latent_params": pick(batch["latent_params"], mirrored["latent_params"]),
            "cond": {k: pick(v, mirrored["cond"][k]) for k, v in batch["cond"].items()},
        }

    def _drop_captions(
        self, cond: dict[str, torch.Tensor], ctx: StepContext
    ) -> dict[str, torch.Tensor]:
        """``cond`` with the text conditioning of a ``caption_dropout`` share of the items (drawn
        per item and step, so a resumed run drops the same ones) replaced by the unconditional."""
        drop = ctx.rand(stream="caption_dropout") < self.config.data.caption_dropout
        if not bool(drop.any()):
            return cond
        if self._unconditional is None:
            self._unconditional = self.family.unconditional_text(self.pipe)
        dropped = dict(cond)
        for key, empty in self._unconditional.items():
            where = drop.to(cond[key].device).view(-1, *[1] * (cond[key].dim() - 1))
            dropped[key] = torch.where(where, empty.to(cond[key]), cond[key])
        return dropped

    def _batch(self, examples: list[Example], flip: bool = False) -> dict[str, Any]:
        """Latents and conditioning of ``examples``, or of their mirrored copies with ``flip``."""
        params = self._latent_params(examples, flip)
        cond = self._text_conditioning([self._caption(e, flip) for e in examples])
        extra = getattr(self.family, "image_conditioning", None)
        if extra is not None:
            per_item = [
                extra(
                    e.original_size, mirrored_crop(e) if flip else e.crop_top_left, e.bucket[::-1]
                )
                for e in examples
            ]
            cond.update({k: torch.stack([p[k] for p in per_item]) for k in per_item[0]})
        return {"latent_params": params, "cond": cond}

    def _caption(self, example: Example, flip: bool) -> str:
        return swap_words(example.text, self.config.data.flip_swap_words) if flip else example.text

    def _latent_key(self, example: Example, flip: bool = False) -> str:
        parts = (example.image_sha256, f"{example.bucket}", f"{example.crop_top_left}")
        return content_key(*parts, "mirrored") if flip else content_key(*parts)

    def _latent_params(self, examples: list[Example], flip: bool = False) -> torch.Tensor:
        """Cached latent parameters (from memory, else disk); uncached ones encoded in one batch."""
        if self.latent_cache is None:
            self.encode_calls += len(examples)
            pixels = torch.stack([example_pixels(e, flip) for e in examples])
            return self.family.encode_images(self.pipe, pixels)
        rows = []
        for example in examples:
            key = self._latent_key(example, flip)
            if key not in self._memory:
                self._memory[key] = self.latent_cache.get(key)["params"]
            rows.append(self._memory[key])
        return torch.stack(rows)

    def _text_conditioning(self, texts: list[str]) -> dict[str, torch.Tensor]:
        """Cached text embeddings (from memory, else disk); without a cache, one encoder batch."""
        if self.text_cache is None:
            return self.family.encode_text(self.pipe, texts)
        rows = []
        for text in texts:
            key = "text:" + content_key(text)
            if key not in self._memory:
                self._memory[key] = self.text_cache.get(content_key(text))
            rows.append(self._memory[key])
        return {k: torch.stack([r[k] for r in rows]) for k in rows[0]}

    def fill_cache(self, progress: bool = True, batch_size: int = 16) -> None:
        """Encode every example not yet cached (resumable: cached entries are skipped); with
        ``random_flip``, the training examples' mirrored copies too."""
        examples = self.train_examples + self.validation_examples
        views = [(e, False) for e in examples]
        if self.config.data.random_flip > 0:
            views += [(e, True) for e in self.train_examples]
        todo = [(e, f) for e, f in views if self._latent_key(e, f) not in self.latent_cache]
        bar = tqdm(total=len(todo), desc="cache latents", unit="img", disable=not progress)
        by_bucket: dict[tuple[int, int], list[tuple[Example, bool]]] = {}
        for view in todo:
            by_bucket.setdefault(view[0].bucket, []).append(view)
        for group in by_bucket.values():
            for start in range(0, len(group), batch_size):
                chunk = group[start : start + batch_size]
                pixels = torch.stack([example_pixels(e, f) for e, f in chunk])
                params = self.family.encode_images(self.pipe, pixels)
                self.encode_calls += len(chunk)
                for (example, flip), p in zip(chunk, params, strict=True):
                    key = self._latent_key(example, flip)  # kept in memory: not read back
                    self._memory[key] = self.latent_cache.put(key, {"params": p})["params"]
                bar.update(len(chunk))
        bar.close()
        captions = {self._caption(e, f) for e, f in views}
        texts = sorted(t for t in captions if content_key(t) not in self.text_cache)
        for start in tqdm(
            range(0, len(texts), batch_size), desc="cache text", unit="batch", disable=not progress
        ):
            chunk = texts[start : start + batch_size]
            encoded = self.family.encode_text(self.pipe, chunk)
            for i, text in enumerate(chunk):
                row = {k: v[i] for k, v in encoded.items()}
                self._memory["text:" + content_key(text)] = self.text_cache.put(
                    content_key(text), row
                )


def _check_data_config(data: DataConfig) -> None:
    """Reject shares outside [0, 1] and swap pairs that are not two distinct words."""
    for name in ("caption_dropout", "random_flip"):
        value = getattr(data, name)
        if not 0.0 <= value <= 1.0:
            raise PhotogenicError(f"task.data.{name}: expected a share in [0, 1], got {value}")
    for pair in data.flip_swap_words:
        if (
            len(pair) != 2
            or not all(isinstance(w, str) and w.strip() for w in pair)
            or (pair[0] == pair[1])
        ):
            raise PhotogenicError(
                f"task.data.flip_swap_words: expected pairs of two different words such as "
                f"[left, right], got {pair!r}"
            )


def freeze_parameters(modules: dict[str, nn.Module], patterns: list[str]) -> int:
    """Stop gradients of the parameters whose name (``module.param``, e.g.
    ``unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight``, or without the
    ``unet.`` prefix) matches one of the glob ``patterns``; returns how many tensors were frozen."""
    frozen, used = 0, set()
    for key, module in modules.items():
        for name, param in module.named_parameters():
            hits = [p for p in patterns if fnmatch(name, p) or fnmatch(f"{key}.{name}", p)]
            if hits:
                param.requires_grad_(False)
                frozen += 1
                used.update(hits)
    unused = [p for p in patterns if p not in used]
    if unused:
        raise PhotogenicError(
            f"task.freeze: {unused} match no parameter of {sorted(modules)} (names look like "
            f"{next(iter(next(iter(modules.values())).named_parameters()))[0]!r})"
        )
    return frozen


def _text_encoders(pipe: Any) -> list[nn.Module]:
    names = ("text_encoder", "text_encoder_2", "text_encoder_3")
    return [m for m in (getattr(pipe, n, None) for n in names) if m is not None]


def _attach(pipe: Any, modules: dict[str, nn.Module]) -> None:
    """Put the modules being trained (or their EMA weights) into the pipeline (``unet``,
    ``transformer``) before it samples."""
    for name, module in modules.items():
        setattr(pipe, name, module)
