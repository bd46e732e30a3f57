"""Data: feature files and synthetic corpora, all ending in one validated `Corpus`."""

from cmathlab.data.corpus import Corpus, Dialogue, describe
from cmathlab.data.readers import read_corpus
from cmathlab.data.synthetic import make_synthetic

__all__ = ["Corpus", "Dialogue", "describe", "load_corpus", "make_synthetic", "read_corpus"]


def load_corpus(spec: str, join: str | None = None, scale: float = 1.0, seed: int = 0) -> Corpus:
    """`synthetic:iemocap`, `synthetic:meld` or a feature file (optionally joined with a second)."""
    if spec.startswith("synthetic:"):
        return make_synthetic(spec.split(":", 1)[1], scale=scale, seed=seed)
    return read_corpus(spec, join=join)
