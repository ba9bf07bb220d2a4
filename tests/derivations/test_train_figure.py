"""``deepderive train``'s figure: the fitted function beside the loss curve.

The figure is caught as the run folder writes it; its lines are compared with what the run
wrote (``params.json``, ``metrics.csv``) and with the data file it was given, through
computations of this test's own (a NumPy forward pass, the csv module)."""

import csv
import json

import numpy as np
import pytest
from matplotlib.text import Text

from derivations.cli import main
from derivations.figures.style import MIN_TEXT_PT
from numeric.run_folder import RunFolder

#: x, y of a small regression data set (the run's data, written to a CSV file).
X = np.linspace(-1.0, 2.0, 12)
Y = np.sin(2.0 * X) + 0.1 * X


@pytest.fixture
def caught(monkeypatch):
    """The line data of every figure the run folder writes: {gid: (x, y)} per axes."""
    figures = []
    original = RunFolder.write_loss_curve

    def write(self, figure):
        result = original(self, figure)  # drawn: its tick labels exist now
        sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_text() and t.get_visible()]
        assert min(sizes) >= MIN_TEXT_PT, sizes  # the print style's type sizes
        figures.append([{line.get_gid(): (np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float))
                         for line in ax.get_lines()} for ax in figure.axes])
        return result

    monkeypatch.setattr(RunFolder, "write_loss_curve", write)
    return figures


def lines(figure):
    """{gid: (x, y)} over all axes of one caught figure."""
    return {gid: xy for ax in figure for gid, xy in ax.items()}


def run_on_csv(tmp_path, *extra):
    data = tmp_path / "data.csv"
    data.write_text("x,y\n" + "".join(f"{float(x)!r},{float(y)!r}\n" for x, y in zip(X, Y)))
    run = tmp_path / "run"
    code = main(["train", "--widths", "1,4,1", "--activation", "relu", "--loss", "least-squares", "--data", str(data),
                 "--optimizer", "gd", "--epochs", "30", "--out", str(run), *extra])
    return code, run


def relu_network(params, x):
    """f[x, phi] of a one-hidden-layer ReLU network from a params.json dict, in NumPy."""
    h = np.maximum(0.0, np.asarray(params["beta_0"])[:, None] + np.asarray(params["omega_0"]) @ x[None, :])
    return (np.asarray(params["beta_1"])[:, None] + np.asarray(params["omega_1"]) @ h)[0]


def check_fitted(drawn, run):
    """The fitted line is the trained network of params.json at the line's x (a NumPy forward pass)."""
    xs, f = drawn["fitted"]
    assert len(xs) == 200 and xs.min() < X.min() and xs.max() > X.max()
    params = json.loads((run / "params.json").read_text())
    np.testing.assert_allclose(f, relu_network(params, xs), rtol=1e-12, atol=1e-12)


def check_loss_panel(drawn, run):
    """The loss panel's line is metrics.csv's epoch rows (read with the csv module)."""
    with open(run / "metrics.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == "epoch"]
    assert len(rows) == 30
    np.testing.assert_array_equal(drawn["epoch loss"][0], [float(r["epoch"]) for r in rows])
    np.testing.assert_array_equal(drawn["epoch loss"][1], [float(r["loss_per_sample"]) for r in rows])


def test_fitted_function_is_the_trained_network_and_the_loss_panel_is_metrics_csv(tmp_path, caught, capsys):
    code, run = run_on_csv(tmp_path)
    assert code == 0 and "no fitted-function panel" not in capsys.readouterr().out
    assert (run / "loss_curve.png").stat().st_size > 0
    (figure,) = caught
    assert len(figure) == 2  # two panels: the fitted function, the loss curve
    drawn = lines(figure)
    check_fitted(drawn, run)
    np.testing.assert_array_equal(drawn["data"][0], X)
    np.testing.assert_array_equal(drawn["data"][1], Y)
    check_loss_panel(drawn, run)


def test_the_checks_fail_on_a_wrong_figure(tmp_path, caught, monkeypatch):
    """A fitted curve shifted by 1e-9 and a loss curve missing its last epoch are caught."""
    import derivations.commands.train as train
    import derivations.figures.training as figures

    fitted = train.fitted_function
    monkeypatch.setattr(train, "fitted_function",
                        lambda trainer, data: (lambda fit, why: (fit._replace(f=fit.f + 1e-9), why))(*fitted(trainer, data)))
    read = figures.read_metrics
    monkeypatch.setattr(figures, "read_metrics", lambda path, kind=None: read(path, kind)[:-1])
    code, run = run_on_csv(tmp_path)
    assert code == 0
    drawn = lines(caught[0])
    with pytest.raises(AssertionError):
        check_fitted(drawn, run)
    with pytest.raises(AssertionError):
        check_loss_panel(drawn, run)


def test_bernoulli_targets_get_their_own_axis(tmp_path, caught, capsys):
    code = main(["train", "--widths", "1,3,1", "--activation", "relu", "--loss", "bernoulli", "--dataset", "binary-1d",
                 "--epochs", "2", "--out", str(tmp_path / "run")])
    assert code == 0 and "no fitted-function panel" not in capsys.readouterr().out
    (figure,) = caught
    assert len(figure) == 3  # f's axes, the targets' twin axes, the loss curve
    assert set(np.unique(lines(figure)["data"][1])) <= {0.0, 1.0}


def test_two_inputs_say_why_there_is_no_fitted_panel(tmp_path, caught, capsys):
    code = main(["train", "--widths", "2,3,1", "--activation", "relu", "--loss", "bernoulli", "--dataset", "binary-2d",
                 "--epochs", "2", "--out", str(tmp_path / "run")])
    out = capsys.readouterr().out
    assert code == 0
    (line,) = [text for text in out.splitlines() if "fitted-function panel" in text]
    assert line == ("loss_curve.png has no fitted-function panel: the network has D_i = 2 input(s) and D_o = 1 "
                    "output(s); the panel is drawn for 1-input 1-output networks")
    (figure,) = caught
    assert len(figure) == 1 and set(lines(figure)) == {"epoch loss"}


def test_no_figure_writes_none_and_says_nothing_of_it(tmp_path, caught, capsys):
    code, run = run_on_csv(tmp_path, "--no-figure")
    assert code == 0 and caught == [] and not (run / "loss_curve.png").exists()
    assert "fitted-function" not in capsys.readouterr().out
