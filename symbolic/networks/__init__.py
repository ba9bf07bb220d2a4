"""Shallow and deep networks in the lecture's notation, their identities and parameter counts."""
