"""Aspect-ratio bucketing that never drops an image.

Buckets are (width, height) pairs of about ``resolution²`` pixels in multiples of ``multiple``;
each image goes to the bucket of nearest log aspect ratio. Each epoch, every bucket's items are
shuffled and cut into batches; a bucket's last short batch (or a bucket smaller than the batch) is
padded with repeats of its own items, never skipped, so each item is seen at least once per epoch.
"""

from __future__ import annotations

import math

import numpy as np

from photogenic.train.plan import Plan
from photogenic.train.seeding import derive_seed


def make_buckets(
    resolution: int, multiple: int = 8, max_aspect: float = 2.0
) -> list[tuple[int, int]]:
    """(width, height) buckets of about ``resolution²`` pixels, from tall to wide."""
    area = resolution * resolution
    buckets = set()
    for width in range(multiple, resolution + 1, multiple):
        height = max(multiple, int(round(area / width / multiple)) * multiple)
        if height >= width and height / width <= max_aspect:
            buckets.update({(width, height), (height, width)})
    return sorted(buckets, key=lambda wh: wh[0] / wh[1])


def nearest_bucket(width: int, height: int, buckets: list[tuple[int, int]]) -> int:
    """Index of the bucket whose aspect ratio is nearest (in log space) to ``width/height``."""
    ratio = math.log(width / height)
    return min(
        range(len(buckets)), key=lambda i: abs(math.log(buckets[i][0] / buckets[i][1]) - ratio)
    )


class BucketBatchPlan(Plan):
    """Deterministic global batches drawn from one bucket at a time (same interface as BatchPlan)."""

    def __init__(self, bucket_of_item: list[int], batch_size: int, seed: int) -> None:
        if not bucket_of_item:
            raise ValueError("cannot train on an empty dataset")
        self.batch_size = batch_size
        self.seed = seed
        self.n = len(bucket_of_item)
        members: dict[int, list[int]] = {}
        for index, bucket in enumerate(bucket_of_item):
            members.setdefault(bucket, []).append(index)
        self.members = dict(sorted(members.items()))
        self.batches_per_epoch = sum(math.ceil(len(m) / batch_size) for m in self.members.values())
        self._epoch: tuple[int, list[list[int]]] | None = None

    def epoch_batches(self, epoch: int) -> list[list[int]]:
        """Every batch of ``epoch``, in training order."""
        if self._epoch is None or self._epoch[0] != epoch:
            rng = np.random.default_rng(derive_seed(self.seed, "bucket-epoch", epoch))
            batches = []
            for items in self.members.values():
                order = [items[i] for i in rng.permutation(len(items))]
                for start in range(0, len(order), self.batch_size):
                    batch = order[start : start + self.batch_size]
                    while len(batch) < self.batch_size:  # pad with repeats, never drop
                        batch.append(order[len(batch) % len(order)])
                    batches.append(batch)
            self._epoch = (epoch, [batches[i] for i in rng.permutation(len(batches))])
        return self._epoch[1]

    def global_batch(self, step: int) -> list[int]:
        epoch, position = divmod(step, self.batches_per_epoch)
        return list(self.epoch_batches(epoch)[position])

    def epoch_of(self, step: int) -> float:
        return step / self.batches_per_epoch
