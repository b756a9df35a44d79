"""Export through the TypeScript .pth importer (bin/convert-pth.ts), which folds BN and permutes the
pixel-shuffle channels: one implementation of that layout logic, not a Python copy."""
from __future__ import annotations

import json
import math
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import torch

from .variants import REPO


class ExportError(RuntimeError):
    pass


def export_model(model: torch.nn.Module, variant: str, out_dir: Path, provenance: dict[str, Any]) -> None:
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    tsx = REPO / 'node_modules' / '.bin' / 'tsx'
    if not tsx.exists():
        raise ExportError(f'{tsx} is missing: run `npm ci` (the export uses bin/convert-pth.ts)')
    with tempfile.TemporaryDirectory(prefix='swiftsr-export-') as tmp:
        pth, prov = Path(tmp) / f'{variant}.pth', Path(tmp) / 'provenance.json'
        torch.save(state, pth)
        prov.write_text(json.dumps(_json_safe(provenance), allow_nan=False))
        r = subprocess.run([str(tsx), str(REPO / 'bin' / 'convert-pth.ts'), str(pth), str(out_dir.resolve()), '--variant', variant, '--provenance', str(prov)],
                           cwd=REPO, capture_output=True, text=True, env={**os.environ, 'NODE_NO_WARNINGS': '1'})
    if r.returncode != 0:
        raise ExportError(f'bin/convert-pth.ts failed ({r.returncode}): {(r.stderr or r.stdout).strip()[-800:]}')


def _json_safe(x: Any) -> Any:
    """NaN/inf (e.g. no held-out image, so no validation PSNR) become null: JSON has no NaN."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    return x
