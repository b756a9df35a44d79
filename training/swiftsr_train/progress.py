"""Progress line on stderr and the JSON-lines log the training curves are drawn from."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


class Progress:
    def __init__(self, total: int, log_path: Path, every_s: float = 10.0):
        self.total, self.log_path, self.every_s = total, log_path, every_s
        self.t_last, self.step_last = time.monotonic(), -1
        self.rate = 0.0
        log_path.parent.mkdir(parents=True, exist_ok=True)

    def log(self, rec: dict[str, Any]) -> None:
        with open(self.log_path, 'a') as f:
            f.write(json.dumps(rec) + '\n')

    def tick(self, step: int, loss: float, lr: float, elapsed: float, val: str = '', force: bool = False) -> None:
        now = time.monotonic()
        if self.step_last < 0:
            self.step_last, self.t_last = step, now
            return
        if not force and now - self.t_last < self.every_s:
            return
        if now > self.t_last and step > self.step_last:
            self.rate = (step - self.step_last) / (now - self.t_last)
        self.t_last, self.step_last = now, step
        eta = (self.total - step) / self.rate if self.rate > 0 else float('nan')
        line = f'step {step}/{self.total} | {self.rate:.2f} steps/s | loss {loss:.5f} | lr {lr:.2e} | {_hms(elapsed)} elapsed, ETA {_hms(eta)}'
        print(line + (f' | {val}' if val else ''), file=sys.stderr, flush=True)


def _hms(s: float) -> str:
    if s != s:
        return '?'
    s = int(s)
    return f'{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}'
