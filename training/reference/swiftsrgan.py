"""PyTorch reference of the SwiftSRGAN generator, used only to cross-check the TF.js implementation.

Module and attribute names follow the authors' models.py (Koushik0901/Swift-SRGAN), so state-dict keys
match their released checkpoint: initial.cnn.depthwise.weight, residual.0.block1.bn.running_mean,
upsampler.1.act.weight, final_conv.pointwise.bias, ...

Differences from the authors' code, all opt-in except the first:
  * log2(scale) upsample blocks (theirs builds scale // 2, which is wrong for 8x; equal for 2x and 4x);
  * skip: 'bilinear' / 'nearest' adds an upsampled copy of the input to the output (the paper has none);
  * tail: 'espcn' keeps every conv at input resolution and ends with one pixel shuffle to RGB.
As in theirs, ConvBlock always owns a PReLU, even when it never applies it (use_act=False): those weights
are in the state dict but unused.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn


class SeperableConv2d(nn.Module):  # the authors' spelling, kept for the state-dict names
    def __init__(self, in_channels, out_channels, kernel_size, padding, bias=True):
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, kernel_size, padding=padding, groups=in_channels, bias=bias)
        self.pointwise = nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=bias)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, use_act=True, use_bn=True):
        super().__init__()
        self.use_act = use_act
        self.cnn = SeperableConv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=not use_bn)
        self.bn = nn.BatchNorm2d(out_channels) if use_bn else nn.Identity()
        self.act = nn.PReLU(num_parameters=out_channels)

    def forward(self, x):
        y = self.bn(self.cnn(x))
        return self.act(y) if self.use_act else y


class UpsampleBlock(nn.Module):
    def __init__(self, channels, factor=2):
        super().__init__()
        self.conv = SeperableConv2d(channels, channels * factor * factor, 3, padding=1)
        self.ps = nn.PixelShuffle(factor)
        self.act = nn.PReLU(num_parameters=channels)

    def forward(self, x):
        return self.act(self.ps(self.conv(x)))


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.block1 = ConvBlock(channels, channels, 3)
        self.block2 = ConvBlock(channels, channels, 3, use_act=False)

    def forward(self, x):
        return self.block2(self.block1(x)) + x


class Generator(nn.Module):
    def __init__(self, scale=4, channels=64, blocks=16, skip='none', tail='paper'):
        super().__init__()
        assert scale in (2, 3, 4) and skip in ('none', 'bilinear', 'nearest') and tail in ('paper', 'espcn')
        assert scale != 3 or tail == 'espcn', 'the paper tail upsamples in x2 stages; 3x needs the ESPCN tail'
        self.scale, self.skip, self.tail = scale, skip, tail
        self.initial = ConvBlock(3, channels, 9, use_bn=False)
        self.residual = nn.Sequential(*[ResidualBlock(channels) for _ in range(blocks)])
        self.convblock = ConvBlock(channels, channels, 3, use_act=False)
        if tail == 'paper':
            self.upsampler = nn.Sequential(*[UpsampleBlock(channels) for _ in range(int(math.log2(scale)))])
            self.final_conv = SeperableConv2d(channels, 3, 9, padding=4)
        else:
            self.final_conv = SeperableConv2d(channels, 3 * scale * scale, 3, padding=1)

    def forward(self, x):
        initial = self.initial(x)
        h = self.convblock(self.residual(initial)) + initial
        if self.tail == 'paper':
            r = self.final_conv(self.upsampler(h))
        else:
            r = F.pixel_shuffle(self.final_conv(h), self.scale)
        if self.skip == 'none':
            return (torch.tanh(r) + 1) / 2
        size = (x.shape[2] * self.scale, x.shape[3] * self.scale)
        if self.skip == 'bilinear':
            up = F.interpolate(x, size=size, mode='bilinear', align_corners=False)
        else:
            up = F.interpolate(x, size=size, mode='nearest')
        out = up + r
        # Unclipped while training so out-of-range pixels still get a gradient; clipped for inference.
        return out if self.training else out.clamp(0, 1)
