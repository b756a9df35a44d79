"""Synthetic training images, so the tests never need ../shared."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def make_images(folder: Path, n: int = 6, size: tuple[int, int] = (72, 60), seed: int = 0) -> Path:
    """Smooth gradients, stripes and blocks: structure a model can learn to upscale within a few steps."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for i in range(n):
        f = rng.uniform(0.05, 0.4, 3)
        img = np.stack([0.5 + 0.4 * np.sin(xx * f[c] + yy * f[(c + 1) % 3] + i) for c in range(3)], axis=-1)
        x0, y0 = rng.integers(0, w // 2), rng.integers(0, h // 2)
        img[y0: y0 + h // 3, x0: x0 + w // 3] = rng.uniform(0, 1, 3)
        Image.fromarray(np.round(img * 255).clip(0, 255).astype(np.uint8)).save(folder / f'img{i:02d}.png')
    return folder
