"""The web notes in a real browser (headless Chromium driven by selenium).

Each page loads from file:// with no console error and no request outside its folder;
MathML is laid out; the shallow-network figure's sliders move the plotted output to the
value SymPy computes exactly for the slider's parameters, and the joints to
-theta_{d0}/theta_{d1}; gradient descent reaches the minimum one slider step below the
caption's 2/lambda_max and moves away one step above it; moving every slider of every
figure does not grow its plot. Screenshots go to the test's temporary folder.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them); without
them these tests skip, except in CI, where a missing browser fails.
"""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derivations.documents.notes import build_notes
from derivations.documents.web.figures import descent_threshold, rounded
from derivations.lecture import TOPICS
from symbolic.activations.functions import activation
from symbolic.training.gradient_descent import least_squares_loss, lecture_linear_regression, phi_0, phi_1
from symbolic.networks.network import lecture_1_3_1
from symbolic.core.printing import identifier
from tests.sampled import WEB_PAGES, sampled

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
from selenium.webdriver.support.ui import Select  # noqa: E402

#: Topics that carry the four interactive figures (a fast subset of the notes).
FIGURE_TOPICS = ["shallow", "activations", "piecewise_linear", "gradient_descent"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, web_build):
    """The four topics' web notes: the topics load from the run's shared web build
    (tests/derivations/conftest.py); the pages and their checks are made here."""
    out = web_build.seed(tmp_path_factory.mktemp("web"), FIGURE_TOPICS)
    result = build_notes(out, FIGURE_TOPICS, device="cpu", pdf=False, html=True, cache=True)
    assert result.passed
    return out / "html"


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


def load(driver, page: Path) -> dict:
    """Open a page from file://; return its console messages, requests and load time."""
    driver.get_log("browser"), driver.get_log("performance")  # drop what came before
    driver.get(page.as_uri())
    timing = driver.execute_script(
        "const t = performance.getEntriesByType('navigation')[0]; return [t.domContentLoadedEventEnd, t.loadEventEnd];")
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    console = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    return {"console": console, "requests": requests, "dom_ms": timing[0], "load_ms": timing[1]}


def screenshot(driver, path: Path, width: int = 1200) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height, 600), 12000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1200, 900)


def assert_clean(site: Path, report: dict) -> None:
    assert report["console"] == [], report["console"]
    root = site.resolve().as_uri() + "/"
    outside = [u for u in report["requests"] if not (u.startswith(root) or u.startswith("data:"))]
    assert outside == [], outside


def test_every_page_loads_offline_with_math_laid_out(site, browser, tmp_path):
    pages = sorted(site.glob("*.html"))
    assert {p.name for p in pages} >= {"index.html", "verification.html"} | {f"{t}.html" for t in FIGURE_TOPICS}
    for page in pages:
        report = load(browser, page)
        assert_clean(site, report)
        assert any(u.endswith("assets/style.css") for u in report["requests"])  # the log does see requests
        sizes = browser.execute_script(
            "return [...document.querySelectorAll('math')].map(m => { const r = m.getBoundingClientRect();"
            " return [r.width, r.height]; });")
        if page.name != "index.html":
            assert sizes, f"{page.name} has no MathML"
        empty = [i for i, (w, h) in enumerate(sizes) if not (w > 0 and h > 0)]
        assert empty == [], f"{page.name}: {len(empty)} of {len(sizes)} math elements have no size"
        images = browser.execute_script(
            "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);")
        assert images == [], f"{page.name}: images that did not load: {images}"
        screenshot(browser, tmp_path / f"{page.stem}.png")
    print(f"screenshots in {tmp_path}")


def test_equations_link_to_records_on_the_verification_page(site, browser):
    browser.get((site / "verification.html").as_uri())
    ids = set(browser.execute_script("return [...document.querySelectorAll('tr[id], section[id]')].map(e => e.id);"))
    browser.get((site / "shallow.html").as_uri())
    links = browser.execute_script(
        "return [...document.querySelectorAll('.equation')].map(e => [...e.querySelectorAll('.evidence a')]"
        ".map(a => a.getAttribute('href')));")
    assert links and all(block for block in links), "every displayed equation links to its checks"
    for block in links:
        for href in block:
            page, _, anchor = href.partition("#")
            assert page == "verification.html" and anchor in ids, href


