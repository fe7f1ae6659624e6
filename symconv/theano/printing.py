"""``theano.printing``: ``debugprint`` (symconv's typed listing), ``pprint`` (one infix
expression) and ``pydotprint``, which writes the graph as Graphviz DOT text."""
import os
import warnings

from .. import printing as _printing
from ..printing import Print, pprint  # noqa: F401  (Theano's printing.pprint and theano.pp)


def debugprint(obj, depth=-1, print_type=False, file=None, ids="CHAR", stop_on_name=False,
               done=None, print_storage=False, print_clients=False, used_ids=None):
    """Print the graph of a variable, a list of them or a compiled function.

    Theano's layout options (``depth``, ``ids``, ``print_type``...) are accepted and
    do not change the listing: one typed line per node, as :func:`symconv.printing.debugprint`.
    ``file="str"`` returns the text without printing it; with a file the listing is
    written there and the file is returned, else printed and None returned (Theano's
    return values: at a prompt the listing shows once).
    """
    obj = getattr(obj, "function", obj)  # a TheanoFunction prints as its compiled function
    text = _printing.debugprint(obj, file=file)
    if file == "str":
        return text
    return file


def pydotprint(fct, outfile=None, compact=True, format="png", with_ids=False,
               high_contrast=True, cond_highlight=None, colorCodes=None, max_label_size=70,
               scan_graphs=False, var_with_name_simple=False, print_output_file=True,
               return_image=False):
    """Write the graph of ``fct`` as a Graphviz DOT file and return its path.

    Theano renders an image with pydot; here the DOT text is written instead
    (render it with ``dot -Tpng FILE``). An ``outfile`` with an image extension
    gets ``.dot`` in its place.
    """
    if return_image:
        raise NotImplementedError("pydotprint: return_image=True is not implemented; "
                                  "symconv writes DOT text")
    fct = getattr(fct, "function", fct)
    path = outfile or "theano.pydotprint.dot"
    stem, ext = os.path.splitext(path)
    if ext.lower() != ".dot":
        warnings.warn(f"pydotprint: writes Graphviz DOT text, to {stem}.dot (render it with "
                      f"dot -T{format})", stacklevel=2)
        path = stem + ".dot"
    with open(path, "w") as handle:
        handle.write(_printing.to_dot(fct) + "\n")
    if print_output_file:
        print("The output file is available at", path)
    return path
