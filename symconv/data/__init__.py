"""Data sets that ship with symconv (MNIST) and their loaders."""
from .mnist import load_mnist, mnist_split, read_idx

__all__ = ["load_mnist", "mnist_split", "read_idx"]
