"""Repositories: the only modules that build or run SQL (style.md, "Repositories own the
SQL"). One module per aggregate; each hands back models or typed values."""
