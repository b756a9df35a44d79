"""The variant registry is `src/model/variants.ts`; this reads it instead of keeping a second copy."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_ENTRY = re.compile(r"v\('([\w-]+)',\s*\{\s*scale:\s*(\d+),\s*channels:\s*(\d+),\s*blocks:\s*(\d+),\s*skip:\s*'(\w+)',\s*tail:\s*'(\w+)'\s*\}")


@dataclass(frozen=True)
class Variant:
    name: str
    scale: int
    channels: int
    blocks: int
    skip: str
    tail: str

    def config(self) -> dict[str, object]:
        return {'scale': self.scale, 'channels': self.channels, 'blocks': self.blocks, 'skip': self.skip, 'tail': self.tail}


def load_variants(path: Path = REPO / 'src' / 'model' / 'variants.ts') -> dict[str, Variant]:
    found = {m[0]: Variant(m[0], int(m[1]), int(m[2]), int(m[3]), m[4], m[5]) for m in _ENTRY.findall(path.read_text())}
    if not found:
        raise RuntimeError(f'no variants parsed from {path}: its v(name, {{...}}) entries changed shape')
    return found


def get_variant(name: str) -> Variant:
    variants = load_variants()
    if name not in variants:
        raise ValueError(f"unknown variant '{name}'; known: {', '.join(variants)}")
    return variants[name]
