"""images2neibs and neibs2images against a loop over patches (Theano's definition),
with gradients by finite differences."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.ops.neighbours import images2neibs, neibs2images
from tests.helpers import check_grad, raises_naming


def patches_by_loop(x, shape, step, mode):
    """Theano's order: image, channel, patch rows, patch columns, each patch row-major."""
    (r, c), (sr, sc_) = shape, step
    pr, pc = {"half": (r // 2, c // 2), "full": (r - 1, c - 1)}.get(mode, (0, 0))
    padded = np.pad(x, ((0, 0), (0, 0), (pr, pr), (pc, pc)))
    rows = []
    for n in range(x.shape[0]):
        for s in range(x.shape[1]):
            for a in range(0, padded.shape[2] - r + 1, sr):
                for b in range(0, padded.shape[3] - c + 1, sc_):
                    rows.append(padded[n, s, a:a + r, b:b + c].ravel())
    return np.array(rows)


CASES = [((2, 2), None, "valid", (2, 3, 6, 4)), ((3, 2), (1, 1), "valid", (2, 3, 6, 4)),
         ((3, 2), (3, 1), "valid", (1, 2, 6, 4)), ((4, 3), None, "ignore_borders", (2, 3, 6, 4)),
         ((3, 3), (1, 1), "half", (1, 2, 5, 5)), ((2, 3), (1, 1), "full", (1, 2, 4, 4))]


@pytest.mark.parametrize("shape,step,mode,image", CASES)
def test_patches_against_a_loop_and_their_gradient(shape, step, mode, image):
    data = np.random.default_rng(1).normal(size=image)
    x = T.dtensor4("x")
    got = sc.function([x], images2neibs(x, shape, step, mode))(data)
    np.testing.assert_array_equal(got, patches_by_loop(data, shape, step or shape, mode))
    check_grad(lambda v: images2neibs(v, shape, step, mode), [data])
    check_grad(lambda v: sc.grad((images2neibs(v, shape, step, mode) ** 3).sum(), v), [data])


def test_neibs2images_inverts_patches_side_by_side():
    data = np.random.default_rng(2).normal(size=(2, 3, 6, 4))
    x, n = T.dtensor4("x"), T.dmatrix("n")
    rows = sc.function([x], images2neibs(x, (3, 2)))(data)
    back = sc.function([n], neibs2images(n, (3, 2), data.shape))(rows)
    np.testing.assert_array_equal(back, data)
    check_grad(lambda v: neibs2images(v, (3, 2), data.shape), [rows])


def test_neighbour_errors_say_what_does_not_fit():
    x = T.dtensor4("x")
    f = sc.function([x], images2neibs(x, (4, 2)))
    with raises_naming(ValueError, "images2neibs", "4 rows", "every 4", "6 rows", "ignore_borders"):
        f(np.ones((1, 1, 6, 4)))
    with raises_naming(ValueError, "mode"):
        images2neibs(x, (2, 2), mode="wrap_around")
    with raises_naming(TypeError, "4-d"):
        images2neibs(T.dmatrix(), (2, 2))
    n = T.dmatrix("n")
    g = sc.function([n], neibs2images(n, (2, 2), (1, 1, 4, 4)))
    with raises_naming(ValueError, "neibs2images", "(4, 4)"):
        g(np.ones((3, 4)))
