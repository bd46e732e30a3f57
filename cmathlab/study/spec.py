"""Study specs: TOML files a researcher edits, validated when read, expanded into Tune units.

A spec is either one *part* (a grid of config axes, or an Optuna search space) or a composite
that `include`s other specs. Every trial a spec can make is checked to build a valid `Config`
before anything runs, so a typo is one line naming the file and the field, not a failed trial.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import re
import tomllib
from dataclasses import dataclass, field

from cmathlab.config import MOVED, PAPER, RESERVED, Config, unknown_field
from cmathlab.errors import BadInput
from cmathlab.stats import PRIMARIES

METRICS = ("valid_wf1", "valid_acc")  # the Tune metric is the best value so far of one of these
DISTRIBUTIONS = {"uniform": 2, "loguniform": 2, "quniform": 3, "randint": 2, "choice": None}
# fields a trial gets from elsewhere than [fixed]/[grid]/[search]
_TOP = {
    "name",
    "description",
    "include",
    "datasets",
    "seeds",
    "epochs",
    "scale",
    "data_seed",
    "metric",
    "report",
    "max_failures",
    "max_concurrent",
    "data",
    "fixed",
    "grid",
    "search",
    "asha",
    "resources",
    "fuse",
    "fuse_max",
    "checkpoint_every",
}
_PART_ONLY = {"grid", "search", "asha"}


@dataclass(frozen=True)
class Part:
    """One grid or one search: the unit a table or figure of the paper comes from."""

    name: str
    datasets: tuple[str, ...]
    seeds: tuple[int, ...]
    epochs: int | None
    metric: str
    max_failures: int
    fixed: dict
    grid: dict | None = None  # axis -> values
    space: dict | None = None  # param -> {distribution: args}
    samples: int = 0
    asha: dict = field(default_factory=dict)
    resources: dict = field(default_factory=lambda: {"cpu": 1.0, "gpu": 0.0})
    fuse: str = "off"  # "auto": a grid's compatible trials train as one stacked model (engine.fusion_key)
    fuse_max: int = 8  # members of one fused group at most: memory grows with it (36 ran out of 24 GB on real dims)
    checkpoint_every: int = (
        5  # epochs between a trial's checkpoints (0: none): a trial whose worker dies goes on from its last
    )

    @property
    def is_search(self) -> bool:
        return self.space is not None

    def n_trials(self) -> int:
        if self.is_search:  # one search per dataset, on the first seed
            return self.samples * len(self.datasets)
        return len(self.datasets) * len(self.seeds) * math.prod(len(v) for v in self.grid.values())

    def config(self, dataset: str, seed: int, values: dict) -> Config:
        """The resolved config of one trial."""
        overrides = {**self.fixed, **values, "seed": seed}
        if self.epochs is not None:
            overrides["epochs"] = self.epochs
        return Config.for_dataset(dataset, **overrides)


@dataclass(frozen=True)
class Spec:
    name: str
    path: str
    description: str
    parts: tuple[Part, ...]
    data: dict  # dataset name -> source (synthetic:NAME or a file)
    scale: float  # synthetic corpora only
    data_seed: int
    max_concurrent: int | None
    report: dict = field(default_factory=dict)  # [report]: reference = {field = value, ...} for `cmathlab report`

    def n_trials(self) -> int:
        return sum(p.n_trials() for p in self.parts)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Spec:
        parts = tuple(Part(**{**p, "datasets": tuple(p["datasets"]), "seeds": tuple(p["seeds"])}) for p in d["parts"])
        return cls(**{**d, "parts": parts})


def load_spec(
    path: str,
    data: dict | None = None,
    quick: bool = False,
    seeds: int | None = None,
    epochs: int | None = None,
    scale: float | None = None,
    synthetic: bool = False,
    sets: dict | None = None,
) -> Spec:
    """Read and validate a spec; command-line overrides win over the file. A dataset gets data only
    from [data], `data` or, with `synthetic`, the synthetic corpus: never silently (the runner refuses
    a dataset without); `sets` fixes config fields in every part (`--set`)."""
    raw = _read(path)
    top = _Checker(path, raw)
    parts = _parts(path, raw, seen=(os.path.abspath(path),))
    if sets:
        parts = tuple(_with_sets(path, p, sets) for p in parts)
        trained = {m for p in parts for m in (p.grid or {}).get("model", [p.fixed.get("model", Config.model)])}
        for name in sets:
            owner = name.rpartition(".")[0]
            if owner and owner not in trained:
                raise BadInput(
                    f"sets a field of {owner}, which no part trains ({', '.join(sorted(trained))})",
                    field=f"--set {name}",
                )
    sources = {}
    used = {d for p in parts for d in p.datasets}
    for key, value in top.table("data").items():
        if key not in used:
            raise BadInput(
                f"dataset {key!r} is in no part's datasets ({', '.join(sorted(used))})",
                source=path,
                field=f"data.{key}",
            )
        if isinstance(value, dict):  # several feature files of one dataset (encoders): an axis of the study
            if not value:
                raise BadInput("names no feature file", source=path, field=f"data.{key}")
            for label in value:
                if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", label):
                    raise BadInput(
                        f"{label!r} is not a plain name for a feature file", source=path, field=f"data.{key}.{label}"
                    )
            sources[key] = {
                label: _resolve(path, top.check(f"data.{key}.{label}", file, str)) for label, file in value.items()
            }
        else:
            sources[key] = _resolve(path, top.check(f"data.{key}", value, str))
    for key, value in (data or {}).items():
        if key not in used:
            raise BadInput(f"dataset {key!r} is in no part's datasets ({', '.join(sorted(used))})", field="--data")
        sources[key] = value
    if synthetic:
        sources = {**{name: f"synthetic:{name}" for name in PAPER if name in used}, **sources}
    parts = tuple(_with_feature_files(path, p, sources) for p in parts)
    spec_scale = top.number("scale", 1.0)
    if quick:  # a demo of the whole machinery: one seed, two epochs, a tenth of the corpus
        seeds, epochs, scale = seeds or 1, epochs or 2, scale or 0.1
    if seeds is not None or epochs is not None or quick:
        parts = tuple(
            dataclasses.replace(
                p,
                seeds=p.seeds[:seeds] if seeds else p.seeds,
                epochs=epochs or p.epochs,
                samples=min(p.samples, 4) if quick else p.samples,
                asha={**p.asha, "grace_period": 1} if quick and p.is_search else p.asha,
            )
            for p in parts
        )
    spec = Spec(
        name=top.check("name", raw.get("name", _stem(path)), str),
        path=os.path.abspath(path),
        description=top.check("description", raw.get("description", ""), str),
        parts=parts,
        data=sources,
        scale=scale if scale is not None else spec_scale,
        data_seed=top.integer("data_seed", 0),
        max_concurrent=top.optional_int("max_concurrent"),
        report=_report_table(path, top.table("report")),
    )
    if not 0 < spec.scale <= 1:
        raise BadInput(f"{spec.scale!r} is not a share in (0, 1]", source=path, field="scale")
    names = [p.name for p in parts]
    if len(set(names)) != len(names):
        raise BadInput(f"two parts share a name: {names}", source=path, field="name")
    return spec


def _report_table(path: str, table: dict) -> dict:
    """[report]: `reference` (a table of config fields whose values name the reference condition), `primary` (the
    metric whose rows are the tested family) and `sesoi` (the smallest effect of interest, in its points)."""
    unknown = set(table) - {"reference", "primary", "sesoi"}
    if unknown:
        raise BadInput(
            f"unknown key(s) {', '.join(sorted(unknown))}; allowed: reference, primary, sesoi",
            source=path,
            field="report",
        )
    reference = table.get("reference", {})
    if not isinstance(reference, dict):
        raise BadInput(
            f'{reference!r} is not a table such as {{ model = "cmath", variant = "full" }}',
            source=path,
            field="report.reference",
        )
    fields = {f.name for f in dataclasses.fields(Config)}
    for key in reference:
        if key not in fields:
            raise BadInput(unknown_field(key), source=path, field=f"report.reference.{key}")
    out = {"reference": reference} if reference else {}
    if "primary" in table:
        if table["primary"] not in PRIMARIES:
            raise BadInput(
                f"{table['primary']!r} is not one of {', '.join(PRIMARIES)}", source=path, field="report.primary"
            )
        out["primary"] = table["primary"]
    if "sesoi" in table:
        sesoi = table["sesoi"]
        if isinstance(sesoi, bool) or not isinstance(sesoi, (int, float)) or not 0 < sesoi < 100:
            raise BadInput(f"{sesoi!r} is not a number of metric points in (0, 100)", source=path, field="report.sesoi")
        out["sesoi"] = float(sesoi)
    return out


def taken_defaults(spec: Spec) -> dict[str, list[dict]]:
    """Per part and dataset, the configs its trials take from cmathlab's defaults (every field no axis varies),
    one per distinct set: an axis such as `recipe` changes which defaults the others take, so each of its values
    counts. A study records it when it starts, so that `resume` can refuse to finish it under other defaults."""
    taken = {}
    for part in spec.parts:
        axes = part.space if part.is_search else part.grid
        # a grid's every value; a search's every choice, or the two ends of its range
        values = {
            k: list(v) if not part.is_search else (list(v["choice"]) if "choice" in v else list(v[next(iter(v))][:2]))
            for k, v in axes.items()
        }
        first = {k: v[0] for k, v in values.items()}
        points = [first] + [{**first, k: x} for k, v in values.items() for x in v[1:]]
        for dataset in part.datasets:
            found = []
            for point in points:
                config = part.config(dataset, part.seeds[0], point).to_dict()
                rest = {k: v for k, v in config.items() if k not in {*axes, "seed"}}
                if rest not in found:
                    found.append(rest)
            taken[f"{part.name}/{dataset}"] = found
    return taken


def flat(table: dict, prefix: str = "", leaf=lambda value: False) -> dict:
    """A model's own fields as `NAME.FIELD` keys: TOML reads `dialoguegcn.window_past = 5` (or a
    `[fixed.dialoguegcn]` table) as nested tables. `leaf(value)`: a table that is a value, not a namespace
    (a search space's `{ choice = [...] }`)."""
    out = {}
    for key, value in table.items():
        if isinstance(value, dict) and not leaf(value):
            out.update(flat(value, f"{prefix}{key}.", leaf))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _read(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise BadInput("no such spec file", source=path) from None
    except IsADirectoryError:
        raise BadInput("is a directory, not a spec file", source=path) from None
    except tomllib.TOMLDecodeError as err:
        raise BadInput(f"not valid TOML: {err}", source=path) from None


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def _resolve(spec_path: str, source: str) -> str:
    if source.startswith("synthetic:") or os.path.isabs(source):
        return source
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(spec_path)), source))


