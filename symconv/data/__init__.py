"""Data sets that ship with symconv (MNIST) and their loaders."""
from .loaders import expand_training_data, load_expanded, load_mnist_pickle, load_split
from .mnist import DataError, load_mnist, mnist_split, read_idx

__all__ = ["DataError", "expand_training_data", "load_expanded", "load_mnist", "load_mnist_pickle",
           "load_split", "mnist_split", "read_idx"]
