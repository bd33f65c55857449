"""Griffe extensions for the API reference (listed under the python handler's
``extensions`` in mkdocs.yml).

``DoctestBlocks``: the docstrings keep their examples as bare ``>>>`` blocks, wherever
they sit, so that ``pytest --doctest-modules`` runs them and ``help()`` shows them
plainly. Markdown would read ``>>>`` as nested block quotes; this fences each block as
``pycon`` before the docstring is parsed, and drops doctest flags
(``# doctest: +ELLIPSIS``) and ``<BLANKLINE>`` markers, which are for the test runner,
not the reader. A block is what doctest reads as one: from a ``>>>`` line to the next
blank line (or a line indented less than its prompt). Blocks already inside a fence,
and those under a Google ``Examples:`` header (which griffe renders as code itself),
are left alone.

``BuiltinAnnotations``: griffe looks a name up in the parent packages too, so an
annotation ``bool``, ``float`` or ``int`` in any minigrad module would resolve to
``minigrad.bool`` (the dtype ``bool_``) and be shown and linked as that. Python reads
such a name as the builtin unless the module itself defines or imports it; this makes
griffe read it the same way.
"""

from __future__ import annotations

import builtins
import re
from typing import Any

from griffe import (
    Alias,
    Attribute,
    Expr,
    ExprName,
    Extension,
    Function,
    GriffeLoader,
    Module,
    Object,
)

_PROMPT = re.compile(r"^(?P<indent>\s*)>>>(\s|$)")
_FLAGS = re.compile(r"\s*#\s*doctest:\s*[+-]\w+(\s*,\s*[+-]\w+)*\s*$")
_BLANKLINE = re.compile(r"^\s*<BLANKLINE>\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_EXAMPLES = re.compile(r"^(?P<indent>\s*)Examples?:\s*$")


def fence_doctests(text: str) -> str:
    """``text`` with every doctest block wrapped in a ``pycon`` fence, flags removed."""
    lines = text.split("\n")
    out: list[str] = []
    in_fence = False
    examples_indent: str | None = None  # the indent of the Examples: header we are under
    i = 0
    while i < len(lines):
        line = lines[i]
        prompt = _PROMPT.match(line)
        if _FENCE.match(line):
            in_fence = not in_fence
        header = _EXAMPLES.match(line)
        if header is not None:
            examples_indent = header.group("indent")
        elif examples_indent is not None and line.strip():
            if not line.startswith(examples_indent) or line[len(examples_indent)] != " ":
                examples_indent = None
        if in_fence or prompt is None or examples_indent is not None:
            out.append(line)
            i += 1
            continue
        indent = prompt.group("indent")
        # Markdown starts a fence only after a blank line, and ends text before one.
        if out and out[-1].strip():
            out.append("")
        out.append(f"{indent}```pycon")
        while i < len(lines) and lines[i].strip() and lines[i].startswith(indent):
            out.append(_BLANKLINE.sub("", _FLAGS.sub("", lines[i])))
            i += 1
        out.append(f"{indent}```")
        if i < len(lines) and lines[i].strip():
            out.append("")
    return "\n".join(out)


class DoctestBlocks(Extension):
    """Fence the doctest blocks of every docstring griffe loads."""

    def on_instance(self, *, obj: Object, **kwargs: Any) -> None:
        """Rewrite ``obj``'s docstring as it is created, before it is parsed."""
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)


def _names(expr: Expr | str | None) -> list[ExprName]:
    if not isinstance(expr, Expr):
        return []
    return [part for part in expr.iterate(flat=True) if isinstance(part, ExprName)]


def _objects(obj: Object) -> list[Object]:
    found = [obj]
    for member in obj.members.values():
        if not isinstance(member, Alias):
            found.extend(_objects(member))
    return found


class BuiltinAnnotations(Extension):
    """Read ``bool``, ``float``, ``int``... in annotations as Python does: the builtins,
    unless the annotating module binds the name itself.
    """

    def on_package(self, *, pkg: Module, loader: GriffeLoader, **kwargs: Any) -> None:
        """Unscope the builtin names of every annotation in the loaded package."""
        for obj in _objects(pkg):
            annotations: list[Expr | str | None] = []
            if isinstance(obj, Function):
                annotations = [p.annotation for p in obj.parameters] + [obj.returns]
            elif isinstance(obj, Attribute):
                annotations = [obj.annotation]
            for name in (n for a in annotations for n in _names(a)):
                bound = name.name in obj.module.members
                if isinstance(name.parent, Object) and hasattr(builtins, name.name) and not bound:
                    name.parent = None