def _parts(path: str, raw: dict, seen: tuple, inherited: dict | None = None) -> tuple[Part, ...]:
    c = _Checker(path, raw)
    unknown = set(raw) - _TOP
    if unknown:
        raise BadInput(
            f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_TOP))}",
            source=path,
            field=sorted(unknown)[0],
        )
    # what a composite sets wins over what its parts say
    inherited = inherited or {}
    settings = {
        k: raw[k]
        for k in (
            "datasets",
            "seeds",
            "epochs",
            "metric",
            "max_failures",
            "resources",
            "fuse",
            "fuse_max",
            "checkpoint_every",
        )
        if k in raw
    }
    settings.update({k: v for k, v in inherited.items() if k != "fixed"})
    settings["fixed"] = {**flat(c.table("fixed")), **inherited.get("fixed", {})}
    if "include" in raw:
        if _PART_ONLY & set(raw):
            raise BadInput("a spec with include cannot also have grid, search or asha", source=path, field="include")
        parts = []
        for i, child in enumerate(c.check("include", raw["include"], list)):
            child_path = _resolve(path, c.check(f"include[{i}]", child, str))
            if os.path.abspath(child_path) in seen:
                raise BadInput(f"includes itself through {child}", source=path, field="include")
            parts.extend(_parts(child_path, _read(child_path), seen + (os.path.abspath(child_path),), settings))
        if not parts:
            raise BadInput("include names no spec", source=path, field="include")
        return tuple(parts)
    return (_part(path, raw, settings),)


