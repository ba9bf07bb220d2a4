"""The documents built from the topics: LaTeX notes, Beamer slides, Jupyter notebooks, web pages."""
