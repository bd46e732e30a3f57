"""Data: feature files and synthetic corpora, all ending in one validated `Corpus`."""

from cmathlab.data.corpus import Corpus, Dialogue, describe

__all__ = ["Corpus", "Dialogue", "describe", "load_corpus", "make_synthetic", "read_corpus"]


def __getattr__(name: str):  # the readers and the generator on first use: a command that reads no data (report,
    # status) does not pay for sklearn's and the readers' imports
    if name == "make_synthetic":
        from cmathlab.data.synthetic import make_synthetic

        return make_synthetic
    if name == "read_corpus":
        from cmathlab.data.readers import read_corpus

        return read_corpus
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_corpus(spec: str, join: str | None = None, scale: float = 1.0, seed: int = 0) -> Corpus:
    """`synthetic:iemocap`, `synthetic:meld` or a feature file (optionally joined with a second)."""
    if spec.startswith("synthetic:"):
        from cmathlab.data.synthetic import make_synthetic

        return make_synthetic(spec.split(":", 1)[1], scale=scale, seed=seed)
    from cmathlab.data.readers import read_corpus

    return read_corpus(spec, join=join)