def test_align_left_hand_sides_end_at_their_column_edge(site, browser):
    """align*'s first column is right-aligned, as in the PDF: every left-hand side ends at
    the column's right edge, however wide it is (MathML Core ignores columnalign)."""
    load(browser, site / "gradient_descent.html")
    cells = browser.execute_script(
        "return [...document.querySelectorAll('mtd[columnalign=right]')].filter(c => c.textContent.trim())"
        ".map(c => { const cell = c.getBoundingClientRect(), box = c.firstElementChild.getBoundingClientRect();"
        " return [cell.right, box.right, box.width]; });")
    assert len(cells) >= 10
    assert len({round(w) for _, _, w in cells}) > 3  # sides of different widths: left-aligned ones would show
    off = [(cell, right) for cell, right, _ in cells if abs(cell - right) > 1.5]
    assert off == []


def _slider_values(driver) -> dict:
    return driver.execute_script(
        "const o = {}; document.querySelectorAll('#fig-shallow input[type=range]').forEach(i => o[i.dataset.param] ="
        " i.value); return o;")


def _python_output(values: dict, x: str) -> float:
    """The 1-3-1 network's output, exactly in SymPy, for the page's slider values."""
    net, _ = lecture_1_3_1()
    by_name = {identifier(s): s for s in net.parameter_symbols}
    subs = {by_name[name]: sp.Rational(value) for name, value in values.items()}
    return float(net.substituted_outputs()[0].xreplace(subs).xreplace({net.inputs[0]: sp.Rational(x)}))


def test_shallow_sliders_move_output_and_joints(site, browser, tmp_path):
    report = load(browser, site / "shallow.html")
    assert_clean(site, report)
    figure = browser.find_element(By.ID, "fig-shallow")
    sliders = {s.get_attribute("data-param"): s for s in figure.find_elements(By.CSS_SELECTOR, "input[type=range]")}
    assert len(sliders) == 10  # theta_{d0}, theta_{d1} for d = 1..3 and phi_0..phi_3
    probe = figure.find_element(By.CSS_SELECTOR, "input.probe-x")
    probe.clear()
    probe.send_keys("1.3")

    def shown() -> tuple[float, list[float], str]:
        y = float(figure.find_element(By.CSS_SELECTOR, ".probe-y").get_attribute("data-value"))
        joints = [float(j.get_attribute("data-x")) for j in figure.find_elements(By.CSS_SELECTOR, "circle.joint")]
        curve = figure.find_element(By.CSS_SELECTOR, "polyline.output").get_attribute("points")
        return y, joints, curve

    y0, joints0, curve0 = shown()
    values = _slider_values(browser)
    assert y0 == pytest.approx(_python_output(values, "1.3"), rel=1e-12, abs=1e-12)
    assert joints0 == pytest.approx([0.5, 1.0, 1.5], rel=1e-12)  # the lecture's example

    for name, presses in (("theta_1_0", 6), ("theta_2_1", -4), ("phi_2", 9), ("phi_0", -3)):
        key = Keys.ARROW_RIGHT if presses > 0 else Keys.ARROW_LEFT
        for _ in range(abs(presses)):
            sliders[name].send_keys(key)
        values = _slider_values(browser)
        y, joints, curve = shown()
        assert y == pytest.approx(_python_output(values, "1.3"), rel=1e-12, abs=1e-12), name
        expected = [-float(sp.Rational(values[f"theta_{d}_0"]) / sp.Rational(values[f"theta_{d}_1"])) for d in (1, 2, 3)]
        assert joints == pytest.approx(expected, rel=1e-12), name
    assert values["theta_1_0"] == "-0.2" and values["phi_2"] == "-0.25"  # the keys moved the sliders
    assert y != y0 and joints != joints0 and curve != curve0
    browser.execute_script("arguments[0].scrollIntoView()", figure)
    figure.screenshot(str(tmp_path / "shallow_figure_moved.png"))
    browser.set_window_size(390, 844)  # a phone
    browser.execute_script("arguments[0].scrollIntoView()", figure)
    browser.save_screenshot(str(tmp_path / "shallow_phone.png"))
    browser.set_window_size(1200, 900)


