import itertools

import numpy as np
import pytest

from cmathlab.data.corpus import LABELS, Dialogue
from cmathlab.data.synthetic import SHAPES, make_synthetic


def brute_force_posterior(generator, dialogue, modalities):
    """p(y_i | x) by summing over every label sequence: what forward-backward must equal."""
    loglik = generator.log_likelihood(dialogue, modalities)
    n, k = loglik.shape
    marginals = np.zeros((n, k))
    for seq in itertools.product(range(k), repeat=n):
        logp = np.log(generator.prior[seq[0]]) + loglik[0, seq[0]]
        for i in range(1, n):
            logp += np.log(generator.transition[seq[i - 1], seq[i]]) + loglik[i, seq[i]]
        for i, c in enumerate(seq):
            marginals[i, c] += np.exp(logp)
    return marginals / marginals.sum(1, keepdims=True)


@pytest.mark.parametrize("modalities", ["tav", "t", "av"])
def test_forward_backward_equals_enumeration_over_label_sequences(modalities):
    corpus = make_synthetic("iemocap", scale=0.02, seed=3)
    gen = corpus.generator
    d = corpus.dialogues[0]
    short = Dialogue(
        id="x",
        features={m: x[:4] for m, x in d.features.items()},
        speakers=d.speakers[:4],
        labels=d.labels[:4],
        split="train",
    )
    np.testing.assert_allclose(
        gen.posterior(short, modalities), brute_force_posterior(gen, short, modalities), rtol=1e-8, atol=1e-12
    )


def test_context_and_fusion_raise_the_bayes_limit():
    corpus = make_synthetic("iemocap", scale=0.5, seed=0)
    gen, test = corpus.generator, corpus.split(0.2, 0)["test"]
    full, text = gen.bayes(corpus, test)["acc"], gen.bayes(corpus, test, "t")["acc"]
    gen.transition = np.tile(gen.prior, (len(gen.prior), 1))  # forget the chain: per-utterance Bayes
    assert text < full and gen.bayes(corpus, test)["acc"] < full


@pytest.mark.parametrize("name", ["iemocap", "meld"])
def test_synthetic_copies_the_real_shapes(name):
    shape = SHAPES[name]
    corpus = make_synthetic(name, scale=0.1, seed=0)
    assert corpus.dims == shape.dims and corpus.label_names == LABELS[name]
    assert len(corpus.ids("train")) == round(shape.n_train * 0.1)
    lengths = [len(d) for d in corpus.dialogues]
    assert shape.length_min <= min(lengths) and max(lengths) <= shape.length_max
    again = make_synthetic(name, scale=0.1, seed=0)
    np.testing.assert_array_equal(again.dialogues[3].features["a"], corpus.dialogues[3].features["a"])


def test_reduced_dims_keep_the_class_structure_and_refuse_too_small():
    from cmathlab.errors import BadInput

    small = make_synthetic("iemocap/8", scale=0.2, seed=0)
    assert small.dims == {"t": 128, "a": 197, "v": 42} and small.source == "synthetic:iemocap/8"
    test = small.split(0.2, 0)["test"]
    assert small.generator.bayes(small, test)["acc"] > small.generator.bayes(small, test, "v")["acc"]
    with pytest.raises(BadInput, match="K must be a whole number from 1 to 9"):
        make_synthetic("iemocap/10")
    with pytest.raises(BadInput, match="K must be"):
        make_synthetic("meld/x")
