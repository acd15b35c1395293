"""Modules the commands use, imported when a command first touches them: `datawash
--help` and a simple query should not load DuckDB, Splink, matplotlib and the document
libraries that only the wash and the FOI letters need. The standard library's LazyLoader
does the work; under TYPE_CHECKING the adapters import the real modules, so mypy still
checks every call."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:  # pragma: no cover - a typo in an adapter
        raise ImportError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
