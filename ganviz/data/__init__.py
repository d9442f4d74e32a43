"""Data: toy distributions with exact densities (``toy``)."""

from ganviz.data.toy import DATASETS, DATASETS_1D, DATASETS_2D, ToyDistribution, get_dataset

__all__ = ["DATASETS", "DATASETS_1D", "DATASETS_2D", "ToyDistribution", "get_dataset"]
