"""MATLAB `imresize` bicubic (a = -0.5, antialiased when shrinking, mirrored borders), as the TypeScript
eval protocol computes it (`imresize.ts`); a test pins the two against each other."""
from __future__ import annotations

import math

import numpy as np


def _cubic(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    return np.where(ax <= 1, 1.5 * ax3 - 2.5 * ax2 + 1, np.where(ax <= 2, -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2, 0.0))


def _matrix(in_len: int, out_len: int, scale: float) -> np.ndarray:
    """Dense [out_len, in_len] resampling matrix (MATLAB `contributions`, weights normalised to sum 1)."""
    shrink = scale < 1
    kernel_width = 4 / scale if shrink else 4.0
    taps = math.ceil(kernel_width) + 2
    u = np.arange(1, out_len + 1, dtype=np.float64)
    x = u / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(x - kernel_width / 2)
    j = left[:, None] + np.arange(taps)[None, :]
    d = x[:, None] - j
    w = scale * _cubic(scale * d) if shrink else _cubic(d)
    w = w / w.sum(axis=1, keepdims=True)
    idx = (j - 1).astype(np.int64)
    period = 2 * in_len
    idx = np.mod(idx, period)
    idx = np.where(idx >= in_len, period - 1 - idx, idx)
    m = np.zeros((out_len, in_len), dtype=np.float64)
    np.add.at(m, (np.repeat(np.arange(out_len), taps), idx.ravel()), w.ravel().astype(np.float32).astype(np.float64))
    return m


def imresize(img: np.ndarray, scale: float) -> np.ndarray:
    """HWC float image resized by `scale` (height first, as MATLAB); not clamped or rounded."""
    if not scale > 0:
        raise ValueError(f'scale must be > 0, got {scale}')
    h, w = img.shape[:2]
    out_h, out_w = math.ceil(h * scale), math.ceil(w * scale)
    rows = np.einsum('oh,hwc->owc', _matrix(h, out_h, scale), img.astype(np.float64)).astype(np.float32)
    return np.einsum('ow,hwc->hoc', _matrix(w, out_w, scale), rows.astype(np.float64)).astype(np.float32)


def quantize(img: np.ndarray) -> np.ndarray:
    """[0, 1] float -> the nearest 8-bit level, back in [0, 1] (as `quantize` in TypeScript)."""
    return np.round(np.clip(img, 0, 1) * 255).astype(np.float32) / 255


def to_uint8(img: np.ndarray) -> np.ndarray:
    return np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
