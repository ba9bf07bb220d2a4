"""The notes as web pages: LaTeX to HTML with MathML, interactive figures, offline assets."""
