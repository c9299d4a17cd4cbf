"""The package's import graph: no circles, imports only go down the layers; modules short and documented.

Layers, lowest first (a module may import from its own layer and the ones below):

    0  _validation, _parallel, _budget,  foundations (input checks, the one fan-out seam, budgets,
       tolerances                        every floating-point tolerance, named once)
    1  algebra
    2  topology
    3  geometry      exact piecewise-linear geometry that knows nothing of networks
    4  relu
    5  datasets
    6  analysis
    7  paper
    8  experiments
    9  plotting
    10 cli
    11 __main__
    12 topodestruct/__init__ (the user-facing facade: it loads every layer
       lazily, so it sits on top and nothing inside imports it)

Every import counts, including those inside functions (lazy imports still
make a circle at run time).
"""
import ast
import importlib
import importlib.util
import pkgutil

import pytest

import topodestruct

LAYERS = ["_validation", "algebra", "topology", "geometry", "relu", "datasets", "analysis",
          "paper", "experiments", "plotting", "cli", "__main__"]
LAYER_OF_TOP_MODULE = {"_validation": 0, "_parallel": 0, "_budget": 0, "tolerances": 0,
                       "_cli_checks": LAYERS.index("cli"), "_cli_analyze": LAYERS.index("cli")}
MAX_LINES = 650
# Modules allowed over MAX_LINES for now, each with the reason and who removes the entry.
LONG_MODULE_ALLOW_LIST = {}


def _modules():
    names = ["topodestruct"] + [m.name for m in pkgutil.walk_packages(topodestruct.__path__,
                                                                        "topodestruct.")]
    out = {}
    for name in names:
        spec = importlib.util.find_spec(name)
        is_pkg = spec.submodule_search_locations is not None
        out[name] = (spec.origin, is_pkg)
    return out


MODULES = _modules()


def _layer(name):
    parts = name.split(".")
    if len(parts) == 1:
        return len(LAYERS)           # topodestruct/__init__: the facade, on top
    first = parts[1]
    if first in LAYER_OF_TOP_MODULE:
        return LAYER_OF_TOP_MODULE[first]
    if first not in LAYERS:
        raise AssertionError(f"{name}: not in the layer order {LAYERS} (add it to the test "
                             "and to docs/architecture.md)")
    return LAYERS.index(first)


def _imports(name):
    """Package modules that ``name`` imports (anywhere in the file), resolved to module names."""
    path, is_pkg = MODULES[name]
    tree = ast.parse(open(path, encoding="utf-8").read())
    package = name if is_pkg else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "topodestruct":
                    found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != "topodestruct":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    return sorted(found - {name})


GRAPH = {name: _imports(name) for name in MODULES}


def test_the_walk_sees_the_whole_package():
    assert {"topodestruct.topology.homology", "topodestruct.paper.classifying",
            "topodestruct.cli", "topodestruct.plotting"} <= set(MODULES)
    # the parser sees function-level imports too (cli imports its subcommands lazily)
    assert "topodestruct.paper.classifying" in GRAPH["topodestruct.cli"]


def test_no_import_circles():
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(v):                      # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))
    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not circles, f"import circles: {circles}"


def test_imports_only_go_down_the_layers():
    upward = [f"{a} (layer {_layer(a)}) imports {b} (layer {_layer(b)})"
              for a, targets in GRAPH.items() for b in targets if _layer(b) > _layer(a)]
    assert not upward, "\n".join(upward)


def test_nothing_inside_imports_the_facade():
    users = [a for a, targets in GRAPH.items() if "topodestruct" in targets]
    assert not users, f"use relative imports of the defining module, not `import topodestruct`: {users}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_short_and_documented(name):
    path, _ = MODULES[name]
    source = open(path, encoding="utf-8").read()
    n_lines = source.count("\n") + (not source.endswith("\n"))
    if name not in LONG_MODULE_ALLOW_LIST:
        assert n_lines <= MAX_LINES, f"{name} has {n_lines} lines (> {MAX_LINES}): split it"
    doc = ast.get_docstring(ast.parse(source))
    assert doc and doc.splitlines()[0].strip(), f"{name} needs a docstring saying what it is for"
    assert "matplotlib.use(" not in source, f"{name} changes the matplotlib backend"


