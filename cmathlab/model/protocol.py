"""What a model gives the harness: the one contract CMATH, the baselines and a researcher's own model meet.

A model is an `nn.Module` class; its class attributes are its registry entry, so one class holds all of it:

- `__init__(cfg, dims, n_speakers, n_classes)`: built from the run's `Config` (shared fields such as `dim`,
  `dropout`, `modalities`; the model's own fields as `cfg.opts.NAME`), each modality's input size, the
  corpus's number of speakers and of classes.
- `forward(batch, noise=None) -> Output`: logits (B, n, C) of every utterance, an embedding (B, n, d) per
  utterance, and whatever the loss needs. `batch.mask` marks real utterances; padding must never change
  a real utterance's output (tested for every built-in model).
- `check_config(cfg)`: refuses, when the run's `Config` is built, fields that cannot work together.
- `loss_terms(output, batch, weights) -> dict`: each named loss term and their weighted `total`. `Model`
  gives the masked cross-entropy of the one prediction (`ce_x`).
- `fields`: the model's own config fields (`Field`), written `NAME.FIELD` in specs and `--set`.
- `components`: what `variant = "w/o X"` switches off (`Component`): the variant table fusion and the report read.
- `terms`: the loss terms and the shared field that weights each; `settings`: run fields (lr, batch size,
  dropout, weight decay, ...) the model's authors published per dataset, applied over the recipe.

`cmathlab.model.registry` resolves a name (`cmath`, `dialoguegcn`, `package.module:Name`, or an installed
package's entry point in the group `cmathlab.models`) to the class and checks it against this contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from cmathlab.fields import NOT_IN_PAPER, Field  # noqa: F401  (re-exported: a model declares its fields with it)

# The run fields of a model trained as its authors did: no clipping, no warm-up, no weight averaging (cmathlab's
# recipe adds all three for CMATH); a model's `settings` spread it per dataset
AUTHORS_AIDS = {"grad_clip": 0.0, "warmup_steps": 0, "ema_epochs": 0.0}


@dataclass(frozen=True)
class Released:
    """One choice of a model's released code where it departs from the paper reading: a field (the model's own,
    or a run field whose role allows it: `config.PRESET_FIELDS`) and its value, for every dataset or per dataset
    ("*": any other), with the file and line of the authors' code it comes from. `MODEL.as_released = true`
    applies them all."""

    field: str
    value: Any  # one value, or a dict dataset -> value
    source: str  # the authors' file:line (in the model's `released_code`)

    def for_dataset(self, dataset: str):
        """The value on `dataset`, or None where the released code has none for it."""
        if isinstance(self.value, dict):
            return self.value.get(dataset, self.value.get("*"))
        return self.value


AS_RELEASED = Field(
    "as_released",
    False,
    "the released code's choices over the paper reading: the model's "
    "`released` preset (`cmathlab models NAME` lists each with the authors' file and line)",
)


@dataclass(frozen=True)
class Component:
    """A part of a model that `variant = "w/o NAME"` switches off."""

    name: str
    what: str  # one line: what the variant trains instead
    drops_terms: tuple[str, ...] = ()  # loss terms the variant does not train on
    changes_architecture: bool = True  # False: the same weights as the full model, only terms dropped (fusable)

    @property
    def variant(self) -> str:
        return f"w/o {self.name}"


@dataclass(frozen=True)
class Term:
    """A loss term: the field that weights it (None: 1), the integer field of epochs over which its weight rises
    from 0 (None: no ramp), and the boolean field that keeps it (None: always kept). Each names a field of the
    model's own or of the run."""

    weight: str | None = None
    ramp: str | None = None
    switch: str | None = None


@dataclass
class Output:
    logits: torch.Tensor  # (B, n, C): the prediction
    embedding: torch.Tensor  # (B, n, d): each utterance's final representation (t-SNE, Figure 7)
    modality_logits: dict[str, torch.Tensor] = field(default_factory=dict)  # CMATH's Y-hat_m
    modality_hidden: dict[str, torch.Tensor] = field(default_factory=dict)  # CMATH's H'_m
    reconstructions: dict[str, torch.Tensor] = field(default_factory=dict)  # CMATH's U''_m


class Model(nn.Module):
    """The base of every model: the protocol's declarations with their defaults, and cross-entropy."""

    name: ClassVar[str] = ""  # the registry's name; a class given as `package.module:Name` gets that string
    title: ClassVar[str] = ""  # the report's row name (default: the class name)
    embedding: ClassVar[str] = "embeddings"  # what `Output.embedding` is, as the t-SNE figure names it
    fields: ClassVar[tuple[Field, ...]] = ()
    components: ClassVar[tuple[Component, ...]] = ()
    terms: ClassVar[Mapping[str, Term]] = {"ce_x": Term()}
    settings: ClassVar[Mapping[str, Mapping[str, Any]]] = {}  # dataset ("*": any other) -> run fields
    released: ClassVar[tuple[Released, ...]] = ()  # the released code's departures (with AS_RELEASED in `fields`)
    released_code: ClassVar[str] = ""  # the repository and commit `released` cites
    fusable: ClassVar[bool] = False  # several seeds may train as one vmapped model (needs `cfg` on the instance)
    samples_noise: ClassVar[bool] = False  # forward takes noise (B, n, dim) drawn from the run's own stream
    past_only: ClassVar[bool] = False  # its paper defines it over past utterances only (tested)

    @classmethod
    def check_config(cls, cfg) -> None:
        """Refuse (BadInput, naming `NAME.FIELD`) a run whose fields cannot work together, from the config alone:
        called when the `Config` is built, so `train`, a spec's dry run and `study run` refuse it before any
        worker starts. Each field's own range is its `Field`'s; this is for the rest (an odd width a BiRNN
        halves, class weights the authors published for other datasets)."""

    def loss_terms(self, out: Output, batch, weights: Mapping[str, float] | None = None) -> dict[str, torch.Tensor]:
        """Eq.-free default: the mean cross-entropy of `out.logits` over real utterances, as `ce_x` and `total`."""
        ce = masked_cross_entropy(out.logits, batch.labels, batch.mask)
        return {"ce_x": ce, "total": ce}


def masked_cross_entropy(
    logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor, weight: torch.Tensor | None = None
) -> torch.Tensor:
    """Mean cross-entropy over real utterances, with padding weighted out (no data-dependent shapes)."""
    real = mask.to(logits.dtype)
    losses = F.cross_entropy(logits.transpose(1, 2), labels.clamp(min=0), weight=weight, reduction="none")
    if weight is None:
        return (losses * real).sum() / real.sum()
    return (losses * real).sum() / (weight[labels.clamp(min=0)] * real).sum()


def released_for(cls: type, dataset: str) -> tuple[dict, dict]:
    """The released code's choices on `dataset`: (the model's own fields, the run fields), each name -> value."""
    own = {f.name for f in getattr(cls, "fields", ())}
    mine, run = {}, {}
    for r in getattr(cls, "released", ()):
        value = r.for_dataset(dataset)
        if value is not None:
            (mine if r.field in own else run)[r.field] = value
    return mine, run


def settings_for(cls: type, dataset: str) -> dict:
    """The run fields `cls`'s authors published for `dataset` (its `"*"` entry for any other)."""
    table = getattr(cls, "settings", {}) or {}
    return dict(table.get(dataset, table.get("*", {})))
