"""STYLE 2.3's dependency direction, read from the import statements of minigrad/.

kernels ← ops ← functional ← nn ← optim, with autograd and tensor under the ops. Only
tensor.py may import upward (its methods call ops, the in-place machinery, the legacy
type names and the torch.* functions), and it does so in one way, the package's one
import idiom (see the top of minigrad/tensor.py): every module imports at its top,
``from minigrad.tensor import Tensor`` included; tensor.py alone imports the rest of
the cycle at its foot, after the class; minigrad/__init__.py imports tensor.py first;
and no function imports a minigrad module in its body.
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
    "generator": 0,
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
    "utils": 4,
    "viz": 5,
}
# The foot of tensor.py (the cycle's closing imports) and nothing else.
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


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules one import statement imports."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not node.module or node.level != 0:
        return []
    names = []
    for alias in node.names:
        submodule = f"{node.module}.{alias.name}"
        names.append(submodule if _is_module(submodule) else node.module)
    return names


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, at any depth of the file (lazy imports included)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.extend(_imported(node))
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


# ---- the one import idiom for the Tensor / ops / autograd cycle ----------------------------


def _is_code(statement: ast.stmt) -> bool:
    """Whether a top-level statement ends a module's import block: anything but an
    import, the docstring, or an ``if TYPE_CHECKING:`` block.
    """
    if isinstance(statement, ast.Import | ast.ImportFrom | ast.If):
        return False
    return not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))


def _foot_imports(path: Path) -> list[str]:
    """The modules that ``path`` imports at module level after its first definition."""
    names: list[str] = []
    started = False
    for statement in ast.parse(path.read_text()).body:
        started = started or _is_code(statement)
        if started and isinstance(statement, ast.Import | ast.ImportFrom):
            names.extend(_imported(statement))
    return names


def test_no_function_imports_a_minigrad_module_in_its_body():
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        bad += [(_module_name(path), name) for name in _imported(inner)]
    bad = [(name, target) for name, target in bad if target.split(".")[0] == "minigrad"]
    assert not bad, f"import at the top of the module instead (see minigrad/tensor.py): {bad}"


def test_only_tensor_imports_at_its_foot_and_only_the_cycle():
    feet = {
        _module_name(path): _foot_imports(path)
        for path in sorted(PACKAGE.rglob("*.py"))
        if _foot_imports(path)
    }
    assert set(feet) == {"minigrad.tensor"}, f"imports below definitions: {feet}"
    upward = {
        (name, _part(target))
        for name, targets in _sources()
        if name == "minigrad.tensor"
        for target in targets
        if _part(target) is not None and LAYERS[_part(target)] > LAYERS["tensor"]
    }
    foot = {("minigrad.tensor", _part(target)) for target in feet["minigrad.tensor"]}
    assert upward == ALLOWED_UPWARD and upward <= foot, (upward, foot)


def test_the_package_imports_tensor_first():
    statements = ast.parse((PACKAGE / "__init__.py").read_text()).body
    first = next(s for s in statements if isinstance(s, ast.Import | ast.ImportFrom))
    assert _imported(first) == ["minigrad.tensor"], ast.unparse(first)
