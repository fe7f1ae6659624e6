"""Loops: Theano's ``scan`` and the functions built on it (``map``, ``reduce``,
``foldl``, ``foldr``), with ``until`` to stop a loop early.

A loop is one :class:`~symconv.scan.op.Scan` node whose step is a graph compiled
once and called at each step; its gradient is another loop, over the steps in
reverse (:mod:`symconv.scan.grad`).
"""
from .build import OrderedUpdates, foldl, foldr, map, reduce, scan, until
from .op import Scan

__all__ = ["scan", "until", "map", "reduce", "foldl", "foldr", "OrderedUpdates", "Scan"]
