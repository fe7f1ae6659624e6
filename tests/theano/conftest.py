"""The Theano route's tests run with Theano's floatX (float64 unless THEANO_FLAGS
says otherwise); importing ``symconv.theano`` here leaves the other tests' floatX
as it was."""
import pytest

import symconv as sc

_symconv_floatX = sc.config.floatX
import symconv.theano  # noqa: E402,F401  (sets floatX to Theano's)

THEANO_FLOATX = sc.config.floatX
sc.config.floatX = _symconv_floatX


@pytest.fixture(autouse=True)
def theano_floatX():
    saved = sc.config.floatX
    sc.config.floatX = THEANO_FLOATX
    yield
    sc.config.floatX = saved
