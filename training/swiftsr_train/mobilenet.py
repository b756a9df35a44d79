"""Frozen MobileNetV2 (alpha 0.35, ImageNet) feature extractor rebuilt in PyTorch from the Teachable Machine
TF.js layers export in ../shared/weights/mobilenet_v2/ (never downloaded): the inner `model3` Keras graph is
interpreted layer by layer up to the cut (default block_3_expand_relu, stride 4, 48 channels), any input size.
Input RGB [0, 1] is mapped to Keras' [-1, 1], as the TypeScript extractor (training/train/perceptual.ts) does."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class PerceptualLoadError(RuntimeError):
    pass


def _read(path: Path) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    try:
        js = json.loads(path.read_text())
        manifest = js['weightsManifest']
        blob = b''.join((path.parent / p).read_bytes() for g in manifest for p in g['paths'])
    except (OSError, KeyError, ValueError) as e:
        raise PerceptualLoadError(f'MobileNetV2 weights not found or unreadable at {path} ({e}); pass --mobilenet <model.json> (see ../shared/weights/mobilenet_v2/README.md)') from None
    weights: dict[str, np.ndarray] = {}
    off = 0
    for spec in (w for g in manifest for w in g['weights']):
        if spec.get('dtype', 'float32') != 'float32':
            raise PerceptualLoadError(f'{path}: {spec["name"]} is {spec["dtype"]}, only float32 is supported')
        n = int(np.prod(spec['shape'])) if spec['shape'] else 1
        weights[spec['name']] = np.frombuffer(blob, dtype='<f4', count=n, offset=off).reshape(spec['shape'])
        off += 4 * n
    try:
        inner = js['modelTopology']['config']['layers'][0]['config']['layers'][0]
    except (KeyError, IndexError, TypeError):
        raise PerceptualLoadError(f'{path}: expected the Teachable Machine MobileNetV2 layout') from None
    if inner.get('class_name') not in ('Model', 'Functional'):
        raise PerceptualLoadError(f'{path}: expected the Teachable Machine MobileNetV2 layout')
    return inner['config']['layers'], weights


class MobileNetFeatures(nn.Module):
    def __init__(self, model_json: str | Path, layer: str = 'block_3_expand_relu'):
        super().__init__()
        layers, w = _read(Path(model_json))
        names = [l['name'] for l in layers]
        if layer not in names:
            raise PerceptualLoadError(f"MobileNetV2 has no layer '{layer}' (e.g. block_3_expand_relu, block_6_expand_relu, out_relu)")
        self.graph: list[tuple[str, str, dict[str, Any], list[str]]] = []
        for l in layers[: names.index(layer) + 1]:
            inputs = [x[0] for x in l['inbound_nodes'][0]] if l['inbound_nodes'] else []
            self.graph.append((l['name'], l['class_name'], l['config'], inputs))
            key = l['name'].replace('/', '_')
            t = lambda k: torch.from_numpy(w[f"{l['name']}/{k}"].copy())  # noqa: E731
            if l['class_name'] == 'Conv2D':
                self.register_buffer(f'{key}__w', t('kernel').permute(3, 2, 0, 1).contiguous())
                if l['config']['use_bias']:
                    self.register_buffer(f'{key}__b', t('bias'))
            elif l['class_name'] == 'DepthwiseConv2D':
                k = t('depthwise_kernel')  # [kh, kw, in, mult]
                self.register_buffer(f'{key}__w', k.permute(2, 3, 0, 1).reshape(-1, 1, k.shape[0], k.shape[1]).contiguous())
                if l['config']['use_bias']:
                    self.register_buffer(f'{key}__b', t('bias'))
            elif l['class_name'] == 'BatchNormalization':
                scale = t('gamma') / torch.sqrt(t('moving_variance') + l['config']['epsilon'])
                self.register_buffer(f'{key}__s', scale)
                self.register_buffer(f'{key}__o', t('beta') - t('moving_mean') * scale)
            elif l['class_name'] not in ('InputLayer', 'ZeroPadding2D', 'ReLU', 'Add'):
                raise PerceptualLoadError(f"unsupported layer {l['class_name']} ({l['name']}) before the cut")
        self.layer = layer
        self.requires_grad_(False)
        self.eval()

    def _conv(self, key: str, cfg: dict[str, Any], x: torch.Tensor, groups: int) -> torch.Tensor:
        k, s = cfg['kernel_size'], cfg['strides']
        pad = 0
        if cfg['padding'] == 'same':
            if tuple(s) != (1, 1) or k[0] % 2 == 0:
                raise PerceptualLoadError(f"{key}: 'same' padding only with stride 1 and odd kernels")
            pad = k[0] // 2
        return F.conv2d(x, getattr(self, f'{key}__w'), getattr(self, f'{key}__b', None), stride=tuple(s), padding=pad, groups=groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """NCHW RGB in [0, 1] -> NCHW features at the cut."""
        out: dict[str, torch.Tensor] = {}
        h = x * 2 - 1
        for name, cls, cfg, ins in self.graph:
            key = name.replace('/', '_')
            a = out[ins[0]] if ins else h
            if cls == 'InputLayer':
                y = h
            elif cls == 'ZeroPadding2D':
                (t, b), (l, r) = cfg['padding']
                y = F.pad(a, (l, r, t, b))
            elif cls == 'Conv2D':
                y = self._conv(key, cfg, a, 1)
            elif cls == 'DepthwiseConv2D':
                y = self._conv(key, cfg, a, a.shape[1])
            elif cls == 'BatchNormalization':
                y = a * getattr(self, f'{key}__s')[:, None, None] + getattr(self, f'{key}__o')[:, None, None]
            elif cls == 'ReLU':
                y = torch.clamp(a, 0, cfg['max_value']) if cfg.get('max_value') is not None else F.relu(a)
            else:  # Add
                y = out[ins[0]] + out[ins[1]]
            out[name] = y
        return out[self.layer]
