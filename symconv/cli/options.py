"""Argument types and wording shared by the subcommands."""
import argparse


def positive_int(text):
    """An argument that must be a positive integer."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def probability(text):
    """An argument in [0, 1): a dropout probability."""
    value = float(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def names(text):
    """A comma-separated list: ``a,b`` -> ``["a", "b"]``."""
    return [part.strip() for part in text.split(",") if part.strip()]


def ints(text):
    """Integers and ranges: ``0,2-4`` -> ``[0, 2, 3, 4]``."""
    values = []
    for part in names(text):
        first, _, last = part.partition("-")
        try:
            values += list(range(int(first), int(last) + 1)) if last else [int(first)]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected integers like 0,1,2 or 0-4, got {text}") \
                from None
    return values


def floats(text):
    """Comma-separated numbers: ``0.01,0.03``."""
    try:
        return [float(part) for part in names(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 0.01,0.03, got {text}") from None



def plural(n, word):
    """``n word``, with an s unless ``n`` is 1."""
    return f"{n} {word}" + ("" if n == 1 else "s")

