"""The maximum-likelihood figure of the losses page in a real browser (headless Chromium
driven by selenium).

The page loads from file:// with no console error and no request outside its folder; moving
the prediction f and sigma (each twice, by the arrow keys a reader uses) changes the terms,
the likelihood and the negative log-likelihood shown to the values SymPy computes exactly from
the lecture's normal density at the slider's values; the shown loss is smallest at the
caption's minimiser among its neighbouring slider steps; moving every slider a step and back
twice leaves the plot with as many SVG elements as before. A screenshot goes to the test's
temporary folder.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them); without
them these tests skip, except in CI, where a missing browser fails.
"""

import json
import os
import shutil

import pytest
import sympy as sp

from derivations.documents.notes import build_notes
from derivations.documents.web.figures import LIKELIHOOD_TARGETS
from symbolic.losses.lecture import normal_pdf

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI"):
        pytest.fail("chromium/chromedriver missing in CI; .ci/run should install them", pytrace=False)
    pytest.skip("no headless Chromium (apt-get install chromium chromium-driver)", allow_module_level=True)
if os.environ.get("CI"):
    from selenium import webdriver  # a test dependency: missing in CI is an error, not a skip
else:
    webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("web")
    result = build_notes(out, ["losses"], device="cpu", pdf=False, html=True)
    assert result.passed
    return out / "html" / "losses.html"


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("SE_OFFLINE", "true")  # never let selenium fetch a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1200,900", "--hide-scrollbars", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


def _open(driver, page):
    """Open the page; fail on a console error or warning, or a request outside its folder."""
    driver.get_log("browser"), driver.get_log("performance")
    driver.get(page.as_uri())
    requests = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
    urls = [m["params"]["request"]["url"] for m in requests if m["method"] == "Network.requestWillBeSent"]
    root = page.parent.resolve().as_uri() + "/"
    assert [u for u in urls if not (u.startswith(root) or u.startswith("data:"))] == []
    assert [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")] == []
    return driver.find_element(By.ID, "fig-likelihood")


def _expected(f: str, sigma: str) -> dict:
    """The terms, their product and -log of it for the slider's values, exactly in SymPy."""
    terms = [normal_pdf(sp.Integer(t), sp.Rational(f), sp.Rational(sigma) ** 2) for t in LIKELIHOOD_TARGETS]
    P = sp.Mul(*terms)
    return {"terms": [float(sp.N(t, 30)) for t in terms], "P": float(sp.N(P, 30)),
            "L": float(sp.N(sp.expand_log(-sp.log(P), force=True), 30))}


def _shown(figure) -> dict:
    values = lambda cls: [float(e.text) for e in figure.find_elements(By.CSS_SELECTOR, f".readout .{cls}")]  # noqa: E731
    (P,), (L,) = values("likelihood-value"), values("nll-value")
    return {"terms": values("term-value"), "P": P, "L": L}


def _press(slider, presses: int) -> None:
    key = Keys.ARROW_RIGHT if presses > 0 else Keys.ARROW_LEFT
    for _ in range(abs(presses)):
        slider.send_keys(key)


def test_moving_the_prediction_and_sigma_shows_sympys_likelihood(page, browser, tmp_path):
    figure = _open(browser, page)
    sliders = {s.get_attribute("data-param"): s for s in figure.find_elements(By.CSS_SELECTOR, "input[type=range]")}
    assert sorted(sliders) == ["f", "sigma"]
    seen = []
    for name, presses in (("f", 30), ("sigma", -10), ("f", 24), ("sigma", 16)):  # each slider moved twice
        _press(sliders[name], presses)
        f, sigma = sliders["f"].get_attribute("value"), sliders["sigma"].get_attribute("value")
        shown, expected = _shown(figure), _expected(f, sigma)
        assert shown["terms"] == pytest.approx(expected["terms"], rel=5e-4), (f, sigma)  # 4 digits shown
        assert shown["P"] == pytest.approx(expected["P"], rel=5e-4), (f, sigma)
        assert shown["L"] == pytest.approx(expected["L"], rel=5e-6), (f, sigma)  # 6 digits shown
        seen.append((f, sigma, shown["L"]))
    assert [(f, s) for f, s, _ in seen] == [("3", "1.5"), ("3", "1"), ("4.2", "1"), ("4.2", "1.8")]
    assert len({L for _, _, L in seen}) == 4
    browser.execute_script("arguments[0].scrollIntoView()", figure)
    figure.screenshot(str(tmp_path / "likelihood_figure_moved.png"))


def test_the_shown_loss_is_smallest_at_the_captions_minimiser(page, browser):
    figure = _open(browser, page)
    f = figure.find_element(By.CSS_SELECTOR, "input[data-param=f]")
    assert "for every" in figure.find_element(By.TAG_NAME, "figcaption").text
    mean = sp.Rational(sum(LIKELIHOOD_TARGETS), len(LIKELIHOOD_TARGETS))
    step = sp.Rational(f.get_attribute("step"))
    _press(f, int((mean - sp.Rational(f.get_attribute("value"))) / step) - 1)  # one step below the mean
    losses = {}
    for _ in range(3):
        losses[sp.Rational(f.get_attribute("value"))] = _shown(figure)["L"]
        f.send_keys(Keys.ARROW_RIGHT)
    assert sorted(losses) == [mean - step, mean, mean + step]
    assert losses[mean] < losses[mean - step] and losses[mean] < losses[mean + step]


def test_moving_every_slider_twice_does_not_grow_the_plot(page, browser):
    figure = _open(browser, page)

    def count() -> int:
        return browser.execute_script("return arguments[0].querySelectorAll('svg *').length;", figure)

    before = count()
    for slider in figure.find_elements(By.CSS_SELECTOR, "input[type=range]"):
        value = slider.get_attribute("value")
        for _ in range(2):
            slider.send_keys(Keys.ARROW_RIGHT)
            assert slider.get_attribute("value") != value
            slider.send_keys(Keys.ARROW_LEFT)
            assert slider.get_attribute("value") == value
            assert count() == before, slider.get_attribute("data-param")
