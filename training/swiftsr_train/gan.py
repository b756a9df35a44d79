"""Phase gan: MSE + adversarial (separable discriminator) + MobileNetV2 perceptual + TV, one discriminator
step per generator step (training/README.md)."""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .mobilenet import MobileNetFeatures


class Discriminator(nn.Module):
    """The paper's 8 separable 3x3 blocks (stride 1, 2 alternating; 64..512 features x width), BN but on the
    first, LeakyReLU 0.2. Head: global average pool, dense 1024, LeakyReLU, dense 1 (any crop size)."""

    def __init__(self, width: float = 1.0):
        super().__init__()
        feats = [max(8, round(f * width)) for f in (64, 64, 128, 128, 256, 256, 512, 512)]
        layers: list[nn.Module] = []
        c = 3
        for i, f in enumerate(feats):
            layers += [nn.Conv2d(c, c, 3, stride=1 + i % 2, padding=1, groups=c, bias=i == 0), nn.Conv2d(c, f, 1, bias=i == 0)]
            if i > 0:
                layers.append(nn.BatchNorm2d(f))
            layers.append(nn.LeakyReLU(0.2))
            c = f
        self.body = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(c, 1024), nn.LeakyReLU(0.2), nn.Linear(1024, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x).mean(dim=(2, 3)))


def tv_loss(x: torch.Tensor) -> torch.Tensor:
    n, c, h, w = x.shape
    th = (x[:, :, 1:] - x[:, :, :-1]).pow(2).sum() / (c * (h - 1) * w)
    tw = (x[:, :, :, 1:] - x[:, :, :, :-1]).pow(2).sum() / (c * h * (w - 1))
    return 2 * (th + tw) / n


class GanPhase:
    def __init__(self, o: dict[str, Any], device: torch.device):
        self.o = o
        self.features = MobileNetFeatures(o['mobilenet'], o['feature_layer']).to(device)
        g = torch.Generator().manual_seed(o['seed'] + 1)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(torch.randint(2 ** 31, (1,), generator=g)))
            self.d = Discriminator(o['d_width']).to(device)
        self.d_opt = torch.optim.Adam(self.d.parameters(), lr=o['d_lr'], betas=(0.9, 0.999))

    def generator_loss(self, sr: torch.Tensor, hr: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        mse = F.mse_loss(sr, hr)
        logits = self.d(sr)
        adv = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        with torch.no_grad():
            target = self.features(hr)
        perc = F.mse_loss(self.features(sr), target)
        tv = tv_loss(sr)
        total = mse + self.o['adv_weight'] * adv + self.o['perc_weight'] * perc + self.o['tv_weight'] * tv
        return total, {'mse': float(mse), 'adv': float(adv), 'perc': float(perc), 'tv': float(tv)}

    def discriminator_step(self, sr: torch.Tensor, hr: torch.Tensor, lr: float) -> dict[str, float]:
        for gp in self.d_opt.param_groups:
            gp['lr'] = lr
        real, fake = self.d(hr), self.d(sr)
        loss = F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
        self.d_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.d_opt.step()
        return {'d': float(loss)}

    def state_dict(self) -> dict[str, Any]:
        return {'d': self.d.state_dict(), 'd_opt': self.d_opt.state_dict()}

    def load_state_dict(self, s: dict[str, Any]) -> None:
        self.d.load_state_dict(s['d'])
        self.d_opt.load_state_dict(s['d_opt'])
