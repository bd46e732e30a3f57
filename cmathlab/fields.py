"""A config field as data: its default, what it accepts, the paper's value, and why.

One type for both kinds of field: a model's own (`Model.fields`, written `NAME.FIELD`) and the run's
(`cmathlab.config.Config`, whose dataclass fields carry a `Field` as metadata through `knob`). Validation,
`cmathlab config`, `cmathlab models`, the recipes and the back-compatibility defaults all read it from here.
No torch: the config and the command line import it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cmathlab.errors import BadInput

NOT_IN_PAPER = "not in the paper"
AFTER = "ffdf762"  # `since`: added after the code of the first recorded study (issue 10)
NONE_53 = "Section 5.3 names none"  # `source` of a training aid the paper does not use: its value is "off"


@dataclass(frozen=True)
class Field:
    """One config field: its default (per dataset where a model's authors give one), what it accepts, the
    value the paper gives, and one line saying why the default. The last five attributes describe the run's
    own fields (`Config`); a model's fields leave them empty."""

    name: str
    default: Any
    reason: str
    per_dataset: Mapping[str, Any] = field(default_factory=dict)
    choices: tuple = ()
    low: float | None = None  # inclusive bounds of a number
    high: float | None = None
    paper: Any = NOT_IN_PAPER  # the paper's model's value, or {dataset: value} (for Config: the `paper` recipe's)
    above: float | None = None  # exclusive bounds of a number
    below: float | None = None
    odd: bool = False
    kind: type | None = None  # the type of a field whose default is None (unset); else the default's
    # -- the run's fields only
    source: str = ""  # where the paper gives `paper` ("eq. 11", "Section 5.3"); "" = the paper is silent
    replaces: str = ""  # the paper's equation or step that the default replaces, when it departs from it
    measured: str = ""  # where the departure was measured (a BENCHMARKS.md section)
    ours: Mapping[str, Any] = field(default_factory=dict)  # the cmathlab recipe's value per dataset, over its settings
    since: str = ""  # added after the first recorded study: an older record without it ran with `paper`
    # -- a run field's role (from which config.py derives the lists the engine, the report and specs read)
    fusable: bool = False  # trials differing only in fusable fields may train as one vmapped group (engine.py)
    condition: bool = True  # part of a report's condition; False: two runs differing in it are seeds of one row
    reserved: bool = False  # a spec sets it by its own structure (datasets, seeds, epochs, [data]), not in [fixed]
    by_model: str = ""  # "settings": a model's authors' `settings` may set it; "released": its released preset only

    @property
    def value_type(self) -> type:
        return self.kind or type(self.default)

    def default_for(self, dataset: str):
        return self.per_dataset.get(dataset, self.default)

    def paper_for(self, dataset: str):
        """The paper's value on `dataset`: `paper`, or one dataset's of a table of them (Section 5.3 gives some
        fields per dataset; on another dataset, the field's default there)."""
        if isinstance(self.paper, Mapping):
            return self.paper.get(dataset, self.default_for(dataset))
        return self.paper

    def allowed(self) -> str:
        """What the field accepts, in words."""
        if self.choices:
            return " | ".join(map(str, self.choices))
        kind = {bool: "true | false", int: "an integer", float: "a number", str: "text"}[self.value_type]
        lo = self.low if self.low is not None else self.above
        hi = self.high if self.high is not None else self.below
        if kind == "an integer" and hi is None and lo in (0, 1):
            return f"{'an odd' if self.odd else 'a'} {'positive' if lo == 1 else 'non-negative'} integer"
        if kind == "a number" and hi is None and lo == 0:
            return f"a {'positive' if self.above is not None else 'non-negative'} number"
        if lo is None and hi is None:
            return kind
        left = "[" if self.low is not None else "("
        right = "]" if self.high is not None else ")"
        return f"{kind} in {left}{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}{right}"

    def check(self, value, where: str):
        """`value` as this field's type, or BadInput naming `where` and what is allowed."""
        kind = self.value_type
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not kind:
            raise BadInput(f"{value!r} is not {self.allowed()}", field=where)
        if self.choices and value not in self.choices:
            raise BadInput(f"{value!r} is not one of {self.allowed()}", field=where)
        if kind in (int, float) and not (isinstance(value, int) or math.isfinite(value)):
            raise BadInput(f"{value!r} is not a finite number", field=where)
        if (
            (self.low is not None and value < self.low)
            or (self.high is not None and value > self.high)
            or (self.above is not None and value <= self.above)
            or (self.below is not None and value >= self.below)
            or (self.odd and value % 2 == 0)
        ):
            raise BadInput(f"{value!r} is not {self.allowed()}", field=where)
        return value


def knob(default, reason: str, **meta):
    """A dataclass field of `Config` whose metadata is its `Field` (named when the class is read)."""
    meta.setdefault("paper", default)
    return dataclasses.field(default=default, metadata={"field": Field("", default, reason, **meta)})


def fields_of(cls) -> dict[str, Field]:
    """A dataclass's fields declared with `knob`, by name, each a `Field`."""
    return {f.name: dataclasses.replace(f.metadata["field"], name=f.name) for f in dataclasses.fields(cls)}
