"""Every knob of a run in one dataclass, each field's metadata as data (`cmathlab.fields.Field`).

The paper's model is the base: a field's `paper` is its value in the model Section 3 and 5.3 describe (or, where
the paper is silent, cmathlab's choice before it had a recipe of its own), `source` where the paper says so,
`replaces` the equation a departure replaces, `measured` where the departure was measured (BENCHMARKS.md
section 10), `ours` the cmathlab recipe's per-dataset values over Section 5.3's. The recipes
(`RECIPES`, `RECIPE_SETTINGS`), the values old records ran with (`BEFORE`), validation, `cmathlab config` and
`cmathlab config --diff paper` are all derived from it.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from types import SimpleNamespace

from cmathlab.datasets import DATASETS
from cmathlab.datasets import settings as dataset_settings
from cmathlab.errors import BadInput
from cmathlab.fields import AFTER, NONE_53, NOT_IN_PAPER, Field, fields_of, knob

SILENT = "not in the paper"  # a `source` of "": the paper's recipe keeps cmathlab's earlier choice


@dataclass(frozen=True)
class Config:
    # -- the paper's settings: Section 5.3 per dataset (cmathlab.datasets), over these class defaults
    dataset: str = knob("iemocap", "which corpus: its settings and label names; set by the data", reserved=True)
    lr: float = knob(
        3e-3,
        "Adam's learning rate; IEMOCAP at 3e-4 over 4 dialogues, where 3e-3 over 16 collapsed real IEMOCAP text",
        above=0,
        source="Section 5.3",
        ours={"iemocap": 3e-4},
        measured="BENCHMARKS.md section 10",
        by_model="settings",
    )
    batch_size: int = knob(
        16,
        "dialogues per batch (IEMOCAP: 4, with its lr)",
        low=1,
        source="Section 5.3",
        ours={"iemocap": 4},
        measured="BENCHMARKS.md section 10",
        by_model="settings",
    )
    dim: int = knob(500, "d, the common space", low=1, source="Section 5.3", by_model="settings")

    # -- the experiment's switches
    model: str = knob("cmath", "a registry name (`cmathlab models`) or package.module:Class (model/protocol.py)")
    variant: str = knob(
        "full",
        "full, or w/o X for a component X of the model (CMATH's: Section 5.5's ablations)",
        source="Section 5.5",
        fusable=True,
    )
    options: tuple = knob(
        (), "the model's own fields as sorted (name, value) pairs; MODEL.FIELD in specs, `opts` in code", since=AFTER
    )
    modalities: str = knob("tav", "any non-empty subset of t, a, v", source="Section 5.6", by_model="released")
    seed: int = knob(
        0,
        "weights, batch order, dropout and eq. 17's noise (and the validation split if split = seed)",
        reserved=True,
        condition=False,
        fusable=True,
    )
    epochs: int = knob(
        60,
        "at most; early stopping on validation W-F1 usually ends a run sooner",
        low=1,
        reserved=True,
        by_model="settings",
    )
    patience: int = knob(15, "epochs without a better validation W-F1 before stopping", low=0)
    val_fraction: float = knob(
        0.2, "of the training dialogues, the paper's protocol (Ma et al., 2022)", above=0, below=1, source="Section 5.2"
    )
    split_seed: int = knob(0, "fixed across seeds so every seed validates on the same dialogues")
    split: str = knob(
        "fixed",
        "the validation dialogues: fixed (by split_seed, the same for every seed) or seed (drawn "
        "by each run's seed, so a condition's spread includes the split's); official_valid "
        "ids stay as they are",
        choices=("fixed", "seed"),
        since=AFTER,
    )
    official_valid: bool = knob(False, "use the validation ids a file carries (COSMIC) instead")
    features: str = knob(
        "",
        "which of a dataset's feature files a study's [data] table names (an encoder); \"\" = the one",
        since=AFTER,
        reserved=True,
    )
    device: str = knob(
        "auto", "cuda when there is one, else cpu", choices=("auto", "cpu", "cuda"), reserved=True, condition=False
    )
    keep_embeddings: bool = knob(False, "return the fused test embeddings H'_x (for t-SNE)", condition=False)
    allow_constant: bool = knob(
        False, "train on a modality whose features never vary (absent data) anyway", since=AFTER
    )

    # -- the training recipe: what real features need beyond Section 5.3
    recipe: str = knob(
        "cmathlab",
        "the preset the fields start from; paper: the paper's model as written",
        choices=("cmathlab", "paper"),
        paper="paper",
        since=AFTER,
    )
    standardize: bool = knob(
        True,
        "z-score each feature with the training dialogues' statistics: real features are far from unit scale",
        paper=False,
        source=NONE_53,
        since=AFTER,
        measured="BENCHMARKS.md section 10",
        by_model="released",
    )
    warmup_steps: int = knob(
        30,
        "linear lr warm-up (at most a tenth of the run): post-LN attention at the paper's "
        "lr blows up in its first steps",
        low=0,
        paper=0,
        source=NONE_53,
        since=AFTER,
        measured="BENCHMARKS.md section 10",
        by_model="settings",
    )
    ema_epochs: float = knob(
        2.0,
        "evaluate (so select on) a moving average of the weights over about this many "
        "epochs: it smooths the validation curve, whose swings pick noise peaks",
        low=0,
        paper=0.0,
        source=NONE_53,
        since=AFTER,
        measured="BENCHMARKS.md section 10",
        by_model="settings",
    )
    schedule: str = knob(
        "constant",
        "lr after warm-up; cosine decays it to 0 over `epochs` and lost on the demo",
        choices=("constant", "cosine"),
        source=NONE_53,
        since=AFTER,
        measured="BENCHMARKS.md section 10",
        by_model="settings",
    )

    # -- where the default replaces one of the paper's equations

    # -- decisions the paper leaves open
    dropout: float = knob(
        0.5,
        "the paper gives none; 0.5 beat 0.3 on validation on every corpus tried",
        low=0,
        below=1,
        paper=0.1,
        measured="BENCHMARKS.md section 10",
        by_model="settings",
    )
    weight_decay: float = knob(
        0.0, "plain Adam, as the paper names it", low=0, source="Section 5.3", by_model="settings"
    )
    grad_clip: float = knob(
        1.0,
        "max gradient norm per model (0 = off): one bad batch cannot wreck the weights",
        low=0,
        paper=0.0,
        source=NONE_53,
        measured="BENCHMARKS.md section 10",
        by_model="settings",
    )
    min_epochs: int = knob(0, "epochs always run before early stopping may end training", low=0)
    bucket: int = knob(
        0, "k > 0: batches from runs of k*batch_size dialogues sorted by length (less padding); 0 = random", low=0
    )
    precision: str = knob(
        "fp32",
        "the forward pass's arithmetic; bf16 autocasts matrix products (weights and "
        "optimizer stay fp32): a GPU speed option, its effect on W-F1 measured before use",
        choices=("fp32", "bf16"),
        since=AFTER,
    )

    def __post_init__(self):
        for name, f in FIELDS.items():
            if name != "options":
                object.__setattr__(self, name, f.check(getattr(self, name), name))
        if type(self.options) is not tuple:
            _bad("options", self.options, "a tuple of (name, value) pairs")
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", self.dataset):
            _bad("dataset", self.dataset, "a name of lower-case letters, digits, - and _ (iemocap, meld, or a file's)")
        self._check_model()
        mods = self.modalities
        if not mods or set(mods) - set("tav") or len(set(mods)) != len(mods):
            _bad("modalities", mods, "a non-empty subset of t, a, v such as 'ta'")
        object.__setattr__(self, "modalities", "".join(m for m in "tav" if m in mods))
        check = getattr(self.model_class, "check_config", None)
        if check is not None:
            check(self)

    @classmethod
    def for_dataset(cls, dataset: str, recipe: str | None = None, **overrides) -> Config:
        """The paper's settings for `dataset` (OTHER's for a dataset the paper has not), then the recipe's
        (RECIPE_SETTINGS for this dataset, then RECIPES), then the model's authors' (its `settings`), then, with
        `MODEL.as_released = true`, its released code's (`released`), then `overrides` (None values are ignored).
        `NAME.FIELD` overrides set model NAME's own fields: those of
        the run's model are kept, those of another model are checked against it and dropped (a spec may fix
        several models' fields and grid over the models)."""
        from cmathlab.model import registry
        from cmathlab.model.protocol import released_for, settings_for

        recipe = recipe or cls.recipe
        if recipe not in RECIPES:
            _bad("recipe", recipe, f"one of {', '.join(RECIPES)}")
        overrides = {MOVED.get(k, k): v for k, v in overrides.items() if v is not None}
        own = {k: v for k, v in overrides.items() if "." in k}
        plain = {k: v for k, v in overrides.items() if "." not in k}
        unknown = set(plain) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise BadInput(unknown_field(sorted(unknown)[0]))
        model = plain.get("model", cls.model)
        if not isinstance(model, str):
            _bad("model", model, "a model name")
        model_cls = registry.resolve(model)
        options = dict(plain.pop("options", ()))
        for key, value in own.items():
            namespace, _, name = key.rpartition(".")
            target = model_cls if namespace == model else registry.resolve(namespace)
            declared = {f.name: f for f in getattr(target, "fields", ())}
            if name not in declared:
                raise BadInput(unknown_option(namespace, name, declared))
            value = declared[name].check(value, key)
            if namespace == model:
                options[name] = value
        released = {}
        if options.get("as_released"):  # the released code's preset: under every value given explicitly
            own_released, released = released_for(model_cls, dataset)
            options = {**own_released, **options}
        options = {**recipe_values(getattr(model_cls, "fields", ()), recipe, dataset), **options}
        values = {
            **dataset_settings(dataset),
            **RECIPE_SETTINGS.get(recipe, {}).get(dataset, {}),
            **RECIPES[recipe],
            **settings_for(model_cls, dataset),
            **released,
            "dataset": dataset,
            "recipe": recipe,
            **plain,
            "options": tuple(sorted(options.items())),
        }
        return cls(**values)

    def to_dict(self) -> dict:
        """Every field, flat: the model's own as `NAME.FIELD` (how MLflow params, result.json and specs write them)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "options"}
        return {**out, **{f"{self.model}.{k}": v for k, v in self.options}}

    @property
    def opts(self) -> SimpleNamespace:
        """The model's own fields by name (`cfg.opts.window_past`)."""
        return SimpleNamespace(**dict(self.options))

    @property
    def model_class(self) -> type:
        from cmathlab.model import registry

        return registry.resolve(self.model)

    def _check_model(self) -> None:
        """The model resolves and keeps the protocol; the variant names one of its components; its own
        fields are filled with their defaults for the dataset and each checked against its metadata."""
        cls = self.model_class
        _model_entry(cls, self.model)
        variants = ["full", *(c.variant for c in getattr(cls, "components", ()))]
        if self.variant not in variants:
            if len(variants) == 1:
                _bad("variant", self.variant, f"'full': {self.model} has no switchable components")
            _bad("variant", self.variant, f"one of {', '.join(variants)} ({self.model}'s components)")
        given = dict(self.options)
        declared = {f.name: f for f in getattr(cls, "fields", ())}
        for term, t in getattr(cls, "terms", {}).items():  # a loss term's weight and switch: its model's or a run field
            for name, kinds, what in (
                (t.weight, (int, float), "number"),
                (t.ramp, (int,), "whole number of epochs"),
                (t.switch, (bool,), "true/false"),
            ):
                known = declared.get(name) or FIELDS.get(name)
                if name is not None and (known is None or type(known.default) not in kinds):
                    raise BadInput(
                        f"model {self.model!r}: loss term {term!r} is weighted or kept by {name!r}, "
                        f"which is not a {what} field of the model or the run",
                        field="model",
                    )
        for name in given:
            if name not in declared:
                raise BadInput(unknown_option(self.model, name, declared))
        options = {
            name: f.check(given.get(name, f.default_for(self.dataset)), f"{self.model}.{name}")
            for name, f in declared.items()
        }
        object.__setattr__(self, "options", tuple(sorted(options.items())))

    # what each variant switches off: the model's `components` (CMATH's: Section 5.5)
    def component(self):
        """The model's component this run's variant switches off, or None for the full model."""
        return next((c for c in getattr(self.model_class, "components", ()) if c.variant == self.variant), None)

    def keeps(self, name: str) -> bool:
        """Whether the model's component `name` is on in this run (`variant` is not "w/o NAME"); a name the model
        does not declare among its `components` is refused (a typo would otherwise train the full model)."""
        declared = [c.name for c in getattr(self.model_class, "components", ())]
        if name not in declared:
            listed = ", ".join(declared) or "none"
            raise BadInput(
                f"model {self.model!r} asks whether it keeps component {name!r}, which it does not "
                f"declare; its components: {listed}",
                field="variant",
            )
        return self.variant != f"w/o {name}"

    @property
    def architecture(self) -> str:
        """The variant as far as the weights go: a component that only drops loss terms (CMATH's w/o LLD /
        HLD / HD) trains the full model's weights."""
        component = self.component()
        return self.variant if component is not None and component.changes_architecture else "full"

    def loss_weights(self, architecture: bool = False, epoch: int | None = None) -> dict[str, float]:
        """The weight of each loss term (the model's `terms`) this run keeps: all but those its variant's
        component drops. With `architecture`, the terms its architecture computes: a fused group's w/o LLD /
        w/o HLD members train them at weight 0. With `epoch` (1-based), a term with a `ramp` rises over as many
        epochs as that field says (CMATH's distillation terms over `cmath.distill_warmup`): 0 in epoch 1, full
        after."""
        from cmathlab.model.protocol import Term

        component = self.component()
        dropped = set(component.drops_terms) if component is not None else set()
        if architecture and component is not None and not component.changes_architecture:
            dropped = set()
        terms = getattr(self.model_class, "terms", {"ce_x": Term()})
        own = dict(self.options)

        def value(name):  # the model's own field of that name, else the run's
            return own[name] if name in own else getattr(self, name)

        def ramp(t):
            epochs = value(t.ramp) if t.ramp and epoch is not None else 0
            return min(1.0, (epoch - 1) / epochs) if epochs else 1.0

        return {
            name: (float(value(t.weight)) if t.weight else 1.0) * ramp(t)
            for name, t in terms.items()
            if name not in dropped and (t.switch is None or value(t.switch))
        }


