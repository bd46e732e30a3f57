"""Models under one protocol (`protocol.py`), found by name in one registry (`registry.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the config reads models through the registry; the models never import it back at load
    from torch import nn

    from cmathlab.config import Config

__all__ = ["Component", "Field", "Model", "Output", "Term", "build_model"]
_PROTOCOL = {"Component", "Field", "Model", "Output", "Term"}


def __getattr__(name: str):  # the protocol (and torch) on first use: the registry's names need neither
    if name in _PROTOCOL:
        from cmathlab.model import protocol

        return getattr(protocol, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_model(cfg: Config, dims: dict[str, int], n_speakers: int, n_classes: int) -> nn.Module:
    """The run's model (`cfg.model` through the registry), built as the protocol says."""
    return cfg.model_class(cfg, dims, n_speakers, n_classes)
