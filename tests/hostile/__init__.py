"""Quick forms of the attack scripts in `bench/attack/`: each test loads its script and runs it small."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ATTACK = Path(__file__).resolve().parents[2] / "bench" / "attack"


def load_attack(name: str) -> ModuleType:
    """`bench/attack/<name>.py` as a module (the scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(f"fakellm_bench_{name}", ATTACK / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
