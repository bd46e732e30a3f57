"""cmathlab: reproduce and extend the CMATH paper's experiments on multimodal ERC."""

__version__ = "0.1.0"
