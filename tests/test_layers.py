"""The structure the README's "Layers" section describes, enforced: no import loop between modules
of `livedesk` (imports inside functions and under TYPE_CHECKING count too), and features import
only features below them, never one beside or above."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "livedesk"

# Top to bottom. A module belongs to the layer of its feature (its first package under
# `livedesk`); every feature's `endpoints.py` is an entry point. A module imports modules of its
# own feature and of lower layers only: two features of one layer never import each other.
LAYERS: list[tuple[str, set[str]]] = [
    (
        "entry points",
        {
            "app",
            "cli",
            "__main__",
            "demo",
            "deps",
            "container",
            "web",
            "client",
            "widget",
            "console",
        },
    ),
    ("reports", {"reports"}),
    ("operations", {"ops"}),
    ("org files", {"setup"}),
    ("supervision", {"supervision"}),
    ("agents", {"agents"}),
    ("attachments", {"attachments"}),
    ("flows", {"flows"}),
    ("the Conversation Toolkit", {"toolkit"}),
    ("platform events", {"events"}),
    ("contact", {"contact"}),
    ("conversations", {"conversations"}),
    ("routing", {"routing"}),
    ("records", {"records"}),
    ("auth", {"auth"}),
    ("orgs", {"orgs"}),
    ("streams", {"streams"}),
    ("timers", {"timers"}),
    ("bus", {"bus"}),
    ("kit", {"kit", "models", "config", "errors"}),
]
ENTRY = 0


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.relative_to(PACKAGE).parts:
            continue  # Alembic's scripts: loaded by Alembic, never imported
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """Every module of `livedesk` that `name` imports, anywhere in the file, with the line."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _known(alias.name, known, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                target = f"{base}.{alias.name}"
                yield from _known(target if target in known else base, known, node.lineno)


def _known(target: str, known: dict[str, Path], line: int) -> Iterator[tuple[str, int]]:
    while target and target not in known:
        target = target.rpartition(".")[0]
    if target.startswith("livedesk") and target != "livedesk":
        yield target, line


def graph() -> dict[str, dict[str, int]]:
    known = modules()
    edges: dict[str, dict[str, int]] = defaultdict(dict)
    for name, path in known.items():
        for target, line in imports(name, path, known):
            if target != name:
                edges[name].setdefault(target, line)
    return edges


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) > 2 and parts[2] == "endpoints":
        return ENTRY
    feature = parts[1] if len(parts) > 1 else parts[0]
    for index, (_, features) in enumerate(LAYERS):
        if feature in features:
            return index
    raise AssertionError(f"{module}: its feature {feature!r} is in no layer of LAYERS")


def feature_of(module: str) -> str:
    """Its feature; the foundation (kit, models, config, errors) counts as one."""
    parts = module.split(".")
    feature = parts[1] if len(parts) > 1 else parts[0]
    return "kit" if feature in LAYERS[-1][1] else feature


def test_no_import_loop_between_modules() -> None:
    edges = graph()
    loops = _cycles(edges)
    assert loops == [], "import loops (function-local imports included):\n" + "\n".join(
        " → ".join([*loop, loop[0]]) for loop in loops
    )


def test_features_import_only_features_below_them() -> None:
    wrong: list[str] = []
    for module, targets in sorted(graph().items()):
        for target, line in sorted(targets.items()):
            mine, theirs = layer_of(module), layer_of(target)
            if feature_of(module) == feature_of(target) and not target.endswith(".endpoints"):
                continue
            if mine == ENTRY and theirs == ENTRY:
                # Entry points compose each other (app builds on deps, web, every router), but
                # a feature's endpoints never reach into another feature's endpoints.
                endpoints = module.endswith(".endpoints") and target.endswith(".endpoints")
                if endpoints and feature_of(target) != feature_of(module):
                    wrong.append(f"{module}:{line} imports {target} (another feature's endpoints)")
                continue
            if theirs <= mine:
                wrong.append(
                    f"{module}:{line} ({LAYERS[mine][0]}) imports {target} ({LAYERS[theirs][0]})"
                )
    assert wrong == [], "imports against the layers:\n" + "\n".join(wrong)


def test_every_feature_has_a_layer() -> None:
    features = {feature_of(m) for m in modules() if m != "livedesk"}
    placed = set().union(*(f for _, f in LAYERS))
    assert features <= placed, f"place these in LAYERS (and the README): {features - placed}"


@pytest.mark.parametrize(
    ("files", "loop"),
    [
        ({"a": "from livedesk import b", "b": "def f():\n    from livedesk import a"}, True),
        (
            {
                "a": "from livedesk import b",
                "b": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import livedesk.a",
            },
            True,
        ),
        ({"a": "from livedesk import b", "b": "from livedesk import c"}, False),
    ],
)
def test_the_loop_check_sees_function_local_and_type_checking_imports(
    tmp_path: Path, files: dict[str, str], loop: bool
) -> None:
    """The check itself, on a tiny package (so a loop hidden in a function cannot slip by)."""
    known = {f"livedesk.{n}": tmp_path / f"{n}.py" for n in ("a", "b", "c")}
    for n in ("a", "b", "c"):
        (tmp_path / f"{n}.py").write_text(files.get(n, "") + "\n")
    edges: dict[str, dict[str, int]] = defaultdict(dict)
    for name, path in known.items():
        for target, line in imports(name, path, known):
            edges[name].setdefault(target, line)
    assert bool(_cycles(edges)) is loop


def _cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(edges):
        if v not in index:
            visit(v)
    return found
