"""The layers import one way: no module of cmathlab imports, at load or lazily, one that imports it back."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1] / "cmathlab"


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _imports(path: pathlib.Path, modules: dict) -> set[str]:
    """Every cmathlab module `path` imports anywhere (functions included), but not under `if TYPE_CHECKING`."""
    tree = ast.parse(path.read_text())
    skipped = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for child in node.body
        for n in ast.walk(child)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cmathlab"):
            subs = {f"{node.module}.{a.name}" for a in node.names} & set(modules)
            found |= subs or {node.module}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_module_imports_one_that_imports_it_back():
    modules = _modules()
    graph = {m: _imports(p, modules) - {m} for m, p in modules.items()}
    assert "cmathlab.model.registry" in graph["cmathlab.config"]  # the check sees lazy imports
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# the packages bottom-up: a module imports (at load or lazily, not for typing only) its own layer and those below.
# The config resolves a model's class, so it sits above the models; the models read a run's Config, never import it.
LAYERS = (
    {"errors", "fields", "datasets", "stats"},  # no torch, no model: definitions and numbers
    {"data", "features"},  # corpora, readers, encoders
    {"model"},  # the protocol, the registry and every model
    {"config"},  # a run's fields; resolves the model by name
    {"engine", "result", "train"},  # fit
    {"study"},  # Ray Tune, Optuna, MLflow
    {"report"},  # reads tracked runs
    {"describe", "cli", "__main__", ""},  # the command line
)


def _layer(module: str) -> int:
    part = module.removeprefix("cmathlab").removeprefix(".").split(".")[0]
    return next(i for i, names in enumerate(LAYERS) if part in names)


def test_each_layer_imports_only_itself_and_the_layers_below():
    modules = _modules()
    upward = sorted(
        f"{m} -> {target}"
        for m, path in modules.items()
        for target in _imports(path, modules) - {m}
        if _layer(target) > _layer(m)
    )
    assert upward == []
    assert _layer("cmathlab.model.cmath") < _layer("cmathlab.config") < _layer("cmathlab.train")