FIELDS: dict[str, Field] = fields_of(Config)


@functools.cache
def _model_entry(cls: type, name: str) -> None:
    """A model's `settings` and released preset name only the run fields their roles allow (once per class)."""
    own = {f.name for f in getattr(cls, "fields", ())}
    for r in getattr(cls, "released", ()):
        if r.field not in own and r.field not in PRESET_FIELDS:
            raise BadInput(
                f"model {name!r} releases {r.field!r}, neither its own field nor a run field "
                f"({', '.join(sorted(PRESET_FIELDS))})",
                field="model",
            )
    for dataset, values in (getattr(cls, "settings", {}) or {}).items():
        unknown = set(values) - MODEL_SETTINGS
        if unknown:
            raise BadInput(
                f"model {name!r} sets {sorted(unknown)} for {dataset!r}: `settings` holds only run fields "
                f"({', '.join(sorted(MODEL_SETTINGS))})",
                field="model",
            )


# The fields' roles, derived from their metadata: which may differ inside a fused group, which are no part of a
# report's condition, which a spec sets by its own structure, and which a model's `settings` and released preset
# may set (checked in `Config._check_model`)
FUSABLE = frozenset(name for name, f in FIELDS.items() if f.fusable)
NOT_CONDITION = frozenset(name for name, f in FIELDS.items() if not f.condition)
RESERVED = frozenset(name for name, f in FIELDS.items() if f.reserved)
MODEL_SETTINGS = frozenset(name for name, f in FIELDS.items() if f.by_model == "settings")
PRESET_FIELDS = MODEL_SETTINGS | {name for name, f in FIELDS.items() if f.by_model == "released"}
# The recipes, derived from the fields: "paper" is every field at its `paper` value (the model Sections 3 and 5.3
# describe; where the paper is silent, cmathlab's choice before issue 10), "cmathlab" the field defaults.
RECIPES = {
    "cmathlab": {},
    "paper": {name: f.paper for name, f in FIELDS.items() if name != "recipe" and f.paper != f.default},
}
# The cmathlab recipe's per-dataset values over Section 5.3's (`ours`: IEMOCAP's lr, batch size, teachers)
RECIPE_SETTINGS = {"cmathlab": {}}
for _name, _f in FIELDS.items():
    for _dataset, _value in _f.ours.items():
        RECIPE_SETTINGS["cmathlab"].setdefault(_dataset, {})[_name] = _value
