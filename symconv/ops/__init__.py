"""Ops, one module per family. Each Op pairs a NumPy kernel with its gradient rule."""
