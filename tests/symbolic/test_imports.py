"""The package boundaries of DESIGN.md: symbolic never imports torch at module level, numeric
never imports SymPy (it uses the plain-Python spec only)."""

import subprocess
import sys

SYMBOLIC = ["symbolic", "symbolic.networks.network", "symbolic.backprop.backprop", "symbolic.backprop.compile", "symbolic.core.compile",
            "symbolic.core.derivation", "symbolic.losses.recipes", "symbolic.regions.counts", "symbolic.regions.piecewise",
            "symbolic.regions.constructions", "symbolic.training.gradient_descent", "symbolic.networks.identities", "symbolic.networks.counts",
            "symbolic.core.step_check", "symbolic.spec.tolerances", "symbolic.core.autodiff"]
NUMERIC = ["numeric", "numeric.model", "numeric.losses", "numeric.training", "numeric.checkpoint", "numeric.datasets",
           "numeric.params", "numeric.data", "numeric.optimizers", "numeric.monitoring"]


def _loaded_after_import(modules: list[str]) -> set[str]:
    code = f"import sys, {', '.join(modules)}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_symbolic_does_not_import_torch():
    assert "torch" not in _loaded_after_import(SYMBOLIC)


def test_numeric_does_not_import_sympy():
    loaded = _loaded_after_import(NUMERIC)
    assert "sympy" not in loaded and "torch" in loaded  # the check would see an import


def test_tolerance_table_is_plain_python():
    """Every side reads the one tolerance table, so importing it loads neither SymPy nor torch."""
    loaded = _loaded_after_import(["symbolic.spec.tolerances"])
    assert "sympy" not in loaded and "torch" not in loaded and "symbolic.spec.tolerances" in loaded
