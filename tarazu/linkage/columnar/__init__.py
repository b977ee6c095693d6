"""Columnar form of the removed set and comparators vectorised over it (see
:mod:`.store` and :mod:`.vectorised`)."""
