"""Training images: HR folders, held-out validation images, LR sources (clean or call-degraded), seeded crops."""
from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .imresize import imresize, to_uint8

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp')
# The SR benchmarks (and the call clips) are for evaluation only: training on them would inflate every number.
EVAL_ONLY = ('set5', 'set14', 'bsd100', 'urban100', 'conference', 'video')


class DataError(ValueError):
    """A data folder or image the trainer cannot use; the message names it."""


def read_rgb(path: Path) -> np.ndarray:
    """HWC uint8 RGB (palette, grey and alpha images converted)."""
    with Image.open(path) as im:
        return np.asarray(im.convert('RGB'), dtype=np.uint8).copy()


def modcrop(img: np.ndarray, scale: int) -> np.ndarray:
    h, w = img.shape[:2]
    return img[: h - h % scale, : w - w % scale]


def bicubic_lr(hr: np.ndarray, scale: int) -> np.ndarray:
    """The paper protocol's LR: MATLAB-bicubic downscale of the modcropped HR, rounded to 8 bit."""
    return to_uint8(imresize(hr.astype(np.float32) / 255, 1 / scale))


def _cached_bicubic_lr(hr: np.ndarray, scale: int) -> np.ndarray:
    """bicubic_lr, cached by content outside the repository (every run re-reads ~500 images)."""
    from .degrade import cache_root
    key = hashlib.sha256(hr.tobytes() + f'{hr.shape}|{scale}|matlab-bicubic-v1'.encode()).hexdigest()[:32]
    path = cache_root().parent / 'clean-lr' / f'{key}.npy'
    if path.is_file():
        return np.load(path)
    lr = bicubic_lr(hr, scale)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f'.{key}.{os.getpid()}.tmp.npy')
    np.save(tmp, lr)
    os.replace(tmp, path)
    return lr


def list_images(folders: list[str]) -> list[Path]:
    files: list[Path] = []
    for f in folders:
        p = Path(f)
        if p.name.lower() in EVAL_ONLY:
            raise DataError(f'{f} is an evaluation set (see ../shared/datasets/README.md): never train on it')
        if not p.is_dir():
            raise DataError(f'data folder {f} does not exist')
        found = sorted(x for x in p.iterdir() if x.suffix.lower() in IMAGE_EXTENSIONS)
        if not found:
            raise DataError(f'data folder {f} holds no PNG/JPEG/BMP image')
        files += found
    return files


@dataclass
class LrFrame:
    """One LR frame and where its HR target lies in the HR image (top-left, HR pixels)."""
    lr: np.ndarray
    hr_x: int = 0
    hr_y: int = 0


@dataclass
class TrainImage:
    path: Path
    hr: np.ndarray
    sources: dict[str, list[LrFrame]] = field(default_factory=dict)


def split_images(files: list[Path], val_every: int, val_max: int) -> tuple[list[Path], list[Path]]:
    """Every `val_every`-th file (offset val_every // 2) is held out, at most `val_max` of them."""
    held = [f for i, f in enumerate(files) if val_every > 0 and i % val_every == val_every // 2][:val_max]
    return [f for f in files if f not in held], held


def load_train_images(files: list[Path], scale: int, patch: int, skip_small: bool) -> list[TrainImage]:
    out: list[TrainImage] = []
    for f in files:
        hr = modcrop(read_rgb(f), scale)
        if min(hr.shape[:2]) < patch:
            if not skip_small:
                raise DataError(f'{f} is {hr.shape[1]}x{hr.shape[0]}, smaller than the {patch} px crop (pass --skip-small to leave it out)')
            print(f'warning: {f.name} is smaller than the crop, left out', file=sys.stderr)
            continue
        out.append(TrainImage(f, hr, {'clean': [LrFrame(_cached_bicubic_lr(hr, scale))]}))
    if not out:
        raise DataError('no training image is at least as large as the crop')
    return out


class CropSampler:
    """Seeded crops: image by area, LR source by weight, frame, position, one of 8 flips/rotations.
    All randomness comes from one torch.Generator, whose state the checkpoint stores."""

    def __init__(self, images: list[TrainImage], scale: int, patch: int, mix: dict[str, float], seed: int, min_std: float = 0.01):
        if patch % scale:
            raise DataError(f'--patch {patch} must be a multiple of the scale {scale}')
        self.images, self.scale, self.patch, self.min_std = images, scale, patch, min_std
        self.kinds = list(mix)
        self.kind_w = torch.tensor([mix[k] for k in self.kinds], dtype=torch.float64)
        # Per kind: the images that have that LR source, drawn by area (every pixel equally likely).
        self.pool: dict[str, tuple[list[TrainImage], torch.Tensor]] = {}
        lp = patch // scale
        for im in images:  # call clips of small images can be smaller than the LR crop
            for k, frames in list(im.sources.items()):
                fit = [f for f in frames if f.lr.shape[0] >= lp and f.lr.shape[1] >= lp]
                if fit:
                    im.sources[k] = fit
                else:
                    del im.sources[k]
        for k in self.kinds:
            have = [im for im in images if k in im.sources]
            if not have:
                raise DataError(f"no training image has LR source '{k}'")
            self.pool[k] = (have, torch.tensor([float(im.hr.shape[0] * im.hr.shape[1]) for im in have], dtype=torch.float64))
        self.gen = torch.Generator().manual_seed(seed)

    def _randint(self, n: int) -> int:
        return int(torch.randint(n, (1,), generator=self.gen))

    def _one(self) -> tuple[np.ndarray, np.ndarray]:
        s, lp = self.scale, self.patch // self.scale
        lr = hr = np.zeros(0)
        for _ in range(5):  # smart crops: redraw flat ones up to 4 times
            kind = self.kinds[int(torch.multinomial(self.kind_w, 1, generator=self.gen))]
            have, area = self.pool[kind]
            im = have[int(torch.multinomial(area, 1, generator=self.gen))]
            frames = im.sources[kind]
            fr = frames[self._randint(len(frames))]
            h, w = fr.lr.shape[:2]
            y, x = self._randint(h - lp + 1), self._randint(w - lp + 1)
            lr = fr.lr[y: y + lp, x: x + lp]
            hy, hx = fr.hr_y + y * s, fr.hr_x + x * s
            hr = im.hr[hy: hy + self.patch, hx: hx + self.patch]
            if lr.std() / 255 >= self.min_std:
                break
        k = self._randint(8)
        return _augment(lr, k), _augment(hr, k)

    def batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        pairs = [self._one() for _ in range(n)]
        lr = torch.from_numpy(np.stack([p[0] for p in pairs])).permute(0, 3, 1, 2).float().div_(255)
        hr = torch.from_numpy(np.stack([p[1] for p in pairs])).permute(0, 3, 1, 2).float().div_(255)
        return lr, hr


def _augment(a: np.ndarray, k: int) -> np.ndarray:
    a = np.rot90(a, k % 4)
    return np.ascontiguousarray(a[:, ::-1] if k >= 4 else a)
