"""Which items each step trains on: a deterministic function of ``(seed, step)``.

The index stream is the concatenation of per-epoch permutations; step ``s`` takes the next
``batch_size`` indices. A short last batch wraps into the next epoch, so no item is ever dropped,
and a resumed run sees exactly the items an uninterrupted run would.
"""

from __future__ import annotations

import numpy as np

from photogenic.train.seeding import derive_seed


class Plan:
    """What every batch plan shares: splitting a global batch between processes."""

    batch_size: int

    def global_batch(self, step: int) -> list[int]:
        """Item indices of the global batch at ``step`` (0-based)."""
        raise NotImplementedError

    def local_batch(self, step: int, rank: int, world_size: int) -> list[int]:
        """This process's contiguous share of the global batch (the batch must divide evenly)."""
        if self.batch_size % world_size:
            raise ValueError(
                f"batch_size {self.batch_size} must be divisible by the {world_size} processes"
            )
        per = self.batch_size // world_size
        return self.global_batch(step)[rank * per : (rank + 1) * per]


class BatchPlan(Plan):
    """Deterministic global batches over ``n`` items."""

    def __init__(self, n: int, batch_size: int, seed: int, shuffle: bool = True) -> None:
        if n <= 0:
            raise ValueError("cannot train on an empty dataset")
        if batch_size <= 0:
            raise ValueError("batch_size must be positive")
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self._cache: dict[int, np.ndarray] = {}

    def epoch_order(self, epoch: int) -> np.ndarray:
        """The permutation of item indices for ``epoch``."""
        if epoch not in self._cache:
            if self.shuffle:
                rng = np.random.default_rng(derive_seed(self.seed, "epoch", epoch))
                order = rng.permutation(self.n)
            else:
                order = np.arange(self.n)
            self._cache = {epoch: order}
        return self._cache[epoch]

    def global_batch(self, step: int) -> list[int]:
        """Item indices of the global batch at ``step`` (0-based)."""
        start = step * self.batch_size
        out: list[int] = []
        while len(out) < self.batch_size:
            epoch, offset = divmod(start + len(out), self.n)
            order = self.epoch_order(epoch)
            take = min(self.batch_size - len(out), self.n - offset)
            out.extend(int(i) for i in order[offset : offset + take])
        return out

    def epoch_of(self, step: int) -> float:
        """Epochs completed at the start of ``step``."""
        return step * self.batch_size / self.n
