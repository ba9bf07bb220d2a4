"""pdflatex runs hardened: a hostile ``.tex`` fragment (a plugin's LaTeX, anything a user
supplies) cannot read files outside the document's folder into the PDF or the log, cannot
write outside, cannot run commands, and cannot run forever."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from derivations.documents.notes import compile_pdf

HAVE_PDFLATEX = shutil.which("pdflatex") is not None
if os.environ.get("CI") and not HAVE_PDFLATEX:  # CI installs it: never skip there
    pytest.fail("pdflatex is missing in CI; .ci/run should install texlive", pytrace=False)
pytestmark = pytest.mark.skipif(not HAVE_PDFLATEX, reason="pdflatex not installed")

SECRET_FILE = Path("/etc/passwd")


def secret() -> str:
    try:
        line = SECRET_FILE.read_text().splitlines()[0]
    except (OSError, IndexError):
        pytest.skip("no readable /etc/passwd to guard")
    return line.split(":")[0] + ":"  # e.g. "root:", as TeX would show the first line


def document(body: str) -> str:
    return "\\documentclass{article}\n\\begin{document}\n" + body + "\n\\end{document}\n"


def everything_written(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_a_fragment_cannot_read_etc_passwd_into_the_output(tmp_path):
    needle = secret()
    out = tmp_path / "out"
    out.mkdir()
    tex = out / "doc.tex"
    tex.write_text(document("\\newread\\f\\openin\\f=/etc/passwd\n"
                            "\\ifeof\\f NOTREAD\\else\\read\\f to\\line \\typeout{LEAK:\\line}READ:\\line\\fi"))
    compile_pdf(tex, runs=1)
    assert needle.encode() not in everything_written(out)
    assert b"LEAK:" not in (out / "build" / "doc.log").read_bytes()


def test_an_input_of_etc_passwd_fails_without_its_content(tmp_path):
    needle = secret()
    out = tmp_path / "out"
    out.mkdir()
    tex = out / "doc.tex"
    tex.write_text(document("\\input{/etc/passwd}"))
    with pytest.raises(ValueError, match="pdflatex failed on doc.tex") as caught:
        compile_pdf(tex, runs=1)
    assert needle not in str(caught.value)
    assert needle.encode() not in everything_written(out)


def test_no_shell_escape_and_no_writes_outside(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    ran, escaped = tmp_path / "ran", tmp_path / "escaped.txt"
    tex = out / "doc.tex"
    tex.write_text(document(f"\\immediate\\write18{{touch {ran}}}\\newwrite\\w\n"
                            f"\\immediate\\openout\\w={escaped}\\immediate\\write\\w{{x}}\\immediate\\closeout\\w ok"))
    with pytest.raises(ValueError, match="pdflatex failed on doc.tex"):  # the write outside is refused
        compile_pdf(tex, runs=1)
    assert not ran.exists() and not escaped.exists()


def test_a_loop_is_stopped_by_the_time_limit(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    tex = out / "loop.tex"
    tex.write_text(document("\\def\\loop{\\loop}\\loop"))
    with pytest.raises(ValueError, match="did not finish loop.tex within 2 s"):
        compile_pdf(tex, runs=1, timeout=2)


def test_a_package_planted_in_the_output_folder_is_never_loaded(tmp_path):
    """Found by a review: pdflatex ran in the output folder, so a planted bm.sty beside the
    document was loaded. It runs in its private build folder now; figures still resolve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from derivations.tex import OutputFolder

    (tmp_path / "figures").mkdir()
    fig = plt.figure()
    plt.plot([0, 1])
    fig.savefig(tmp_path / "figures" / "f.pdf")
    plt.close(fig)
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n\\usepackage{bm}\n\\usepackage{graphicx}\n"
                                      "\\begin{document}\nHello $\\bm{x}$.\n"
                                      "\\includegraphics[width=3cm]{figures/f.pdf}\n\\end{document}\n")
    (tmp_path / "bm.sty").write_text("\\typeout{PLANTED-BM-STY-LOADED}\\def\\bm#1{PLANTED-BM-STY-LOADED}\n")
    pdf = compile_pdf(tmp_path / "doc.tex", OutputFolder(tmp_path))
    assert pdf.exists()
    assert b"PLANTED" not in everything_written(tmp_path).replace((tmp_path / "bm.sty").read_bytes(), b"")
    assert "PLANTED" not in (tmp_path / "build" / "doc.log").read_text(errors="replace")
    assert "f.pdf" in (tmp_path / "build" / "doc.log").read_text(errors="replace")  # the figure was included
