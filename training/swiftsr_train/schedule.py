from __future__ import annotations

import math


def learning_rate(step: int, total: int, base: float, warmup: int, kind: str, min_ratio: float = 0.01) -> float:
    """Learning rate for 0-based `step`: linear warm-up, then cosine down to base * min_ratio (or constant)."""
    if warmup > 0 and step < warmup:
        return base * (step + 1) / warmup
    if kind == 'constant':
        return base
    t = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * t)))
