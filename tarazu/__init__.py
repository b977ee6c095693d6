"""tarazu (ترازو, "balance scales"): trust-and-safety software for accounts of proscribed
organisations, with due process built in."""

__version__ = "0.1.0"
