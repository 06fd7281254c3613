"""The import graph keeps the shape docs/architecture.md draws: lib and gateways below the areas,
no cycle between areas, and an area reaching another only through that area's public modules.
Read from the source with ast (every import counts, also one inside a function).

Not areas here: lib, gateways, the top-level modules (create_app, areas.py, request_hooks.py, the
CLI, the worker: they put the areas together) and api, the /api/v1 blueprint the areas add their
routes to."""
import ast
from collections import defaultdict
from pathlib import Path

from plexportal.areas import NAMES

AREAS = set(NAMES) - {"api"}

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "plexportal"

# Shared by every area, below all of them: the settings store, the person record, the audit log
# and the request guards every area's views use. They import no other area module.
PLATFORM = {
    "plexportal.settings.service", "plexportal.settings.registry", "plexportal.settings.models",
    "plexportal.settings.setting_defs",
    "plexportal.auth.models", "plexportal.auth.hosts", "plexportal.auth.throttle",
    "plexportal.admin.audit", "plexportal.admin.models",
    # The one find-or-create of a person (DESIGN law 12), used by every door: below the areas.
    "plexportal.people.service", "plexportal.people.identity", "plexportal.people.merging",
    "plexportal.people.models",
}

# What another area may import, besides PLATFORM (docs/architecture.md, "Public modules").
PUBLIC = {
    "admin": set(),
    "auth": {"service",                                # sign-in state, sessions, the first admin
             "forms", "oidc"},                         # the setup wizard's first-admin form and OIDC test
    "backups": {"service"},
    "health": {"service"},
    "invites": {"service", "models"},
    "media": {"service", "models", "events", "shape", "parsing"},
    "notify": {"service", "models", "links", "episodes",
               "send",                                 # Rendered and GateResult, for renderers and gates
               "render",                               # render_update and safe_url, for short updates
               "tasks"},                               # wake the sender at a given time
    "ops": {"service"},
    "people": {"service"},
    "settings": {"checks"},                            # the connections' last Test results
}

# Cycles inside an area that are known and accepted. A new one fails the test, and so does one
# listed here that is gone (take it off). A service enqueues its own tasks by name
# (areas.task), so service <-> tasks is not one of them.
KNOWN_AREA_CYCLES = [
    # the invite's redemption, the access it grants and the Plex share that provisions it
    {"plexportal.invites.access", "plexportal.invites.provisioning", "plexportal.invites.service"},
]


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(name: str) -> bool:
    base = ROOT / name.replace(".", "/")
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("plexportal")}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("plexportal"):
            for a in node.names:           # `from plexportal.media import service` names a module
                name = f"{node.module}.{a.name}"
                out.add(name if _exists(name) else node.module)
    return out


GRAPH = {_module(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def _area(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in AREAS else None


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in ("lib", "gateways") else "other"


def _cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def test_lib_and_gateways_sit_below_the_areas():
    wrong = []
    for module, targets in GRAPH.items():
        layer = _layer(module)
        for target in targets:
            if layer in ("lib", "gateways") and (_area(target) or target.startswith("plexportal.api")) \
                    and target not in PLATFORM:
                wrong.append(f"{module} -> {target}")
            if layer == "lib" and _layer(target) == "gateways":
                wrong.append(f"{module} -> {target}")
    assert not wrong, "lib and gateways import no area (only the settings store); lib no gateway:\n" + "\n".join(wrong)


def test_the_platform_modules_import_no_area():
    wrong = [f"{m} -> {t}" for m in PLATFORM for t in GRAPH[m] if _area(t) and t not in PLATFORM]
    assert not wrong, "\n".join(wrong)


def test_no_cycle_between_areas():
    edges = defaultdict(set)
    why = defaultdict(list)
    for module, targets in GRAPH.items():
        for target in targets:
            a, b = _area(module), _area(target)
            if a and b and a != b and target not in PLATFORM:
                edges[a].add(b)
                why[(a, b)].append(f"{module} -> {target}")
    cycles = _cycles(edges)
    detail = [f"{a} -> {b}: {why[(a, b)]}" for c in cycles for a in c for b in edges[a] if b in c]
    assert not cycles, "areas import each other in a circle:\n" + "\n".join(detail)


def test_an_area_reaches_another_only_through_its_public_modules():
    wrong = []
    for module, targets in GRAPH.items():
        for target in targets:
            a, b = _area(module), _area(target)
            if not (a and b and a != b) or target in PLATFORM:
                continue
            if target.split(".", 2)[2].split(".")[0] not in PUBLIC[b]:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "use the area's public modules (PUBLIC above):\n" + "\n".join(sorted(wrong))


def test_cycles_inside_an_area_are_only_the_known_few():
    edges = {m: {t for t in targets if _area(t) and _area(t) == _area(m)} for m, targets in GRAPH.items() if _area(m)}
    found = _cycles(edges)
    new = [c for c in found if c not in KNOWN_AREA_CYCLES]
    assert not new, f"new import cycles inside an area: {new}"
    gone = [c for c in KNOWN_AREA_CYCLES if c not in found]
    assert not gone, f"no longer cycles, take them off KNOWN_AREA_CYCLES: {gone}"
