"""The Theano route itself: ``python -m symconv.theano SCRIPT`` runs a Theano script
unchanged, the module layout, THEANO_FLAGS, printing and the errors for what is missing."""
import os
import subprocess
import sys

import numpy as np
import pytest

import symconv.theano as theano
import symconv.theano.tensor as T
from symconv.theano import NotImplementedInSymconv

SCRIPT = os.path.join(os.path.dirname(__file__), "scripts", "theano_convnet.py")


def run_route(*args, flags=None, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "THEANO_FLAGS"}
    if flags is not None:
        env["THEANO_FLAGS"] = flags
    return subprocess.run([sys.executable, "-m", "symconv.theano", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


def test_theano_training_script_runs_unchanged(tmp_path):
    # conv.conv2d, downsample.max_pool_2d, T.nnet.softmax, RandomStreams, givens, .eval(),
    # T.concatenate and printing.debugprint, from a script that imports theano
    result = run_route(SCRIPT, "4", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Epoch 3: mean cost" in out
    accuracy = float(out.split("Test accuracy: ")[1].split("%")[0])
    assert accuracy >= 90.0
    assert "conv2d{valid}" in out and "pool{max,ws=(2,2)}" in out and "join{1}" in out
    assert "x:f64[?,?]" in out  # Theano's default floatX


def test_theano_flags_set_floatX(tmp_path):
    result = run_route(SCRIPT, "1", flags="floatX=float32,device=cpu", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "x:f32[?,?]" in result.stdout


def test_missing_module_and_usage(tmp_path):
    script = tmp_path / "uses_missing.py"
    script.write_text("import theano.sandbox.cuda\n")
    result = run_route(str(script))
    assert result.returncode != 0
    assert "symconv does not implement theano.sandbox.cuda" in result.stderr
    script.write_text("import theano\ntheano.sparse\n")
    result = run_route(str(script))
    assert "NotImplementedInSymconv: symconv does not implement theano.sparse" in result.stderr
    assert run_route().returncode == 2
    assert "usage: python -m symconv.theano" in run_route("--help").stdout


def test_the_route_shadows_nothing_outside_its_process():
    # importing symconv.theano puts no "theano" module anywhere, and no finder on the path
    assert "theano" not in sys.modules
    assert not any(type(f).__name__ == "TheanoAliases" for f in sys.meta_path)


def test_module_layout():
    from symconv.theano.tensor.nnet import conv
    from symconv.theano.tensor.signal import downsample, pool
    assert theano.tensor is T and T.grad is theano.grad
    assert callable(conv.conv2d) and callable(pool.pool_2d) and callable(downsample.max_pool_2d)
    assert callable(T.shared_randomstreams.RandomStreams)
    assert theano.config.device == "cpu" and theano.config.floatX == "float64"


@pytest.mark.parametrize("owner,name,text", [
    (theano, "sparse", "theano.sparse"),
    (theano.scan_module, "scan_utils", "theano.scan_module.scan_utils"),
    (T, "cumprod", "theano.tensor.cumprod"),
    (T.nnet, "h_softmax", "theano.tensor.nnet.h_softmax"),
    (theano.config, "cxx", "theano.config.cxx"),
])
def test_missing_names_say_so(owner, name, text):
    with pytest.raises(NotImplementedInSymconv, match=f"symconv does not implement {text}"):
        getattr(owner, name)
    assert not hasattr(owner, name)  # still an AttributeError for hasattr


def test_setting_another_device_warns_and_keeps_the_cpu():
    with pytest.warns(UserWarning, match="CPU"):
        theano.config.device = "gpu"
    assert theano.config.device == "cpu"


def test_pydotprint_writes_a_dot_file(tmp_path, capsys):
    x = T.dvector("x")
    f = theano.function([x], T.exp(x))
    with pytest.warns(UserWarning, match="DOT"):
        path = theano.printing.pydotprint(f, outfile=str(tmp_path / "graph.png"))
    assert path.endswith("graph.dot")
    text = open(path).read()
    assert text.startswith("digraph") and "exp" in text
    assert "The output file is available at" in capsys.readouterr().out


def test_eval_and_tensor_shortcuts():
    x = T.dvector("x")
    np.testing.assert_allclose(T.abs_(x).eval({x: [-1.0, 2.0]}), [1.0, 2.0])
    np.testing.assert_allclose(T.sgn(x).eval({x: [-3.0, 2.0]}), [-1.0, 1.0])
    assert T.as_tensor(1.5).eval() == 1.5


def test_a_script_using_mrg_random_streams_runs_unchanged(tmp_path):
    # the deeplearning.net tutorials' denoising autoencoder corrupts its input this way
    script = tmp_path / "corrupt.py"
    script.write_text(
        "import numpy\n"
        "import theano\n"
        "import theano.tensor as T\n"
        "from theano.sandbox.rng_mrg import MRG_RandomStreams as RandomStreams\n"
        "rng = RandomStreams(numpy.random.RandomState(123).randint(2 ** 30))\n"
        "x = T.matrix('x')\n"
        "kept = rng.binomial(size=x.shape, n=1, p=0.75, dtype=theano.config.floatX)\n"
        "f = theano.function([x], kept * x)\n"
        "a, b = f(numpy.ones((50, 40))), f(numpy.ones((50, 40)))\n"
        "print(a.dtype, set(numpy.unique(a)) <= {0.0, 1.0}, 0.65 < a.mean() < 0.85,"
        " (a != b).any())\n")
    result = run_route(str(script), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["float64", "True", "True", "True"]