def _part(path: str, raw: dict, s: dict) -> Part:
    c = _Checker(path, {**raw, **s})
    datasets = tuple(c.check("datasets", s.get("datasets", list(PAPER)), list))
    for d in datasets:
        if not isinstance(d, str) or not re.fullmatch(r"[a-z][a-z0-9_-]*", d):
            raise BadInput(
                f"{d!r} is not a dataset name (iemocap, meld, or a feature file's)", source=path, field="datasets"
            )
    if not datasets or len(set(datasets)) != len(datasets):
        raise BadInput("needs one or more distinct datasets", source=path, field="datasets")
    seeds = s.get("seeds", 5)
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if seeds < 1:
            raise BadInput(f"{seeds} is not a positive number of seeds", source=path, field="seeds")
        seeds = list(range(seeds))
    seeds = tuple(c.check("seeds", seeds, list))
    if not seeds or not all(isinstance(x, int) and not isinstance(x, bool) for x in seeds):
        raise BadInput("must be a count or a list of integers", source=path, field="seeds")
    metric = c.check("metric", s.get("metric", "valid_wf1"), str)
    if metric not in METRICS:
        raise BadInput(f"{metric!r} is not one of {', '.join(METRICS)}", source=path, field="metric")
    resources = {"cpu": 1.0, "gpu": 0.0}
    for key, value in c.check("resources", s.get("resources", {}), dict).items():
        if key not in resources:
            raise BadInput(f"unknown resource {key!r}; allowed: cpu, gpu", source=path, field=f"resources.{key}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise BadInput(f"{value!r} is not a non-negative number", source=path, field=f"resources.{key}")
        resources[key] = float(value)
    if resources["cpu"] <= 0 and resources["gpu"] <= 0:
        raise BadInput("a trial needs some cpu or gpu", source=path, field="resources")
    epochs = s.get("epochs")
    if epochs is not None and (not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1):
        raise BadInput(f"{epochs!r} is not a positive integer", source=path, field="epochs")
    max_failures = s.get("max_failures", 1)
    if not isinstance(max_failures, int) or isinstance(max_failures, bool) or max_failures < 0:
        raise BadInput(f"{max_failures!r} is not a non-negative integer", source=path, field="max_failures")
    fixed = c.check("fixed", s.get("fixed", {}), dict)
    _no_reserved(path, "fixed", fixed)
    fuse = s.get("fuse", "off")
    if fuse not in ("auto", "off"):
        raise BadInput(f"{fuse!r} is not 'auto' or 'off'", source=path, field="fuse")
    fuse_max = s.get("fuse_max", 8)
    if not isinstance(fuse_max, int) or isinstance(fuse_max, bool) or fuse_max < 1:
        raise BadInput(f"{fuse_max!r} is not a positive integer", source=path, field="fuse_max")
    checkpoint_every = s.get("checkpoint_every", 5)
    if not isinstance(checkpoint_every, int) or isinstance(checkpoint_every, bool) or checkpoint_every < 0:
        raise BadInput(
            f"{checkpoint_every!r} is not a non-negative integer (epochs; 0: no checkpoints)",
            source=path,
            field="checkpoint_every",
        )
    if fuse == "auto" and "search" in raw:
        raise BadInput("fusion groups a grid's trials; a search samples them one at a time", source=path, field="fuse")
    common = dict(
        name=c.check("name", raw.get("name", _stem(path)), str),
        datasets=datasets,
        seeds=seeds,
        epochs=epochs,
        metric=metric,
        max_failures=max_failures,
        fixed=fixed,
        resources=resources,
        fuse=fuse,
        fuse_max=fuse_max,
        checkpoint_every=checkpoint_every,
    )
    if ("grid" in raw) == ("search" in raw):
        raise BadInput("needs exactly one of [grid] or [search] (or include = [...])", source=path)
    if "grid" in raw:
        if "asha" in raw:
            raise BadInput(
                "ASHA early stopping is for searches; a grid runs every trial to the end", source=path, field="asha"
            )
        grid = flat(c.check("grid", raw["grid"], dict))
        _no_reserved(path, "grid", grid)
        for axis, values in grid.items():
            if not isinstance(values, list) or not values:
                raise BadInput("must be a non-empty list of values", source=path, field=f"grid.{axis}")
            if len(set(map(repr, values))) != len(values):
                raise BadInput(f"repeats a value: {values}", source=path, field=f"grid.{axis}")
        models = grid.get("model", [fixed.get("model", Config.model)])
        for axis, values in grid.items():
            owner = axis.rpartition(".")[0]
            if owner and len(values) > 1 and any(m != owner for m in models):
                others = ", ".join(m for m in models if m != owner)
                raise BadInput(
                    f"varies {owner}'s own field beside other models: each trial of {others} would run "
                    f"once per value; give {owner}'s grid its own part (include = [...])",
                    source=path,
                    field=f"grid.{axis}",
                )
        part = Part(**common, grid=grid)
        _check_configs(path, part, "grid")
        return part
    search = dict(c.check("search", raw["search"], dict))
    samples = search.pop("samples", 20)
    if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
        raise BadInput(f"{samples!r} is not a positive integer", source=path, field="search.samples")
    space = flat(
        c.check("search.space", search.pop("space", None), dict),
        leaf=lambda v: len(v) == 1 and next(iter(v)) in DISTRIBUTIONS,
    )
    if search:
        raise BadInput(f"unknown key(s) {', '.join(search)}; allowed: samples, space", source=path, field="search")
    if not space:
        raise BadInput("needs at least one parameter", source=path, field="search.space")
    _no_reserved(path, "search.space", space)
    for param, dist in space.items():
        where = f"search.space.{param}"
        if not isinstance(dist, dict) or len(dist) != 1 or next(iter(dist)) not in DISTRIBUTIONS:
            raise BadInput(
                f"must be one of {{{' | '.join(f'{k} = [...]' for k in DISTRIBUTIONS)}}}", source=path, field=where
            )
        kind, args = next(iter(dist.items()))
        if not isinstance(args, list) or (DISTRIBUTIONS[kind] and len(args) != DISTRIBUTIONS[kind]) or not args:
            raise BadInput(
                f"{kind} takes {DISTRIBUTIONS[kind] or 'a non-empty list of'} values", source=path, field=where
            )
        if kind != "choice" and not args[0] < args[1]:
            raise BadInput(f"low {args[0]} must be below high {args[1]}", source=path, field=where)
    asha = {"grace_period": 5, "reduction_factor": 3}
    for key, value in c.check("asha", raw.get("asha", {}), dict).items():
        if key not in asha:
            raise BadInput(f"unknown key {key!r}; allowed: {', '.join(asha)}", source=path, field=f"asha.{key}")
        if not isinstance(value, int) or isinstance(value, bool) or value < (1 if key == "grace_period" else 2):
            raise BadInput(f"{value!r} is too small or not an integer", source=path, field=f"asha.{key}")
        asha[key] = value
    part = Part(**common, space=space, samples=samples, asha=asha)
    _check_configs(path, part, "search.space")
    return part


def _check_configs(path: str, part: Part, where: str) -> None:
    """Every trial of a grid, or both corners of a search space, must build a Config."""
    for d in part.datasets:
        if part.is_search:
            for corner in (0, -1):
                _valid(path, where, part, d, {k: v[next(iter(v))][corner] for k, v in part.space.items()})
        else:
            for combo in itertools.product(*part.grid.values()):
                _valid(path, where, part, d, dict(zip(part.grid, combo)))


def _with_feature_files(path: str, part: Part, sources: dict) -> Part:
    """A part over a dataset with several feature files gets them as its `features` axis."""
    labels = {tuple(sources[d]) if isinstance(sources.get(d), dict) else () for d in part.datasets}
    if labels == {()}:
        return part
    if len(labels) > 1:
        raise BadInput(
            f"part {part.name!r} runs datasets with different feature files; give them the same labels "
            "or put them in separate parts",
            source=path,
            field="data",
        )
    if part.is_search:
        raise BadInput(
            f"part {part.name!r} is a search; several feature files are compared in a grid", source=path, field="data"
        )
    return dataclasses.replace(part, grid={"features": list(labels.pop()), **part.grid})


def data_key(dataset: str, features: str) -> str:
    """The name of one feature file of a study: the dataset, or dataset/label when it has several."""
    return f"{dataset}/{features}" if features else dataset


def data_files(spec: Spec) -> dict[str, str]:
    """Every feature file of the spec by its data_key."""
    return {
        data_key(d, label): file
        for d, source in spec.data.items()
        for label, file in (source.items() if isinstance(source, dict) else [("", source)])
    }


def _with_sets(path: str, part: Part, sets: dict) -> Part:
    """`part` with the `--set` fields fixed; a field the part varies, or one a trial gets elsewhere, is refused."""
    for name in sets:
        if name in RESERVED:
            raise BadInput(
                f"{name} is set by the spec's datasets/seeds/epochs (--seeds, --epochs), not --set", field="--set"
            )
        if name in (part.grid or part.space):
            raise BadInput(
                f"{name} is an axis of part {part.name!r}; --set fixes a field the spec does not vary",
                source=path,
                field="--set",
            )
    part = dataclasses.replace(part, fixed={**part.fixed, **sets})
    try:
        _check_configs(path, part, "--set")
    except BadInput as err:
        raise BadInput(err.message, field=f"--set {err.field.removeprefix('--set.')}".removesuffix(" --set")) from None
    return part


def _no_reserved(path: str, where: str, table: dict) -> None:
    fields = {f.name for f in dataclasses.fields(Config)}
    for key in table:
        if key not in fields and key not in MOVED and "." not in key:  # MODEL.FIELD: checked when configs are built
            raise BadInput(unknown_field(key), source=path, field=f"{where}.{key}")
        if key == "options":
            raise BadInput(
                "a model's own fields are set one by one, as MODEL.FIELD = VALUE", source=path, field=f"{where}.{key}"
            )
        if key in RESERVED:
            by = (
                "[data] (a table of feature files)"
                if key == "features"
                else "the spec's datasets/seeds/epochs or the command line"
            )
            raise BadInput(f"{key} is set by {by}, not here", source=path, field=f"{where}.{key}")


def _valid(path: str, where: str, part: Part, dataset: str, values: dict) -> None:
    try:
        part.config(dataset, part.seeds[0], values)
    except BadInput as err:
        raise BadInput(f"{err.message}", source=path, field=f"{where}.{err.field}" if err.field else where) from None


class _Checker:
    def __init__(self, path: str, raw: dict):
        self.path, self.raw = path, raw

    def check(self, name: str, value, kind: type):
        if not isinstance(value, kind):
            raise BadInput(
                f"{value!r} is not a {'table' if kind is dict else kind.__name__}", source=self.path, field=name
            )
        return value

    def table(self, name: str) -> dict:
        return self.check(name, self.raw.get(name, {}), dict)

    def number(self, name: str, default: float) -> float:
        value = self.raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadInput(f"{value!r} is not a number", source=self.path, field=name)
        return float(value)

    def integer(self, name: str, default: int) -> int:
        value = self.raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadInput(f"{value!r} is not an integer", source=self.path, field=name)
        return value

    def optional_int(self, name: str) -> int | None:
        if name not in self.raw:
            return None
        value = self.integer(name, 0)
        if value < 1:
            raise BadInput(f"{value} is not a positive integer", source=self.path, field=name)
        return value
