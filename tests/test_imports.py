"""The bot's modules import one another one way: no module reaches back to one that imports it."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"


def imports_of(path: Path) -> set[str]:
    """The bot modules one file imports anywhere: at the top, inside functions or under TYPE_CHECKING."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "bot":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("bot.")}
    return found - {path.stem}


def module_graph() -> dict[str, set[str]]:
    """Each bot module -> the bot modules it imports."""
    return {path.stem: imports_of(path) for path in sorted(BOT.glob("*.py"))}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path that ends where it starts, or [] when there is none."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str]:
        if module in path:
            return path[path.index(module) :] + [module]
        if module in done:
            return []
        for imported in sorted(graph.get(module, ())):
            cycle = visit(imported, path + [module])
            if cycle:
                return cycle
        done.add(module)
        return []

    for module in sorted(graph):
        cycle = visit(module, [])
        if cycle:
            return cycle
    return []


def test_the_bot_modules_import_one_way() -> None:
    cycle = find_cycle(module_graph())
    assert cycle == [], "import cycle: " + " -> ".join(cycle)


def test_find_cycle_reports_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_the_content_layer_never_reaches_the_engine() -> None:
    graph = module_graph()

    def reach(module: str, seen: set[str]) -> set[str]:
        for imported in graph.get(module, set()) - seen:
            seen.add(imported)
            reach(imported, seen)
        return seen

    assert {"engine", "rendering", "selfcheck", "app", "handlers"}.isdisjoint(reach("content", set()))
