"""The shape of the code, checked: no import cycle between modules, and project types told
apart by name only in their own plug-ins, so adding a type never means editing the
machinery around them (docs/architecture.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"nanoforge.engine": ROOT / "engine", "nanoforge.codegen": ROOT / "codegen",
            "nanoforge.daemon": ROOT / "daemon", "nanoforge.cli": ROOT / "clients" / "cli"}
# Where a project type may be named: the type plug-ins themselves (engine and C side).
PLUGINS = (ROOT / "engine" / "types", ROOT / "codegen" / "apis")
TYPE_LITERAL = re.compile(r"""(["'])(ncc|ad|1cc|ext)\1""")


def _modules() -> dict[str, Path]:
    out = {}
    for pkg, d in PACKAGES.items():
        for f in d.rglob("*.py"):
            parts = list(f.relative_to(d).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([pkg, *parts])] = f
    return out


def _is_package(f: Path) -> bool:
    return f.name == "__init__.py"


def _top_level_imports(name: str, f: Path, known: dict[str, Path]) -> set[str]:
    """Modules `name` imports when it is imported (not inside functions, not for typing only)."""
    tree = ast.parse(f.read_text())
    base = name if _is_package(f) else name.rpartition(".")[0]
    out: set[str] = set()

    def add(mod: str) -> None:
        while mod and mod not in known:
            mod = mod.rpartition(".")[0]
        if mod and mod != name:
            out.add(mod)

    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            continue
        for sub in ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]:
            if isinstance(sub, ast.Import):
                for a in sub.names:
                    add(a.name)
            elif isinstance(sub, ast.ImportFrom):
                if sub.level:
                    anchor = base
                    for _ in range(sub.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    mod = f"{anchor}.{sub.module}" if sub.module else anchor
                else:
                    mod = sub.module or ""
                for a in sub.names:  # `from . import x` imports the module x
                    full = f"{mod}.{a.name}"
                    add(full if full in known else mod)
    return out


def test_no_module_level_import_cycle() -> None:
    known = _modules()
    graph = {m: _top_level_imports(m, f, known) for m, f in known.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycle = stack[stack.index(n):] + [n]
                # a package importing its own submodules, which import the package's
                # other submodules, is how a registry fills itself: not a cycle
                if not all(c.startswith(cycle[0] + ".") or c == cycle[0] for c in cycle) or not _is_package(known[n]):
                    raise AssertionError("import cycle: " + " → ".join(cycle))
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_only_the_type_plugins_name_a_project_type() -> None:
    found = []
    for f in _modules().values():
        if any(f.is_relative_to(p) for p in PLUGINS):
            continue
        for i, line in enumerate(f.read_text().splitlines(), 1):
            if TYPE_LITERAL.search(line):
                found.append(f"{f.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not found, "project types named outside their plug-ins:\n" + "\n".join(found)


def test_the_extension_names_no_project_type() -> None:
    src = ROOT / "clients" / "vscode" / "src"
    found = [f"{f.name}:{i}" for f in src.glob("*.ts") if f.name != "protocol.ts"
             for i, line in enumerate(f.read_text().splitlines(), 1) if TYPE_LITERAL.search(line)]
    assert not found, found


def test_no_citation_of_a_document_outside_the_repository() -> None:
    files = [*_modules().values(), *(ROOT / "tests").glob("*.py"), ROOT / "README.md",
             *(ROOT / "clients" / "vscode" / "src").glob("*.ts")]
    found = [str(f.relative_to(ROOT)) for f in files if f != Path(__file__) and "DESIGN §" in f.read_text()]
    assert not found, found