# What a run recorded before a field existed ran with: reading an old record, a missing field means this
# value (the behaviour of that code, which the paper recipe keeps), never the new default.
BEFORE = {name: f.paper for name, f in FIELDS.items() if f.since}
# The fields that were flat `Config` fields until issue 44 and are CMATH's own since (`cmath.FIELD`): a spec, a
# `--set` or a tracked run that names one flat means CMATH's (another model ignores it, as it did).
MOVED = {
    name: f"cmath.{name}"
    for name in (
        "context",
        "context_reads",
        "positions",
        "attention_bias",
        "heads",
        "ffn_mult",
        "kernel_t",
        "kernel_a",
        "kernel_v",
        "norm",
        "cma_layers",
        "speaker_init",
        "gate",
        "sigma",
        "sigma_init",
        "sample_at_eval",
        "detach_teacher",
        "modality_ce",
        "reduction",
        "gamma1",  # until issue 44's last step, also the three fields of its distillation terms
        "gamma2",
        "distill_warmup",
    )
}


def recipe_values(fields, recipe: str, dataset: str) -> dict:
    """A model's own fields as `recipe` sets them on `dataset`: "paper" every field at the value its paper
    gives (where it gives one and it differs from the default), "cmathlab" each field's `ours` for the dataset."""
    if recipe == "paper":
        return {
            f.name: f.paper_for(dataset)
            for f in fields
            if f.paper != NOT_IN_PAPER and f.paper_for(dataset) != f.default_for(dataset)
        }
    return {f.name: f.ours[dataset] for f in fields if dataset in f.ours}


