import os

import pytest

from tests.sampled import full_run

os.environ.setdefault("MPLBACKEND", "Agg")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # One thread per test process: the workers already share the cores out, and torch's and the
    # BLAS's thread pools on top of them oversubscribe the machine (small matrices ran 20 times
    # slower on a loaded 2-core machine). Subprocesses the tests start inherit it.
    for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_name, "1")


def pytest_addoption(parser):
    parser.addoption("--full", action="store_true", default=False,
                     help="run the full set of the sampled end-to-end cases (marker `full`: every topic's script, "
                          "every web page of the notes); CI (the CI variable set) always does")


def pytest_collection_modifyitems(config, items):
    if not full_run(config):
        rest = pytest.mark.skip(reason="one of the full set; the default run checks a sample (run with --full; CI does)")
        for item in items:
            if item.get_closest_marker("full"):
                item.add_marker(rest)
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except Exception:  # pragma: no cover
        has_cuda = False
    if has_cuda:
        return
    skip = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _registries_as_they_were():
    """What a test registers (a loss, an activation) is taken out after it, so that no other
    test in the same process sees it (a list of choices in a message, a plugin's name)."""
    from symbolic.spec import ACTIVATIONS, LOSSES

    before = {id(r): set(r.names()) for r in (ACTIVATIONS, LOSSES)}
    yield
    for registry in (ACTIVATIONS, LOSSES):
        for name in set(registry.names()) - before[id(registry)]:
            registry.remove(name)
