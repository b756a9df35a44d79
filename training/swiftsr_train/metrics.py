"""Validation metric of the eval protocol: BT.601 Y in float, `border` pixels cropped, 8-bit images."""
from __future__ import annotations

import math

import numpy as np
import torch

from .data import bicubic_lr, modcrop, read_rgb
from .imresize import imresize, to_uint8


def luma(img: np.ndarray) -> np.ndarray:
    f = img.astype(np.float64) / 255
    return 16 + 65.481 * f[..., 0] + 128.553 * f[..., 1] + 24.966 * f[..., 2]


def psnr_y(a: np.ndarray, b: np.ndarray, border: int) -> float:
    ya, yb = luma(a), luma(b)
    if border:
        ya, yb = ya[border:-border, border:-border], yb[border:-border, border:-border]
    mse = float(np.mean((ya - yb) ** 2))
    return 99.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse)


class Validator:
    """Full-image Y-PSNR on held-out training images (never an eval set), next to bicubic's."""

    def __init__(self, files: list, scale: int, max_side: int = 480):
        self.scale = scale
        self.pairs: list[tuple[np.ndarray, np.ndarray]] = []
        for f in files:
            hr = modcrop(read_rgb(f)[:max_side, :max_side], scale)
            self.pairs.append((hr, bicubic_lr(hr, scale)))
        self.bicubic = self._mean([to_uint8(imresize(lr.astype(np.float32) / 255, scale)) for _, lr in self.pairs])

    def _mean(self, outs: list[np.ndarray]) -> float:
        return float(np.mean([psnr_y(o, hr, self.scale) for o, (hr, _) in zip(outs, self.pairs)])) if outs else float('nan')

    @torch.no_grad()
    def __call__(self, model: torch.nn.Module, device: torch.device) -> float:
        was = model.training
        model.eval()
        outs = []
        for _, lr in self.pairs:
            x = torch.from_numpy(lr).permute(2, 0, 1)[None].float().div(255).to(device)
            y = model(x).clamp(0, 1)[0].permute(1, 2, 0).cpu().numpy()
            outs.append(to_uint8(y))
        model.train(was)
        return self._mean(outs)
