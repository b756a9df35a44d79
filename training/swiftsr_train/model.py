"""The generator is the cross-checked PyTorch reference (training/reference/swiftsrgan.py)."""
from __future__ import annotations

import torch

from ..reference.swiftsrgan import Generator
from .variants import Variant


def build_generator(v: Variant, seed: int, final_scale: float = 0.1) -> Generator:
    """PyTorch's default init, seeded; with a global skip the last conv starts at `final_scale` x its init so
    the untrained model is close to the plain bilinear upsampling."""
    torch.manual_seed(seed)
    g = Generator(scale=v.scale, channels=v.channels, blocks=v.blocks, skip=v.skip, tail=v.tail)
    if v.skip != 'none':
        with torch.no_grad():
            for p in g.final_conv.pointwise.parameters():
                p.mul_(final_scale)
    return g


def count_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
