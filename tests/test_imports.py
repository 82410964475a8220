"""Every module imports on its own, and the layers only import downwards.

Each module is imported on an interpreter where no other nearhit module is loaded yet (an import cycle shows
only then: ``import nearhit.embeddings.cache`` once failed that way while the test suite, which had loaded the
cache first, passed). The engine (``cache``, ``embeddings``, ``llm``, ``economics``, ``guards``, ``decision``)
never imports the service, HTTP, gateway, CLI or library layers above it.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import nearhit

SRC = Path(nearhit.__file__).parent
ENGINE = ("cache", "embeddings", "llm", "economics", "guards", "decision")
ABOVE_ENGINE = ("api", "gateway", "service", "cli", "library", "integrations", "evaluation", "web")

# Bytecode is written even under PYTHONDONTWRITEBYTECODE: each module is imported again ~160 times, and
# compiling its source every time doubled the test's CPU (the .pyc is checked against the source's mtime).
_IMPORT_EACH = """
import importlib, json, sys, traceback
sys.dont_write_bytecode = False
failures = {}
for name in json.loads(sys.argv[1]):
    for loaded in [m for m in sys.modules if m == "nearhit" or m.startswith("nearhit.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failures[name] = traceback.format_exc(limit=3)
print(json.dumps(failures))
"""


def _modules() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages([str(SRC)], prefix="nearhit."))


@pytest.mark.slow  # 6 s: every module imported again after a fresh start of its own
def test_every_module_imports_on_a_fresh_interpreter() -> None:
    modules = _modules()
    assert "nearhit.cache.semantic_cache" in modules and len(modules) > 100
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, json.dumps(modules)], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == {}


def test_the_engine_imports_nothing_above_it() -> None:
    upward = []
    for package in ENGINE:
        for path in sorted((SRC / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
                upward += [
                    f"{path.relative_to(SRC)} imports {name}"
                    for name in names
                    if name.split(".")[:2] in (["nearhit", layer] for layer in ABOVE_ENGINE)
                ]
    assert upward == []
