"""``theano.tensor.nnet.sigm``: the logistic function, its cheaper approximations
``ultra_fast_sigmoid`` and ``hard_sigmoid``, and ``softplus``."""
from ....graph.tensor import as_tensor_variable
from ....nnet import sigmoid, softplus  # noqa: F401
from ....tensor.math import abs as _abs, clip, lt, mul, sign, switch
from ...missing import missing_attribute

# Theano's piecewise approximation of tanh(u) for u = x / 2 >= 0: a rational part, a
# line, and a constant
_KNEE, _END = 1.7, 3.0
_LINE_AT_KNEE, _LINE_SLOPE, _TOP = 0.935409070603099, 0.0458812946797165, 0.99505475368673


def ultra_fast_sigmoid(x):
    """Theano's piecewise approximation of the sigmoid (within about 0.02 of it), with the
    gradient of the approximation itself."""
    x = as_tensor_variable(x)
    u = _abs(mul(x, 0.5))
    tanh_u = switch(lt(u, _KNEE), 1.5 * u / (1.0 + u),
                    switch(lt(u, _END), _LINE_AT_KNEE + _LINE_SLOPE * (u - _KNEE), _TOP))
    return 0.5 * (sign(x) * tanh_u + 1.0)


def hard_sigmoid(x):
    """``clip(0.2 * x + 0.5, 0, 1)``: Theano's three-piece approximation of the sigmoid."""
    x = as_tensor_variable(x)
    return clip(x * 0.2 + 0.5, 0.0, 1.0)


__getattr__ = missing_attribute(__name__)