def test_allow_list_is_still_needed():
    """An entry must go once its module is short (the list only shrinks)."""
    for name in LONG_MODULE_ALLOW_LIST:
        if name in MODULES:
            path, _ = MODULES[name]
            assert open(path, encoding="utf-8").read().count("\n") > MAX_LINES, \
                f"{name} is short now: remove it from LONG_MODULE_ALLOW_LIST"


# Modules that define public names outside their ``__all__`` (or have no ``__all__``), with
# those names; the list only shrinks (list the name in ``__all__`` or make it private).
# Modules under rework for issue 22 (one pipeline) name both their old and new helpers.
ALL_ALLOW_LIST = {
    "topodestruct.analysis.depth_routes": {"image_size_row"},
    "topodestruct.analysis.exact_route": {"injective_labels"},
    "topodestruct.topology.persistence": {"DEFAULT_FRACTION"},
    "topodestruct.analysis.labels": {"check_rank_kind"},
    "topodestruct.analysis.profile": {"DEFAULT_BUDGET_S", "KEYS", "SIZE_KEYS", "methods",
                                      "row_dict"},
    "topodestruct.analysis.represent": {"LISTED", "MAX_POINTS"},
    "topodestruct.cli": {"DEBUG_ENV", "build_parser", "main"},
    "topodestruct.datasets.mnist": {"ENV_VAR"},
    "topodestruct.experiments.mnist_training": {"ENV_DATA", "RANK_LAYER"},
    "topodestruct.experiments.naitzat": {"QUICK_NOTE", "curves", "row_betti",
                                         "topological_or_geometric"},
    "topodestruct.experiments.regression": {"ALPHA", "HIDDEN", "WIDTHS"},
}


def _private(name):
    return any(part.startswith("_") and part != "__init__" for part in name.split(".")[1:])


def _top_level(tree, name):
    """(public names defined at the module's top, names bound by its top-level imports,
    its ``__all__`` or None)."""
    defined, imported, listed = set(), set(), None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id == "__all__":
                    try:
                        listed = ast.literal_eval(node.value)
                    except ValueError:          # computed (the facade): ask the module
                        listed = importlib.import_module(name).__all__
                elif isinstance(t, ast.Name):
                    defined.add(t.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return {n for n in defined if not n.startswith("_")}, imported, listed


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not _private(n)))
def test_public_module_lists_its_api_in_all(name):
    """In every layer, a public module's ``__all__`` lists exactly the public names it defines
    (plus any it re-exports), and each listed name exists."""
    source = open(MODULES[name][0], encoding="utf-8").read()
    defined, imported, listed = _top_level(ast.parse(source), name)
    allowed = ALL_ALLOW_LIST.get(name, set())
    if listed is None:
        assert not defined - allowed, f"{name} defines {sorted(defined)} but has no __all__"
        return
    assert len(listed) == len(set(listed)), f"{name}.__all__ lists a name twice"
    if "def __getattr__(" not in source:   # a lazy module (the facade) defines names on demand
        missing = set(listed) - defined - imported
        assert not missing, f"{name}.__all__ lists undefined names {sorted(missing)}"
    unlisted = defined - set(listed) - allowed
    assert not unlisted, f"{name} defines public names outside __all__: {sorted(unlisted)}"


def test_all_allow_list_is_still_needed():
    """An entry must go once none of its names is defined outside ``__all__``."""
    for name, names in ALL_ALLOW_LIST.items():
        assert name in MODULES, f"{name} is gone: remove it from ALL_ALLOW_LIST"
        source = open(MODULES[name][0], encoding="utf-8").read()
        defined, _, listed = _top_level(ast.parse(source), name)
        assert (defined - set(listed or ())) & names, \
            f"{name} lists its API in __all__ now: remove it from ALL_ALLOW_LIST"