def test_activation_figure_shows_the_derived_values(site, browser):
    load(browser, site / "activations.html")
    figure = browser.find_element(By.ID, "fig-activations")
    z = sp.Symbol("z", real=True)
    select = Select(figure.find_element(By.TAG_NAME, "select"))
    names = [o.text for o in select.options]
    assert {"relu", "sigmoid", "tanh", "softplus"} <= set(names)
    z0 = sp.Rational(figure.find_element(By.CSS_SELECTOR, "input[type=range]").get_attribute("value"))
    for name in ("sigmoid", "softplus", "leaky_relu"):
        select.select_by_visible_text(name)
        a = activation(name)(z)
        shown = float(figure.find_element(By.CSS_SELECTOR, ".act-value").text)
        slope = float(figure.find_element(By.CSS_SELECTOR, ".dact-value").text)
        assert shown == pytest.approx(float(a.subs(z, z0).evalf(30)), rel=1e-5)  # shown to 6 digits
        assert slope == pytest.approx(float(sp.diff(a, z).subs(z, z0).evalf(30)), rel=1e-5)


def test_descent_figure_learning_rate(site, browser):
    load(browser, site / "gradient_descent.html")
    figure = browser.find_element(By.ID, "fig-descent")
    alpha = figure.find_element(By.CSS_SELECTOR, "input[data-param=alpha]")
    for _ in range(4):
        alpha.send_keys(Keys.ARROW_LEFT)  # 0.05 -> 0.03
    lr = float(alpha.get_attribute("value"))
    steps = int(figure.find_element(By.CSS_SELECTOR, "input[data-param=steps]").get_attribute("value"))
    ex = lecture_linear_regression()
    L = least_squares_loss(ex.x, ex.y)
    grad = sp.lambdify([phi_0, phi_1], [sp.diff(L, phi_0), sp.diff(L, phi_1)])
    phi = np.array([float(v) for v in ex.start])
    for _ in range(steps):
        phi = phi - lr * np.array(grad(*phi))
    shown = float(figure.find_element(By.CSS_SELECTOR, ".loss-value").text)
    assert lr == pytest.approx(0.03) and shown == pytest.approx(float(sp.lambdify([phi_0, phi_1], L)(*phi)), rel=1e-5)
    for _ in range(20):
        alpha.send_keys(Keys.ARROW_RIGHT)  # 0.13: past the stable step, the iterates diverge
    assert "the iterates diverge" in figure.find_element(By.CSS_SELECTOR, ".readout").text


def test_descent_figure_diverges_where_its_caption_says(site, browser):
    """The caption's 2/lambda_max: at the slider's step below it the 100 iterates reach the
    minimum; at the step above it they move away from it (the loss grows past the start's)."""
    load(browser, site / "gradient_descent.html")
    figure = browser.find_element(By.ID, "fig-descent")
    _, threshold = descent_threshold()
    assert rounded(threshold) in figure.find_element(By.TAG_NAME, "figcaption").text
    figure.find_element(By.CSS_SELECTOR, "input[data-param=steps]").send_keys(Keys.END)  # 100 steps
    alpha = figure.find_element(By.CSS_SELECTOR, "input[data-param=alpha]")
    step = sp.Rational(alpha.get_attribute("step"))
    lo = sp.floor(threshold / step) * step
    ex = lecture_linear_regression()
    L = least_squares_loss(ex.x, ex.y)
    minimum = L.subs(sp.solve([sp.diff(L, phi_0), sp.diff(L, phi_1)], [phi_0, phi_1]))
    shown = {}
    for rate in (lo, lo + step):
        while sp.Rational(alpha.get_attribute("value")) != rate:
            alpha.send_keys(Keys.ARROW_LEFT if sp.Rational(alpha.get_attribute("value")) > rate else Keys.ARROW_RIGHT)
        shown[rate] = float(figure.find_element(By.CSS_SELECTOR, ".loss-value").text)
    assert lo < threshold < lo + step
    assert shown[lo] == pytest.approx(float(minimum), rel=1e-5)
    assert shown[lo + step] > float(L.subs({phi_0: ex.start[0], phi_1: ex.start[1]}))


#: Each interactive figure by the page it is on.
FIGURES = {"shallow.html": "fig-shallow", "activations.html": "fig-activations",
           "piecewise_linear.html": "fig-regions", "gradient_descent.html": "fig-descent"}


