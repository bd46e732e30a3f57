"""Every knob of a run in one dataclass: the paper's settings, the experiment switches, and
every decision the paper leaves open (each with one line saying why its default)."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from types import SimpleNamespace

from cmathlab.errors import BadInput


# Section 5.3: per-dataset settings the paper reports
PAPER = {
    "iemocap": {"lr": 3e-3, "batch_size": 16, "gamma1": 1.0, "gamma2": 1.8, "dim": 500},
    "meld": {"lr": 2e-4, "batch_size": 4, "gamma1": 1.0, "gamma2": 1.2, "dim": 400},
}
# Any other dataset (named by its feature file, `cmathlab features`): MELD's settings, the paper's choice for
# short multi-party dialogues of sentence-level text; not tuned on any other corpus.
OTHER = PAPER["meld"]


def dataset_settings(dataset: str) -> dict:
    return PAPER.get(dataset, OTHER)

# How a run trains, on top of its dataset's settings: `Config.for_dataset(..., recipe=NAME)` starts
# from these values, then applies the caller's overrides. "cmathlab" is the field defaults below;
# "paper" is Section 5.3 as written (raw features, constant lr, no warm-up, no clipping) with the
# values cmathlab used before issue 10 where the paper is silent: exactly the earlier behaviour.
RECIPES = {
    "cmathlab": {},
    "paper": {"standardize": False, "warmup_steps": 0, "schedule": "constant", "grad_clip": 0.0,
              "distill_warmup": 0, "dropout": 0.1, "kernel_t": 3, "attention_bias": "none",
              "context": "attention", "positions": True, "speaker_init": "normal",
              "context_reads": "own", "kernel_a": 3, "kernel_v": 3, "ema_epochs": 0.0},  # the choices cmathlab made before issue 10 where the paper is silent
}

# What the cmathlab recipe changes of a dataset's settings (the "paper" recipe keeps them), for IEMOCAP alone:
# - lr 3e-4 over batches of 4: synthetic IEMOCAP's validation W-F1 rose from 63.5 to 75.2 against the paper's 3e-3
#   over 16 (BENCHMARKS.md, "Issue 10"); the real-IEMOCAP probe points the same way.
# - distillation teachers that learn (detach_teacher False): on synthetic IEMOCAP x0.2 a detached teacher's pull
#   makes the validation curve swing 5.6 W-F1 an epoch; learning, valid +1.37 at x0.2, +1.04 at paper scale (5 seeds
#   each; synthetic data only). On synthetic MELD it cost 1.16, so MELD and every other dataset keep theirs (session 10).
RECIPE_SETTINGS = {"cmathlab": {"iemocap": {"lr": 3e-4, "batch_size": 4, "detach_teacher": False}}}

# What a run recorded before a field existed ran with: reading an old record, a missing field
# means this value (the behaviour of that code), never the new default.
BEFORE = {"recipe": "paper", "standardize": False, "warmup_steps": 0, "schedule": "constant",
          "allow_constant": False, "distill_warmup": 0, "features": "", "norm": "post",
          "attention_bias": "none", "cma_layers": 1, "context": "attention",
          "positions": True, "speaker_init": "normal", "context_reads": "own", "ema_epochs": 0.0,
          "options": ()}  # options: models had no fields of their own (cmath, mlp and bigru still have none)

_CHOICES = {
    "gate": ("softmax", "sigmoid"),
    "sigma": ("softplus", "exp"),
    "reduction": ("element", "utterance"),
    "device": ("auto", "cpu", "cuda"),
    "recipe": tuple(RECIPES),
    "schedule": ("constant", "cosine"),
    "norm": ("post", "pre"),
    "attention_bias": ("none", "alibi", "learned"),
    "context": ("attention", "gru", "attention+gru"),
    "speaker_init": ("normal", "zero"),
    "context_reads": ("own", "all"),
}


@dataclass(frozen=True)
class Config:
    # -- the paper's settings (Section 5.3); `Config.for_dataset` fills them per dataset
    dataset: str = "iemocap"  # which of the paper's corpora (its settings and label names); set by the data
    lr: float = 3e-3  # Adam's learning rate (Section 5.3)
    batch_size: int = 16  # dialogues per batch
    gamma1: float = 1.0  # weight of low-level distillation, eq. 24
    gamma2: float = 1.8  # weight of high-level distillation, eq. 24
    dim: int = 500  # d, the common space

    # -- the experiment's switches
    model: str = "cmath"  # a registry name (`cmathlab models`) or package.module:Class (model/protocol.py)
    variant: str = "full"  # "full" or "w/o X" for a component X of the model (CMATH's: Section 5.5's ablations)
    options: tuple = ()  # the model's own fields as sorted (name, value) pairs; `NAME.FIELD` in specs, `opts` in code
    modalities: str = "tav"  # any non-empty subset of t, a, v
    seed: int = 0  # weights, batch order, dropout and eq. 17's noise (not the validation split)
    epochs: int = 60  # at most; early stopping on validation W-F1 usually ends a run sooner
    patience: int = 15  # epochs without a better validation W-F1 before stopping
    val_fraction: float = 0.2  # the paper's protocol (Ma et al., 2022)
    split_seed: int = 0  # fixed across seeds so every seed validates on the same dialogues
    official_valid: bool = False  # use the validation ids a file carries (COSMIC) instead
    features: str = ""  # which of a dataset's feature files a study's [data] table names (e.g. an encoder); "" = the one
    device: str = "auto"  # cuda when there is one, else cpu
    keep_embeddings: bool = False  # return fused test embeddings H'_x (for t-SNE)
    allow_constant: bool = False  # train on a modality whose features never vary (absent data) anyway

    # -- the training recipe (RECIPES): what real features need beyond Section 5.3 (BENCHMARKS.md)
    recipe: str = "cmathlab"  # the preset the fields below started from; "paper" is Section 5.3 as written
    standardize: bool = True  # z-score each feature on the training dialogues: real features are far from unit scale
    warmup_steps: int = 30  # linear lr warm-up (at most a tenth of the run): post-LN attention at the paper's lr blows up early
    distill_warmup: int = 10  # epochs over which gamma1, gamma2 rise from 0: +0.6..+4 valid W-F1 on MELD, demo (BENCHMARKS)
    ema_epochs: float = 2.0  # evaluate (and so select on) an exponential moving average of the weights over about this many epochs (0 = the weights as trained): it smooths the validation curve; passed s13-ema's rule on fresh seeds (benchmarks/archive/BENCHMARKS-diary-until-2026-12-03.md "Session 13")
    schedule: str = "constant"  # lr after warm-up; "cosine" (decay to 0 over `epochs`) cost 9-13 valid W-F1 on the 12-epoch demo

    # -- decisions the paper leaves open
    heads: int = 4  # every d the paper tries (100..600) divides by 4
    dropout: float = 0.5  # the paper gives none; 0.5 over 0.3: valid +1.19 synthetic MELD, +0.85 IEMOCAP x0.2, +0.26 MELD dev (s11-reg, BENCHMARKS.md)
    ffn_mult: int = 2  # FFN hidden = 2d keeps d=500 models small on tiny data
    kernel_t: int = 1  # k_m of eqs. 1-2 (odd keeps n): sentence embeddings overfit a wider conv (real MELD, BENCHMARKS.md)
    kernel_a: int = 1  # each utterance's audio alone, as text's; the context reader sees neighbours. 3: valid -1.61 synthetic MELD, -0.63 IEMOCAP x0.2 (no real audio to choose on)
    kernel_v: int = 1  # as for audio
    norm: str = "post"  # eqs. 9-11 normalise after each residual (post-LN); "pre" normalises inputs instead (probe)
    cma_layers: int = 1  # CMA-Transformers stacked per modality: the paper draws one; 2: valid -1.1 synthetic MELD, -0.7 real
    context: str = "gru"  # a BiGRU reads the central modality's dialogue in place of eq. 11's self-attention: valid +0.61 MELD dev, +0.40 random fifth, +1.8..+2.5 synthetic
    positions: bool = False  # eqs. 6-7's sinusoids in eq. 8; the GRU reads the order itself. Off, with speaker_init "zero": valid +1.07 MELD dev, +0.39 random fifth, +0.0..+0.7 synthetic
    context_reads: str = "all"  # what eq. 11's context reader reads: the mean of every modality's utterances ("own": the central one's, the paper). valid +1.00 synthetic MELD, +0.72 synthetic IEMOCAP x0.2 (n.s.; test -1.97); with text alone the same run
    speaker_init: str = "zero"  # eq. 5's V_s starts at 0 and is learned; nn.Embedding's default N(0, 1) ("normal") adds a random rms-1 vector per speaker
    attention_bias: str = "alibi"  # eqs. 9-11 see absolute positions only; biasing heads by distance: +1-3 valid on synthetic, 0 on MELD
    gate: str = "softmax"  # eq. 12: per-dimension softmax over streams; "sigmoid" gates each stream alone
    sigma: str = "softplus"  # eq. 15 must give sigma > 0; softplus is smoother than exp
    sigma_init: float = 0.1  # sigma_m at initialisation; softplus(0) = 0.69 would drown mu_x in noise
    sample_at_eval: bool = False  # eq. 17 samples in training; evaluation uses mu_x, deterministic
    detach_teacher: bool = True  # eqs. 18/23: teachers are targets, as in distillation (the cmathlab recipe lets IEMOCAP's learn: RECIPE_SETTINGS)
    modality_ce: bool = True  # eq. 22's per-modality CE stays in every variant, also w/o HD
    reduction: str = "element"  # eqs. 3/18: mean squared error per element keeps terms on CE's scale
    weight_decay: float = 0.0  # the paper names plain Adam
    grad_clip: float = 1.0  # max gradient norm per model (0 = off): one bad batch cannot wreck the weights
    min_epochs: int = 0  # epochs always run before early stopping may end training
    bucket: int = 0  # k > 0: batches from runs of k*batch_size dialogues sorted by length (less padding); 0 = random

    def __post_init__(self):
        for f in dataclasses.fields(self):
            value, default = getattr(self, f.name), f.default
            if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, f.name, float(value))
            elif type(value) is not type(default):
                _bad(f.name, value, f"a {type(default).__name__}")
        for name, allowed in _CHOICES.items():
            if getattr(self, name) not in allowed:
                _bad(name, getattr(self, name), f"one of {', '.join(allowed)}")
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", self.dataset):
            _bad("dataset", self.dataset, "a name of lower-case letters, digits, - and _ (iemocap, meld, or a file's)")
        self._check_model()
        mods = self.modalities
        if not mods or set(mods) - set("tav") or len(set(mods)) != len(mods):
            _bad("modalities", mods, "a non-empty subset of t, a, v such as 'ta'")
        object.__setattr__(self, "modalities", "".join(m for m in "tav" if m in mods))
        for name in ("dim", "heads", "batch_size", "epochs", "ffn_mult", "cma_layers"):
            if getattr(self, name) < 1:
                _bad(name, getattr(self, name), "a positive integer")
        if self.dim % self.heads:
            _bad("heads", self.heads, f"a divisor of dim={self.dim}")
        if "gru" in self.context and self.dim % 2:
            _bad("dim", self.dim, f"an even number: context={self.context!r} gives each direction of its GRU d/2 units")
        for m in "tav":
            k = getattr(self, f"kernel_{m}")
            if k < 1 or k % 2 == 0:
                _bad(f"kernel_{m}", k, "an odd positive integer")
        if not 0 < self.val_fraction < 1:
            _bad("val_fraction", self.val_fraction, "a number in (0, 1)")
        if not 0 <= self.dropout < 1:
            _bad("dropout", self.dropout, "a number in [0, 1)")
        if not math.isfinite(self.ema_epochs):
            _bad("ema_epochs", self.ema_epochs, "a finite number of epochs (0 = off)")
        if self.sigma_init <= 0:
            _bad("sigma_init", self.sigma_init, "a positive number")
        if self.lr <= 0:
            _bad("lr", self.lr, "a positive number")
        for name in ("gamma1", "gamma2", "weight_decay", "grad_clip", "patience", "min_epochs", "bucket",
                     "warmup_steps", "distill_warmup", "ema_epochs"):
            if getattr(self, name) < 0:
                _bad(name, getattr(self, name), "a non-negative number")

    @classmethod
    def for_dataset(cls, dataset: str, recipe: str | None = None, **overrides) -> Config:
        """The paper's settings for `dataset` (OTHER's for a dataset the paper has not), then the recipe's
        (RECIPE_SETTINGS for this dataset, then RECIPES), then the model's authors' (its `settings`), then
        `overrides` (None values are ignored). `NAME.FIELD` overrides set model NAME's own fields: those of
        the run's model are kept, those of another model are checked against it and dropped (a spec may fix
        several models' fields and grid over the models)."""
        from cmathlab.model import registry
        from cmathlab.model.protocol import settings_for

        recipe = recipe or cls.recipe
        if recipe not in RECIPES:
            _bad("recipe", recipe, f"one of {', '.join(RECIPES)}")
        overrides = {k: v for k, v in overrides.items() if v is not None}
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
        values = {**dataset_settings(dataset), **RECIPE_SETTINGS.get(recipe, {}).get(dataset, {}), **RECIPES[recipe],
                  **settings_for(model_cls, dataset), "dataset": dataset, "recipe": recipe, **plain,
                  "options": tuple(sorted(options.items()))}
        return cls(**values)

    @classmethod
    def from_record(cls, values: dict) -> Config:
        """A Config from a flat record (`to_dict`'s shape: the model's fields as `NAME.FIELD` keys)."""
        plain = {k: v for k, v in values.items() if "." not in k}
        model = plain.get("model", cls.model)
        options = {k.rpartition(".")[2]: v for k, v in values.items() if k.rpartition(".")[0] == model}
        return cls(**{**plain, "options": tuple(sorted(options.items()))})

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
        variants = ["full", *(c.variant for c in getattr(cls, "components", ()))]
        if self.variant not in variants:
            if len(variants) == 1:
                _bad("variant", self.variant, f"'full': {self.model} has no switchable components")
            _bad("variant", self.variant, f"one of {', '.join(variants)} ({self.model}'s components)")
        given = dict(self.options)
        declared = {f.name: f for f in getattr(cls, "fields", ())}
        for name in given:
            if name not in declared:
                raise BadInput(unknown_option(self.model, name, declared))
        options = {name: f.check(given.get(name, f.default_for(self.dataset)), f"{self.model}.{name}")
                   for name, f in declared.items()}
        object.__setattr__(self, "options", tuple(sorted(options.items())))

    # what each variant switches off: the model's `components` (CMATH's: Section 5.5)
    def component(self):
        """The model's component this run's variant switches off, or None for the full model."""
        return next((c for c in getattr(self.model_class, "components", ()) if c.variant == self.variant), None)

    def keeps(self, name: str) -> bool:
        """Whether the model's component `name` is on in this run (`variant` is not "w/o NAME")."""
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
        w/o HLD members train them at weight 0. With `epoch` (1-based), ramped terms (CMATH's gamma1, gamma2)
        rise as `distill_warmup` says: 0 in epoch 1, full after."""
        from cmathlab.model.protocol import Term

        component = self.component()
        dropped = set(component.drops_terms) if component is not None else set()
        if architecture and component is not None and not component.changes_architecture:
            dropped = set()
        ramp = 1.0 if epoch is None or not self.distill_warmup else min(1.0, (epoch - 1) / self.distill_warmup)
        terms = getattr(self.model_class, "terms", {"ce_x": Term()})
        return {name: (float(getattr(self, t.weight)) if t.weight else 1.0) * (ramp if t.ramped else 1.0)
                for name, t in terms.items() if name not in dropped and (t.switch is None or getattr(self, t.switch))}


def departures(base: str = "paper", recipe: str = "cmathlab") -> dict[str, dict[str, tuple]]:
    """The fields whose value under `recipe` differs from `base`'s on any of the paper's datasets:
    field -> dataset -> (base's value, recipe's value). The paper's model is the base; a recipe is its diff."""
    for name in (base, recipe):
        if name not in RECIPES:
            _bad("recipe", name, f"one of {', '.join(RECIPES)}")
    a = {d: Config.for_dataset(d, recipe=base).to_dict() for d in PAPER}
    b = {d: Config.for_dataset(d, recipe=recipe).to_dict() for d in PAPER}
    return {k: {d: (a[d][k], b[d][k]) for d in PAPER} for k in a["iemocap"]
            if k != "recipe" and any(a[d][k] != b[d][k] for d in PAPER)}


def field_reasons() -> dict[str, str]:
    """Each field's one-line reason: the comment beside it in `Config` (one place for both)."""
    import inspect
    import re

    lines = inspect.getsource(Config).splitlines()
    return {m[1]: m[2] for line in lines if (m := re.match(r"    (\w+): [^=]+= .*?  # (.*)$", line))}


def allowed_values(name: str) -> str:
    """What a field accepts, in words (for `cmathlab config` and error messages)."""
    if name in _CHOICES:
        return " | ".join(_CHOICES[name])
    special = {"modalities": "non-empty subset of tav", "dataset": " | ".join(PAPER) + " | a feature file's",
               "options": "the model's own fields, written MODEL.FIELD (`cmathlab models`)",
               "model": "a name of `cmathlab models` | package.module:Class",
               "variant": "full | w/o X for a component X of the model (`cmathlab models`)"}
    if name in special:
        return special[name]
    return {bool: "true | false", int: "integer", float: "number", str: "text"}[type(getattr(Config, name))]


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
        if name not in names and "." not in name:  # MODEL.FIELD is checked against that model's fields
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