def upgraded(params: dict) -> dict:
    """A tracked run's params as today's fields name them: a flat field that moved into CMATH (`MOVED`) becomes
    `cmath.FIELD` (a record from before issue 44 logged every field of `Config`, its own model's or not)."""
    out = dict(params)
    for flat, dotted in MOVED.items():
        if flat in out:
            out.setdefault(dotted, out.pop(flat))
    return out


# Section 5.3's settings per dataset, from the dataset table
PAPER = {name: dict(d.settings) for name, d in DATASETS.items()}


def departures(base: str = "paper", recipe: str = "cmathlab") -> dict[str, dict[str, tuple]]:
    """The fields whose value under `recipe` differs from `base`'s on any of the paper's datasets:
    field -> dataset -> (base's value, recipe's value). The paper's model is the base; a recipe is its diff."""
    for name in (base, recipe):
        if name not in RECIPES:
            _bad("recipe", name, f"one of {', '.join(RECIPES)}")
    a = {d: Config.for_dataset(d, recipe=base).to_dict() for d in PAPER}
    b = {d: Config.for_dataset(d, recipe=recipe).to_dict() for d in PAPER}
    return {
        k: {d: (a[d][k], b[d][k]) for d in PAPER}
        for k in a["iemocap"]
        if k != "recipe" and any(a[d][k] != b[d][k] for d in PAPER)
    }