def test_moving_every_slider_twice_does_not_grow_the_plot(site, browser):
    """Every slider moved a step and back, twice: the figure holds as many SVG elements
    (paths, points, lines) as before; a layer that is not cleared would keep old paths."""
    for page, figure_id in FIGURES.items():
        load(browser, site / page)
        figure = browser.find_element(By.ID, figure_id)
        def count() -> int:
            return browser.execute_script("return arguments[0].querySelectorAll('svg *').length;", figure)

        before = count()
        sliders = figure.find_elements(By.CSS_SELECTOR, "input[type=range]")
        assert sliders, figure_id
        for slider in sliders:
            value = slider.get_attribute("value")
            at_max = sp.Rational(value) >= sp.Rational(slider.get_attribute("max"))
            there, back = (Keys.ARROW_LEFT, Keys.ARROW_RIGHT) if at_max else (Keys.ARROW_RIGHT, Keys.ARROW_LEFT)
            for _ in range(2):
                slider.send_keys(there)
                assert slider.get_attribute("value") != value, (figure_id, slider.get_attribute("data-param"))
                slider.send_keys(back)
                assert slider.get_attribute("value") == value
                assert count() == before, (figure_id, slider.get_attribute("data-param"))


def test_regions_figure_counts_patterns(site, browser):
    load(browser, site / "piecewise_linear.html")
    figure = browser.find_element(By.ID, "fig-regions")
    count = int(figure.find_element(By.CSS_SELECTOR, ".region-count").text)
    assert 1 <= count <= 7
    first = figure.find_element(By.CSS_SELECTOR, "input[data-param=theta_1_1]")
    for _ in range(30):
        first.send_keys(Keys.ARROW_LEFT)  # theta_11: 1 -> -0.5, the line turns; the map must follow
    assert int(figure.find_element(By.CSS_SELECTOR, ".region-count").text) <= 7


@pytest.fixture(scope="module")
def notes_site(web_build, browser):
    """The run's shared web notes (every topic in a full run, the sample otherwise) and the
    link targets of their verification page, as the browser reads it."""
    site = web_build.path / "html"
    browser.get((site / "verification.html").as_uri())
    ids = browser.execute_script("return [...document.querySelectorAll('tr[id], section[id]')].map(e => e.id);")
    return site, {f"verification.html#{i}" for i in ids}


@pytest.mark.slow
@pytest.mark.parametrize("topic", sampled(TOPICS, WEB_PAGES))  # every page with --full and in CI
def test_every_topic_of_the_notes_as_a_page(topic, notes_site, browser, tmp_path):
    """Each topic of the notes as a page; load time measured (printed, not asserted)."""
    site, targets = notes_site
    assert (site / f"{topic}.html").is_file(), topic
    report = load(browser, site / f"{topic}.html")
    assert_clean(site, report)
    empty = browser.execute_script(
        "return [...document.querySelectorAll('math')].filter(m => { const r = m.getBoundingClientRect();"
        " return !(r.width > 0 && r.height > 0); }).length;")
    assert empty == 0, topic
    links = browser.execute_script(
        "return [...document.querySelectorAll('.equation')].map(e => [...e.querySelectorAll('.evidence a')]"
        ".map(a => a.getAttribute('href')));")
    assert all(links), f"{topic}: a displayed equation without a link to its checks"
    dangling = [h for block in links for h in block if h not in targets]
    assert dangling == [], (topic, dangling[:3])
    screenshot(browser, tmp_path / f"{topic}.png")
    weight = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    print(f"{topic}: loaded in {report['load_ms']} ms; the site {weight} bytes")


def test_dark_mode_and_print_follow_the_reader(site, browser):
    """prefers-color-scheme: dark turns the page dark and keeps the interactive figures on a
    light panel; print media hides the navigation and the figures' controls."""
    load(browser, site / "gradient_descent.html")

    def look() -> dict:
        return browser.execute_script(
            "const s = (q) => getComputedStyle(document.querySelector(q));"
            "return {body: s('body').backgroundColor, ink: s('body').color, panel: s('figure.interactive').backgroundColor,"
            " nav: s('header nav').display, controls: s('figure.interactive .controls').display};")

    light = look()
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    dark = look()
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print", "features": []})
    printed = look()
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})

    def brightness(rgb: str) -> float:
        return sum(float(v) for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]) / 3

    assert brightness(light["body"]) > 200 and brightness(light["ink"]) < 60
    assert brightness(dark["body"]) < 60 and brightness(dark["ink"]) > 200 and brightness(dark["panel"]) > 200
    assert printed["nav"] == "none" and printed["controls"] == "none" and light["nav"] != "none"
