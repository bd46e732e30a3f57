"""Model names -> model classes, each checked against the protocol (`cmathlab.model.protocol`) once.

A name is a built-in (`BUILTIN`), an installed package's entry point in the group `cmathlab.models`, or
`package.module:Name` (importable from the working directory or the environment). A class that breaks the
protocol is refused with one line naming what it lacks, before anything trains.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import re
import sys

from cmathlab.errors import BadInput

# the paper's model, two floors any context model must beat, and the paper's baselines (Section 5.2)
BUILTIN = {
    "cmath": "cmathlab.model.cmath:CMATH",
    "mlp": "cmathlab.model.baselines:UtteranceMLP",
    "bigru": "cmathlab.model.baselines:DialogueGRU",
    "dialoguernn": "cmathlab.model.dialoguernn:DialogueRNN",
    "dialoguegcn": "cmathlab.model.dialoguegcn:DialogueGCN",
    "mmgcn": "cmathlab.model.mmgcn:MMGCN",
    "mmdfn": "cmathlab.model.mmdfn:MMDFN",
}
ENTRY_POINTS = "cmathlab.models"
_IMPORT = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def names() -> list[str]:
    """Every model name this installation knows: the built-ins, then installed entry points."""
    return [*BUILTIN, *sorted(n for n in _entry_points() if n not in BUILTIN)]


def _entry_points() -> dict[str, str]:
    from importlib.metadata import entry_points

    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINTS)}


def resolve(name: str) -> type:
    """The model class `name` stands for, checked against the protocol (cached per name)."""
    if not isinstance(name, str) or not name:
        raise BadInput(f"{name!r} is not a model name", field="model")
    return _resolve(name)


@functools.cache
def _resolve(name: str) -> type:
    target = BUILTIN.get(name) or _entry_points().get(name)
    if target is None and not _IMPORT.fullmatch(name):
        raise BadInput(f"{name!r} is not one of {', '.join(names())} nor package.module:Class", field="model")
    cls = _import(target or name, name)
    return check(cls, name)


def _import(target: str, name: str) -> type:
    module_name, _, attribute = target.partition(":")
    if os.getcwd() not in sys.path and "" not in sys.path:  # `package.module` of the directory the user works in
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise BadInput(f"cannot import {module_name!r} ({err})", field="model", source=name) from None
    except Exception as err:  # noqa: BLE001 - the user's module fails as it loads: say so in one line
        raise BadInput(
            f"importing {module_name!r} raised {type(err).__name__}: {err}", field="model", source=name
        ) from None
    if not hasattr(module, attribute):
        raise BadInput(f"module {module_name!r} has no {attribute!r}", field="model", source=name)
    return getattr(module, attribute)


def check(cls, name: str) -> type:
    """`cls` if it keeps the protocol; else BadInput naming the first thing it lacks."""
    from torch import nn

    from cmathlab.model.protocol import Component, Field, Released, Term

    def refuse(what: str):
        raise BadInput(f"model {name!r} {what} (cmathlab.model.protocol says what a model gives)", field="model")

    if not (inspect.isclass(cls) and issubclass(cls, nn.Module)):
        refuse(f"is {type(cls).__name__} {cls!r}, not a torch.nn.Module class")
    if cls.forward is nn.Module.forward:
        refuse("has no forward(batch, noise=None) -> Output")
    if not callable(getattr(cls, "loss_terms", None)):
        refuse("has no loss_terms(output, batch, weights) (subclass cmathlab.model.Model for cross-entropy)")
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        params = {}
    positional = [
        p for p in list(params.values())[1:] if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    ]
    if not any(p.kind == p.VAR_POSITIONAL for p in positional) and len(positional) < 4:
        refuse("is not built as Name(cfg, dims, n_speakers, n_classes)")
    fields = getattr(cls, "fields", ())
    if not isinstance(fields, tuple) or not all(isinstance(f, Field) for f in fields):
        refuse("has `fields` that are not a tuple of cmathlab.model.protocol.Field")
    if len({f.name for f in fields}) != len(fields) or any(
        not re.fullmatch(r"[a-z_][a-z0-9_]*", f.name) for f in fields
    ):
        refuse("has field names that repeat or are not lower_case identifiers")
    for f in fields:
        for dataset, value in {"": f.default, **f.per_dataset}.items():
            f.check(value, f"{name}.{f.name}" + (f" ({dataset}'s default)" if dataset else " (its default)"))
    components = getattr(cls, "components", ())
    if not isinstance(components, tuple) or not all(isinstance(c, Component) for c in components):
        refuse("has `components` that are not a tuple of cmathlab.model.protocol.Component")
    terms = getattr(cls, "terms", {"ce_x": Term()})
    if not terms or not all(isinstance(t, Term) for t in terms.values()):
        refuse("has `terms` that are not a non-empty mapping of name -> cmathlab.model.protocol.Term")
    for c in components:
        if set(c.drops_terms) - set(terms):
            refuse(f"drops terms {sorted(set(c.drops_terms) - set(terms))} in {c.variant!r} that it does not have")

    released = getattr(cls, "released", ())
    own = {f.name: f for f in fields}
    if released and "as_released" not in own:
        refuse("declares `released` without the AS_RELEASED field that switches it on")
    for r in released:
        if not isinstance(r, Released):
            refuse("has `released` entries that are not cmathlab.model.protocol.Released")
        if r.field in own:
            for dataset, value in r.value.items() if isinstance(r.value, dict) else [("", r.value)]:
                own[r.field].check(value, f"{name}.{r.field} (released{f' on {dataset}' if dataset else ''})")
    return cls


def title(name: str) -> str:
    """The report's name for a model: its class's `title`, else the name as given."""
    try:
        cls = resolve(name)
    except BadInput:
        return name  # a model of an old study that this installation no longer has
    return getattr(cls, "title", "") or (name if ":" not in name else cls.__name__)
