"""The layout ARCHITECTURE.md promises: domain packages whose imports form no cycle.

Read from the source (every import, those inside functions included, since a deferred import
is still a dependency), so the test needs no import-linter and cannot be fooled by laziness.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "portal" / "services"
PACKAGES = ("core", "tickets", "hotline", "stores", "warehouse", "quality", "documents")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def service_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in SERVICES.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name}
            for name, path in modules.items()}


def _package(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 else None


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_services_are_grouped_into_the_domain_packages():
    loose = sorted(p.name for p in SERVICES.glob("*.py") if p.name != "__init__.py")
    assert loose == [], f"modules outside a domain package: {loose}"
    assert sorted(p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists()) == \
        sorted(PACKAGES)


def test_no_module_import_cycle():
    assert _cycle(service_graph()) is None


def test_no_package_import_cycle():
    packages: dict[str, set[str]] = {}
    for module, targets in service_graph().items():
        source = _package(module)
        if source:
            packages.setdefault(source, set()).update(
                t for t in map(_package, targets) if t and t != source)
    assert _cycle(packages) is None


@pytest.mark.parametrize("package", PACKAGES)
def test_services_never_import_the_web_layer(package):
    for path in (SERVICES / package).rglob("*.py"):
        bad = {m for m in _imports(path) if m.startswith(("portal.blueprints", "portal.web"))}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
