"""Contributions: "paroles de citoyen" and proposals, moderated and searchable."""
