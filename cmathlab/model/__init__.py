"""Models under one protocol (`protocol.py`), found by name in one registry (`registry.py`)."""

from torch import nn

from cmathlab.config import Config
from cmathlab.model.protocol import Component, Field, Model, Output, Term

__all__ = ["Component", "Field", "Model", "Output", "Term", "build_model"]


def build_model(cfg: Config, dims: dict[str, int], n_speakers: int, n_classes: int) -> nn.Module:
    """The run's model (`cfg.model` through the registry), built as the protocol says."""
    return cfg.model_class(cfg, dims, n_speakers, n_classes)
