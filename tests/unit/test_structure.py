"""The shape architecture.md asks for: sync owns its tables, packages form no cycle,
functions stay small, and every query goes through an engine it was handed."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.accounts.tables import Account
from backend.sync.tables import Change, Record, SyncState

BACKEND = Path(__file__).resolve().parents[2] / "backend"
MAX_FUNCTION_LINES = 60
SYNC_TABLES = [t._meta.tablename for t in (SyncState, Record, Change)]
# SQL that names a table: FROM record, JOIN "change" c, INSERT INTO sync_state, UPDATE record...
SQL_NAMING = re.compile(
    r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+\"?(" + "|".join(SYNC_TABLES) + r")\b\"?",
    re.IGNORECASE,
)


def modules(*, skip_migrations: bool = True) -> Iterator[Path]:
    for path in sorted(BACKEND.rglob("*.py")):
        if skip_migrations and "migrations" in path.relative_to(BACKEND).parts:
            continue
        yield path


def string_literals(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def _sql_hits(path: Path) -> list[str]:
    found = []
    for line, text in string_literals(path):
        # Docstrings may talk about "a record from the journal"; SQL keywords are upper-case.
        for match in SQL_NAMING.finditer(text):
            if match.group(0).split()[0].isupper():
                found.append(f"{path.name}:{line}: {match.group(0)}")
    return found


def sync_table_sql(path: Path) -> list[str]:
    return [f"{path.parent.name}/{hit}" for hit in _sql_hits(path)]


def test_the_sql_pattern_finds_what_it_is_meant_to(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'Q = "SELECT user_id, fields FROM record WHERE kind = {}"\n'
        'R = "SELECT 1 FROM reminder r JOIN \\"change\\" c ON c.id = r.id"\n'
        'S = "moving from record to record"\n'
        'T = "INSERT INTO sync_state (user_id) VALUES ({})"\n',
        encoding="utf-8",
    )
    # BACKEND.parent is the repository; the sample lives elsewhere, so report it plainly.
    found = [m.group(1) for _, text in string_literals(sample) for m in SQL_NAMING.finditer(text)]
    # The prose line matches the pattern too; sync_table_sql drops it (lower-case "FROM"
    # would not, so the keyword case check is what keeps prose out).
    assert found == ["record", "change", "record", "sync_state"]
    assert [hit.rsplit(": ", 1)[1] for hit in _sql_hits(sample)] == [
        "FROM record",
        'JOIN "change"',
        "INTO sync_state",
    ]


def test_no_module_outside_sync_writes_sql_over_sync_tables() -> None:
    outside = [p for p in modules() if "sync" not in p.relative_to(BACKEND).parts[:1]]
    found = [hit for path in outside for hit in sync_table_sql(path)]
    assert found == [], "read the journal through backend.sync.read instead:\n" + "\n".join(found)


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "backend" and len(parts) > 1 else None


def imported_packages(path: Path) -> set[str]:
    """The backend packages this module imports, at any depth (lazy imports count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from backend import db` imports the module backend.db.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {p for p in map(package_of, names) if p is not None and (BACKEND / p).exists()}


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in modules(skip_migrations=False):
        relative = path.relative_to(BACKEND)
        if relative.parts[0] == "migrations":
            continue
        package = relative.parts[0].removesuffix(".py") if len(relative.parts) > 1 else None
        if package is None:
            continue  # top-level modules (app, db, settings...) are checked as leaves below
        graph.setdefault(package, set()).update(imported_packages(path) - {package})
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_backend_packages_import_each_other_without_cycles() -> None:
    graph = package_graph()
    assert {"accounts", "sync", "reminders", "journal", "demo"} <= set(graph)
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph) or [])}"


def test_domain_packages_never_import_the_wiring() -> None:
    # The app, the CLI and the services wiring sit on top; no domain reaches back up to them.
    wiring = {"app", "services", "__main__", "demo"}
    graph = package_graph()
    offenders = {
        package: sorted(deps & wiring)
        for package, deps in graph.items()
        if package != "demo" and deps & wiring
    }
    assert offenders == {}


def long_functions(path: Path) -> list[tuple[str, int, int]]:
    """(name, line, length) of each function longer than the limit, decorators included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            lines = (node.end_lineno or node.lineno) - first + 1
            if lines > MAX_FUNCTION_LINES:
                found.append((node.name, node.lineno, lines))
    return found


def test_no_backend_function_is_longer_than_60_lines() -> None:
    # Migrations are generated by Piccolo and never edited by hand: they are left out.
    found = [
        f"{path.relative_to(BACKEND.parent)}:{line} {name} ({lines} lines)"
        for path in modules()
        for name, line, lines in long_functions(path)
    ]
    assert found == [], "split these into named parts:\n" + "\n".join(found)


def test_long_function_counter_counts(tmp_path: Path) -> None:
    sample = tmp_path / "long.py"
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    sample.write_text(f"def short():\n    pass\n\n\nasync def long():\n{body}\n", encoding="utf-8")
    assert long_functions(sample) == [("long", 5, MAX_FUNCTION_LINES + 1)]


async def test_tables_refuse_orm_queries_so_engines_cannot_cross() -> None:
    # Every query takes the engine it was handed (backend.db); a table bound to some global
    # engine would let one app's query land in another app's database.
    import backend.migrate  # noqa: F401  # unbinds the tables on import

    with pytest.raises(RuntimeError, match="not bound to an engine"):
        await Account.select(Account.id).run()
