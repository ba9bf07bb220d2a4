r"""Command lines in the web notes are code: ``\texttt{--optimizer}`` keeps its two hyphens
(it was printed as an en dash, and a copied command failed), and the page's read-back reads
code the same way, so a dash in code is a mismatch it reports."""

from derivations.documents.web.readback import content_of_latex
from derivations.documents.web.tex import inline_html

TEXT = r"run \texttt{deepderive train --optimizer sgd --out run\_1} -- then look"


def test_code_keeps_its_hyphens_and_prose_gets_its_dash():
    html = inline_html(TEXT)
    assert "<code>deepderive train --optimizer sgd --out run_1</code>" in html
    assert "– then" in html  # the prose's -- is still LaTeX's en dash


def test_the_read_back_reads_code_as_typed():
    content = content_of_latex(TEXT, prose=True)
    assert "--optimizer" in content and "–optimizer" not in content
