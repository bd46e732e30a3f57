"""What the baselines' model tests share: a config of a model's own fields, a padded batch of random dialogues,
one dialogue cut out of a batch, and one intra-op thread."""

import pytest
import torch

from cmathlab.config import Config
from cmathlab.data.tensors import Batch


@pytest.fixture(autouse=True)
def one_thread():
    """Many small matrices and RNN steps: one thread is faster than two and does not fight other jobs for the cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def model_config(cls, small: dict, dataset="iemocap", modalities="tav", variant="full", dropout=0.3, **opts):
    """A run's `Config` for a baseline: the shared fields it reads, and its own: its defaults for `dataset`, then
    `small`, then `opts`."""
    values = {f.name: f.default_for(dataset) for f in cls.fields} | small | opts
    return Config(
        dataset=dataset,
        model=cls.name,
        modalities=modalities,
        dim=100,
        dropout=dropout,
        variant=variant,
        options=tuple(sorted(values.items())),
    )


def random_batch(lengths, dims: dict, n_speakers=2, n_classes=6, seed=0) -> Batch:
    """Dialogues of `lengths` padded into one batch: features and speakers zero, labels -1 where padded."""
    g = torch.Generator().manual_seed(seed)
    b, n = len(lengths), max(lengths)
    mask = torch.arange(n)[None, :] < torch.tensor(lengths)[:, None]
    features = {m: torch.randn(b, n, d, generator=g) * mask[..., None] for m, d in dims.items()}
    speakers = torch.randint(0, n_speakers, (b, n), generator=g) * mask
    labels = torch.where(mask, torch.randint(0, n_classes, (b, n), generator=g), -1)
    return Batch(features=features, speakers=speakers, labels=labels, mask=mask)


def row(batch: Batch, i: int, length: int) -> Batch:
    """Dialogue `i` of `batch` alone, unpadded."""
    return Batch(
        features={m: x[i : i + 1, :length] for m, x in batch.features.items()},
        speakers=batch.speakers[i : i + 1, :length],
        labels=batch.labels[i : i + 1, :length],
        mask=batch.mask[i : i + 1, :length],
    )
