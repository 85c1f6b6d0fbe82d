"""chainrule.data (also importable as chainrule.utils.data): datasets and batching, as in torch.utils.data.

    from chainrule.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    for xb, yb in loader: ...

Real data offline: load_digits and load_iris (scikit-learn's bundled copies), seed_images (the seed
notebook's six 2x2 images), MNIST / FashionMNIST from IDX files you already have (read_idx reads one).
"""
from .collate import default_collate, default_convert  # noqa: F401
from .dataloader import DataLoader  # noqa: F401
from .dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split  # noqa: F401
from .datasets import load_digits, load_iris, seed_images  # noqa: F401
from .idx import MNIST, FashionMNIST, read_idx  # noqa: F401
from .sampler import (  # noqa: F401
    BatchSampler, DistributedSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
)
