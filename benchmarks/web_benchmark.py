"""Page weight and load time of the web notes (``deepderive notes --html``) in headless Chromium.

    python benchmarks/web_benchmark.py [--repeats 5] [--out benchmarks/results]

Builds the whole notes with ``--html --no-pdf`` once (timed, as a whole process, beside a
build without ``--html``), then loads every page from ``file://`` ``--repeats`` times and
records the navigation timing's ``loadEventEnd`` (parsing, MathML layout, the figures'
scripts, images). Page weight: the page's HTML plus every file it references (stylesheet,
script, SVG figures). Targets: every page under 1 s to load and under 1.5 MB.
Results: ``web_cpu.json`` and ``web_cpu.md``. Needs ``chromium`` and ``chromedriver``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOAD_TARGET_MS = 1000.0
WEIGHT_TARGET = 1_500_000


def _build(out: str, html: bool) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "derivations", "notes", "--out", out, "--device", "cpu", "--no-pdf",
                    *(["--html"] if html else [])], check=True, capture_output=True)
    return time.perf_counter() - start


def _weight(page: Path) -> int:
    refs = {r.split("#")[0] for r in re.findall(r'(?:href|src)="([^"#][^"]*)"', page.read_text())}
    files = {page} | {(page.parent / r) for r in refs if not r.startswith("data:") and not r.endswith(".html")}
    return sum(f.stat().st_size for f in files if f.is_file())


def _browser():
    from selenium import webdriver

    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=shutil.which("chromedriver")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as plain:
        build_html = _build(tmp, html=True)
        build_plain = _build(plain, html=False)
        site = Path(tmp) / "html"
        driver = _browser()
        rows = []
        try:
            for page in sorted(site.glob("*.html")):
                times = []
                for _ in range(args.repeats):
                    driver.get(page.as_uri())
                    times.append(driver.execute_script(
                        "return performance.getEntriesByType('navigation')[0].loadEventEnd;"))
                math = driver.execute_script("return document.querySelectorAll('math').length;")
                rows.append({"page": page.name, "bytes": _weight(page), "html_bytes": page.stat().st_size,
                             "math": math, "load_ms": times, "median_ms": statistics.median(times),
                             "max_ms": max(times)})
                print(f"{page.name}: {rows[-1]['bytes']} bytes, median load {rows[-1]['median_ms']:.0f} ms")
        finally:
            driver.quit()
        total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    meta = {"python": platform.python_version(), "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d %H:%M"),
            "load_average": os.getloadavg()[0], "repeats": args.repeats, "site_bytes": total,
            "build_html_s": build_html, "build_plain_s": build_plain}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "web_cpu.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    worst_load = max(r["median_ms"] for r in rows)
    heaviest = max(rows, key=lambda r: r["bytes"])
    lines = [f"# Web notes: page weight and load time (headless Chromium, CPU, {meta['cpus']} cores, "
             f"{meta['date']}, load average {meta['load_average']:.1f})", "",
             f"Whole site `html/`: {total} bytes. `deepderive notes --no-pdf --html`: {build_html:.1f} s, "
             f"without `--html`: {build_plain:.1f} s (one run each, whole process).", "",
             f"Load time: navigation `loadEventEnd` from `file://`, median of {args.repeats} loads (MathML layout, "
             "the interactive figures' first drawing and the SVG images included). Page weight: the HTML and "
             "every file it references.", "",
             f"Targets: load under {LOAD_TARGET_MS:.0f} ms (worst median {worst_load:.0f} ms: "
             f"{'met' if worst_load < LOAD_TARGET_MS else 'MISSED'}); weight under {WEIGHT_TARGET} bytes "
             f"(heaviest {heaviest['page']}, {heaviest['bytes']} bytes: "
             f"{'met' if heaviest['bytes'] < WEIGHT_TARGET else 'MISSED'}).", "",
             "| page | bytes (with assets) | HTML bytes | math elements | median load (ms) | max load (ms) |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['page']} | {r['bytes']} | {r['html_bytes']} | {r['math']} | {r['median_ms']:.0f} | "
              f"{r['max_ms']:.0f} |" for r in rows]
    (out / "web_cpu.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
