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
from cmathlab.fields import Field
from cmathlab.stats import PRIMARIES

METRICS = ("valid_wf1", "valid_acc")  # the Tune metric is the best value so far of one of these


def _fields(*fields: Field) -> dict[str, Field]:
    return {f.name: f for f in fields}


# A spec's own keys, each a Field: its default in one place, its check the field's (as a config field's is)
SPEC = _fields(
    Field("scale", 1.0, "synthetic corpora: the share of the dialogues a study trains on", above=0, high=1),
    Field("data_seed", 0, "the seed of the synthetic corpora and of a hold-out split"),
    Field("max_concurrent", None, "trials at once; unset: as many as the resources allow", kind=int, low=1),
)
PART = _fields(
    Field("epochs", None, "unset: each config's own epochs (per model and dataset)", kind=int, low=1),
    Field("metric", "valid_wf1", "Tune's metric: the best value so far of a validation score", choices=METRICS),
    Field("max_failures", 1, "retries of a trial whose worker died", low=0),
    Field("fuse", "off", "auto: a grid's compatible trials train as one stacked model", choices=("auto", "off")),
    Field("fuse_max", 8, "members of one fused group at most: memory grows with it (36 ran out of 24 GB)", low=1),
    Field("checkpoint_every", 5, "epochs between a trial's checkpoints (0: none)", low=0),
)
RESOURCES = _fields(
    Field("cpu", 1.0, "CPUs a trial holds", low=0),
    Field("gpu", 0.0, "GPUs a trial holds (a share packs several trials on one)", low=0),
)
ASHA = _fields(
    Field("grace_period", 5, "epochs a trial runs before ASHA may stop it", low=1),
    Field("reduction_factor", 3, "ASHA keeps one trial in this many at each rung", low=2),
)
SEARCH = _fields(Field("samples", 20, "trials an Optuna search samples per dataset", low=1))
REPORT = _fields(
    Field("primary", PRIMARIES[0], "the metric whose rows are the tested family", choices=PRIMARIES),
    Field("sesoi", None, "the smallest effect of interest, in metric points", kind=float, above=0, below=100),
)


def spec_keys(
    path: str, where: str, fields: dict[str, Field], table: dict, given_only: bool = False, others: tuple = ()
) -> dict:
    """`table`'s keys, each checked by its field, and (unless `given_only`) every other field at its default;
    a key no field declares is refused naming those that exist (and `others`, keys read elsewhere)."""
    unknown = sorted(set(table) - set(fields) - set(others))
    if unknown:
        raise BadInput(
            f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join([*fields, *others])}",
            source=path,
            field=f"{where}{unknown[0]}",
        )
    try:
        checked = {name: fields[name].check(value, f"{where}{name}") for name, value in table.items()}
    except BadInput as err:
        raise BadInput(err.message, source=path, field=err.field) from None
    return checked if given_only else {name: checked.get(name, f.default) for name, f in fields.items()}


DISTRIBUTIONS = {"uniform": 2, "loguniform": 2, "quniform": 3, "randint": 2, "choice": None}
# fields a trial gets from elsewhere than [fixed]/[grid]/[search]
_TOP = {
    *SPEC,
    *PART,
    "name",
    "description",
    "include",
    "datasets",  # a list of names, or seeds' count-or-list: shapes a Field does not hold, checked in `_part`
    "seeds",
    "report",  # tables: each of their keys a Field (REPORT, RESOURCES, ASHA, SEARCH) or read by `_report_table`
    "resources",
    "asha",
    "search",
    "data",
    "fixed",
    "grid",
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
    resources: dict = field(default_factory=lambda: {k: f.default for k, f in RESOURCES.items()})
    fuse: str = PART["fuse"].default  # "auto": grid trials that fusion_key groups train as one stacked model
    fuse_max: int = PART["fuse_max"].default
    checkpoint_every: int = PART["checkpoint_every"].default  # a trial whose worker dies goes on from its last

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
    own = spec_keys(path, "", SPEC, {k: raw[k] for k in SPEC if k in raw})
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
        scale=SPEC["scale"].check(float(scale), "--scale") if scale is not None else own["scale"],
        data_seed=own["data_seed"],
        max_concurrent=own["max_concurrent"],
        report=_report_table(path, top.table("report")),
    )
    names = [p.name for p in parts]
    if len(set(names)) != len(names):
        raise BadInput(f"two parts share a name: {names}", source=path, field="name")
    return spec


def _report_table(path: str, table: dict) -> dict:
    """[report]: `reference` (a table of config fields whose values name the reference condition) and the
    fields of REPORT, each kept only when given."""
    table = dict(table)
    reference = table.pop("reference", {})
    out = spec_keys(path, "report.", REPORT, table, given_only=True, others=("reference",))
    if not isinstance(reference, dict):
        raise BadInput(
            f'{reference!r} is not a table such as {{ model = "cmath", variant = "full" }}',
            source=path,
            field="report.reference",
        )
    fields = {f.name for f in dataclasses.fields(Config)}
    for key in reference:
        if key not in fields and key not in MOVED:  # CMATH's flat names: its gammas are Figure 6's axes
            raise BadInput(unknown_field(key), source=path, field=f"report.reference.{key}")
    return {"reference": reference, **out} if reference else out


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
                rest = {k: v for k, v in config.items() if k not in {*axes, *(MOVED.get(a, a) for a in axes), "seed"}}
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
    settings = {k: raw[k] for k in ("datasets", "seeds", "resources", *PART) if k in raw}
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
    own = spec_keys(path, "", PART, {k: v for k, v in s.items() if k in PART})
    resources = spec_keys(path, "resources.", RESOURCES, c.check("resources", s.get("resources", {}), dict))
    if resources["cpu"] <= 0 and resources["gpu"] <= 0:
        raise BadInput("a trial needs some cpu or gpu", source=path, field="resources")
    fixed = c.check("fixed", s.get("fixed", {}), dict)
    _no_reserved(path, "fixed", fixed)
    if own["fuse"] == "auto" and "search" in raw:
        raise BadInput("fusion groups a grid's trials; a search samples them one at a time", source=path, field="fuse")
    common = dict(
        name=c.check("name", raw.get("name", _stem(path)), str),
        datasets=datasets,
        seeds=seeds,
        fixed=fixed,
        resources=resources,
        **own,
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
    search = c.check("search", raw["search"], dict)
    samples = spec_keys(path, "search.", SEARCH, {k: v for k, v in search.items() if k != "space"}, others=("space",))
    space = flat(
        c.check("search.space", search.get("space"), dict),
        leaf=lambda v: len(v) == 1 and next(iter(v)) in DISTRIBUTIONS,
    )
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
    asha = spec_keys(path, "asha.", ASHA, c.check("asha", raw.get("asha", {}), dict))
    part = Part(**common, space=space, asha=asha, **samples)
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
