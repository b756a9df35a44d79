from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope='session')
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The engine caches LR images under $XDG_CACHE_HOME; tests keep theirs out of the user's cache."""
    path = tmp_path_factory.mktemp('cache')
    old = os.environ.get('XDG_CACHE_HOME')
    os.environ['XDG_CACHE_HOME'] = str(path)
    yield path
    if old is None:
        os.environ.pop('XDG_CACHE_HOME', None)
    else:
        os.environ['XDG_CACHE_HOME'] = old
