"""STYLE 2.3's dependency direction, read from the import statements of minigrad/.

kernels ← ops ← functional ← nn ← optim, with autograd and tensor under the ops. Lazy
imports inside functions count too; only tensor.py may import upward (its methods
call ops, the in-place machinery, the legacy type names and the torch.* functions).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "minigrad"

# The layer of each top-level part of the package; an import may not go to a higher one.
LAYERS = {
    "kernels": 0,
    "dtypes": 0,
    "_checks": 0,
    "random": 0,
    "autograd": 0,
    "tensor": 0,
    "devices": 0,
    "cuda": 0,
    "accelerator": 0,
    "backends": 0,
    "ops": 1,
    "_inplace": 2,
    "legacy": 2,
    "factories": 2,
    "sampling": 2,
    "functions": 2,
    "functional": 2,
    "serialization": 2,
    "nn": 3,
    "optim": 4,
}
ALLOWED_UPWARD = {
    ("minigrad.tensor", "ops"),
    ("minigrad.tensor", "_inplace"),
    ("minigrad.tensor", "legacy"),
    ("minigrad.tensor", "functions"),
}
# The optimisers' elementwise updates are one-pass kernels (issue 6): arrays only, no graph.
# Each one a kernel that a layer uses on arrays it owns: Adam's fused update, and
# orthogonal_'s QR, which must run on one BLAS thread (its bits depend on the count).
ALLOWED_SKIPS = {("optim", "minigrad.kernels.optim"), ("nn", "minigrad.kernels.linalg")}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    root = PACKAGE.parent
    return (root / relative).with_suffix(".py").exists() or (root / relative).is_dir()


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, at any depth of the file (lazy imports included)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                names.append(submodule if _is_module(submodule) else node.module)
    return names


def _sources() -> list[tuple[str, list[str]]]:
    return [(_module_name(p), _imports(p)) for p in sorted(PACKAGE.rglob("*.py"))]


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "minigrad" and len(parts) > 1 else None


def test_every_part_of_the_package_has_a_layer():
    parts = {_part(name) for name, _ in _sources()} - {None}
    assert parts <= set(LAYERS), f"add {sorted(parts - set(LAYERS))} to LAYERS"


def test_kernels_import_only_numpy_numba_and_the_standard_library():
    bad = [
        (name, target)
        for name, targets in _sources()
        if _part(name) == "kernels"
        for target in targets
        # threadpoolctl: the kernels hold numpy's BLAS at one thread (issue 6).
        if target.split(".")[0]
        not in {"numpy", "numba", "threadpoolctl", *sys.stdlib_module_names}
        and _part(target) != "kernels"
    ]
    assert not bad, f"kernels importing beyond numpy/numba/stdlib: {bad}"


def test_nothing_but_tensor_imports_upward():
    bad = []
    for name, targets in _sources():
        source = _part(name)
        if source is None:  # minigrad/__init__.py re-exports everything
            continue
        for target in targets:
            destination = _part(target)
            if target == "minigrad":
                bad.append((name, target))
            elif destination is not None and LAYERS[destination] > LAYERS[source]:
                if (name, destination) not in ALLOWED_UPWARD:
                    bad.append((name, target))
    assert not bad, f"imports against the dependency direction: {bad}"


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("ops", {"functional", "nn", "optim", "factories"}),
        ("nn", {"ops", "kernels"}),
        ("optim", {"ops", "kernels", "functional", "factories"}),
    ],
)
def test_layers_skip_no_level(layer, forbidden):
    bad = [
        (name, target)
        for name, targets in _sources()
        if _part(name) == layer
        for target in targets
        if _part(target) in forbidden and (layer, target) not in ALLOWED_SKIPS
    ]
    assert not bad, f"{layer} must not import {sorted(forbidden)}: {bad}"