def field(name: str) -> Field:
    """The `Field` a name means: a run field, a model's own (`MODEL.FIELD`), or one of CMATH's by its flat
    name from before issue 44 (`MOVED`); BadInput for none of those."""
    from cmathlab.model import registry

    name = MOVED.get(name, name)
    if name in FIELDS:
        return FIELDS[name]
    model, _, own = name.rpartition(".")
    if not model:
        raise BadInput(unknown_field(name))
    declared = {f.name: f for f in getattr(registry.resolve(model), "fields", ())}
    if own not in declared:
        raise BadInput(unknown_option(model, own, declared))
    return declared[own]


def paper_says(name: str) -> str:
    """Where the paper gives field `name`'s value, and which equation a departure from it replaces."""
    f = field(name)
    where = f.source or f"{SILENT}: cmathlab's earlier choice"
    return f"{where}; ours replaces {f.replaces}" if f.replaces else where


def allowed_values(name: str) -> str:
    """What a field accepts, in words (for `cmathlab config` and error messages)."""
    special = {
        "modalities": "non-empty subset of tav",
        "dataset": " | ".join(PAPER) + " | a feature file's",
        "options": "the model's own fields, written MODEL.FIELD (`cmathlab models`)",
        "model": "a name of `cmathlab models` | package.module:Class",
        "variant": "full | w/o X for a component X of the model (`cmathlab models`)",
    }
    return special.get(name) or field(name).allowed()


def unknown_option(model: str, name: str, declared: dict) -> str:
    """'model M has no field F' with its fields listed."""
    import difflib

    close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.6)
    hint = f" (did you mean {model}.{close[0]}?)" if close else ""
    listed = ", ".join(declared) or "none"
    return f"model {model!r} has no field {name!r}{hint}; its fields: {listed}"


def unknown_field(name: str) -> str:
    """'unknown config field X' with the closest field's name when there is one."""
    import difflib

    close = difflib.get_close_matches(name, [f.name for f in dataclasses.fields(Config)], n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown config field {name!r}{hint}; `cmathlab config` lists them"


def parse_sets(items: list[str]) -> dict:
    """`--set FIELD=VALUE` items as config overrides: each value read as a TOML value (1e-3, true, 64),
    else as text (paper, ta); the field name checked here, the value when the Config is built."""
    import tomllib

    names = {f.name for f in dataclasses.fields(Config)}
    out = {}
    for item in items:
        name, sep, text = item.partition("=")
        name, text = name.strip(), text.strip()
        if not sep or not name or not text:
            raise BadInput(f"{item!r} is not FIELD=VALUE", field="--set")
        if (
            name not in names and name not in MOVED and "." not in name
        ):  # MODEL.FIELD is checked against that model's fields
            raise BadInput(unknown_field(name), field="--set")
        if name == "options":
            raise BadInput("a model's own fields are set one by one, as MODEL.FIELD=VALUE", field="--set")
        if name in out:
            raise BadInput(f"{name} is set twice", field="--set")
        try:
            out[name] = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            out[name] = text
    return out


def _bad(field: str, value, expected: str):
    raise BadInput(f"{value!r} is not {expected}", field=field)
