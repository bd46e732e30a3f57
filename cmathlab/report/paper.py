"""The paper's tables as data, and what names a condition.

A *condition* is a run's config without its seed (and without what cannot change a number: device, whether
embeddings were kept). Each of the paper's tables is one `TableSpec` in `PAPER_TABLES`: the fields it varies
around the reference (its axes), its title, how a row is named and ordered, and the section of published.toml
beside it. Adding a table of the paper is one entry here; `runs.py` reads the axes, `tables.py` the rest.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from cmathlab.config import NOT_CONDITION, Config
from cmathlab.datasets import DATASETS
from cmathlab.errors import BadInput


def value(condition: tuple, name: str):
    """One field of a condition."""
    return condition[CONDITION.index(name)]


def own(condition: tuple) -> dict[str, str]:
    """The condition's model's own fields (its `options` text, and those a table's axes hold apart) by name, each
    value as MLflow wrote it."""
    fields = dict(item.split("=", 1) for item in str(value(condition, "options")).split(", ") if "=" in item)
    held = {name: str(value(condition, name)) for name in OWN_AXES if value(condition, name) is not None}
    return dict(sorted({**fields, **held}.items()))


def flat(condition: tuple) -> dict:
    """The condition as one dict: its run fields, and its model's own as `MODEL.FIELD` (text, as recorded)."""
    values = dict(zip(CONDITION, condition))
    return {
        **{k: v for k, v in values.items() if k != "options" and k not in OWN_AXES},
        **{f"{values['model']}.{k}": v for k, v in own(condition).items()},
    }


def differing(a: tuple, b: tuple) -> list[str]:
    """The fields in which conditions `a` and `b` differ. Between two models, a field a table's axes hold apart
    (OWN_AXES) is one of their own fields, so it differs as `options` (a model's own fields go with it)."""
    names = [name for name, x, y in zip(CONDITION, a, b) if x != y]
    if "model" in names and set(names) & set(OWN_AXES):
        names = [n for n in names if n not in OWN_AXES] + ([] if "options" in names else ["options"])
    return names


def released(condition: tuple) -> bool:
    """Whether the condition's model ran as its authors' released code (`MODEL.as_released = true`)."""
    return "as_released=True" in str(value(condition, "options")).split(", ")


def model_name(condition: tuple) -> str:
    """A table row's name for the condition's model: its title, marked when it ran as released."""
    return MODEL_NAMES[value(condition, "model")] + (" (as released)" if released(condition) else "")


class _ModelNames(dict):
    def __missing__(self, model: str) -> str:  # each model's `title`, from its class (model/registry.py)
        from cmathlab.model.registry import title

        return self.setdefault(model, title(model))


class _Names(dict):
    def __missing__(self, dataset: str) -> str:  # a dataset from a feature file goes by its own name
        return dataset


MODEL_NAMES = _ModelNames()
DATASET_NAMES = _Names({name: d.title for name, d in DATASETS.items()})
MODALITY_ORDER = ("t", "a", "v", "ta", "tv", "av", "tav")
MODALITY_NAMES = {
    "t": "Text",
    "a": "Audio",
    "v": "Visual",
    "ta": "Text+Audio",
    "tv": "Text+Visual",
    "av": "Audio+Visual",
    "tav": "Text+Audio+Visual",
}
# Section 5.8: test conversations grouped by their number of utterances (the dataset table)
LENGTH_BUCKETS = {name: d.length_buckets for name, d in DATASETS.items()}
PAPER_TABLE_NUMBER = {name: d.table for name, d in DATASETS.items() if d.table}


@dataclass(frozen=True)
class TableSpec:
    """One of the paper's tables."""

    key: str  # its files: KEY-DATASET.csv
    axes: tuple[str, ...]  # the fields it varies around the reference; every other field stays equal
    title: str  # {ds}: the dataset's name; {n}: the paper's table number for the dataset; {model}: the reference's
    name: Callable[[tuple, bool], str]  # (condition, is the reference) -> the row's name
    order: Callable[[tuple, bool], object]
    per_class: bool = False  # per-class F1 columns before ACC and W-F1
    published: str | None = None  # the section of published.toml shown beside it
    published_name: Callable[[str], str] = str  # a published row's name in published.toml -> as shown


def _modalities_name(model: str, modalities: str) -> str:
    """A modality subset's row name; all three is the model itself (Table 5's last row)."""
    return f"{MODEL_NAMES[model]} (text+audio+visual)" if modalities == "tav" else MODALITY_NAMES[modalities]


def published() -> dict:
    """published.toml: the paper's published numbers, as data."""
    with resources.files("cmathlab.report").joinpath("published.toml").open("rb") as handle:
        return tomllib.load(handle)


PUBLISHED_MODEL = published()["model"]  # the model whose paper published.toml copies


def _component_order(model: str, variant: str) -> int:
    """A variant's place in its model's `components` (Table 4's order for CMATH)."""
    from cmathlab.model.registry import resolve

    try:
        return [c.variant for c in resolve(model).components].index(variant)
    except (BadInput, ValueError):
        return 98


PAPER_TABLES = (
    # a model's own fields (`options`) go with the model: two settings of them are two rows
    TableSpec(
        "overall",
        ("model", "options"),
        "Overall performance on {ds} (Table {n}); per-class columns are F1",
        lambda c, ref: model_name(c),
        lambda c, ref: (ref, value(c, "model"), released(c)),
        per_class=True,
        published="overall",
    ),
    TableSpec(
        "components",
        ("variant",),
        "Ablation of {model}'s components on {ds} (Table 4)",
        lambda c, ref: f"{MODEL_NAMES[value(c, 'model')]} (full)" if ref else value(c, "variant"),
        lambda c, ref: 99 if ref else _component_order(value(c, "model"), value(c, "variant")),
        published="components",
        published_name=lambda n: n.replace("full", f"{MODEL_NAMES[PUBLISHED_MODEL]} (full)"),
    ),
    TableSpec(
        "modalities",
        ("modalities",),
        "Modality subsets on {ds} (Table 5)",
        lambda c, ref: _modalities_name(value(c, "model"), value(c, "modalities")),
        lambda c, ref: MODALITY_ORDER.index(value(c, "modalities")),
        published="modalities",
        published_name=lambda n: _modalities_name(PUBLISHED_MODEL, n),
    ),
    TableSpec(
        "dims",
        ("dim",),
        "Embedding size d on {ds} (Figure 4)",
        lambda c, ref: f"d = {value(c, 'dim')}",
        lambda c, ref: value(c, "dim"),
    ),
    TableSpec(
        "gammas",
        ("gamma1", "gamma2"),
        "Distillation weights γ1 × γ2 on {ds} (Figure 6)",
        lambda c, ref: f"γ1 = {value(c, 'gamma1'):.1f}, γ2 = {value(c, 'gamma2'):.1f}",
        lambda c, ref: (value(c, "gamma1"), value(c, "gamma2")),
    ),
    TableSpec(
        "features",
        ("features",),
        "Feature files (encoders) on {ds}: the same settings on each",
        lambda c, ref: value(c, "features") or "(the one file)",
        lambda c, ref: value(c, "features"),
    ),
)
# A condition: the run's fields that can change a number, and, apart from the `options` text, each model field a
# table's axes name (Figure 6's gamma1 and gamma2, CMATH's): its value for a model that has a field of that name,
# None for one that has not
OWN_AXES = tuple(
    dict.fromkeys(a for t in PAPER_TABLES for a in t.axes if a not in {f.name for f in dataclasses.fields(Config)})
)
CONDITION = [f.name for f in dataclasses.fields(Config) if f.name not in NOT_CONDITION] + list(OWN_AXES)
