"""The model registry: `build_model` is how `fit` gets a model for a config."""

from torch import nn

from cmathlab.config import Config
from cmathlab.model.baselines import DialogueGRU, UtteranceMLP
from cmathlab.model.cmath import CMATH

REGISTRY = {"cmath": CMATH, "mlp": UtteranceMLP, "bigru": DialogueGRU}


def build_model(cfg: Config, dims: dict[str, int], n_speakers: int, n_classes: int) -> nn.Module:
    """A model with `forward(batch) -> Output` and `loss_terms(output, batch)`."""
    return REGISTRY[cfg.model](cfg, dims, n_speakers, n_classes)
