"""``python -m symconv.theano SCRIPT [ARGS...]``: run a Theano script on symconv.

The script runs as ``__main__`` with ``sys.argv`` set to ``[SCRIPT, ARGS...]`` and
its folder first on ``sys.path``, as ``python SCRIPT`` would; its ``import theano``
statements give ``symconv.theano``. Nothing changes outside this process.
"""
import os
import runpy
import sys

USAGE = "usage: python -m symconv.theano SCRIPT [ARGS...]"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE + "\n\nRuns SCRIPT with its `import theano` resolved to symconv.theano.",
              file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    script = argv[0]
    if not os.path.isfile(script):
        print(f"symconv.theano: no such script: {script}", file=sys.stderr)
        return 2
    from .aliases import install
    install()
    sys.argv = [script] + argv[1:]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
