"""Columnar form of the removed set and comparators vectorised over it: the columns
(:mod:`.store`, built from :mod:`.ragged`), the comparators of timing and style
(:mod:`.vectorised`, which also holds the registry the linker reads), identity
(:mod:`.identity`), content (:mod:`.content`) and network (:mod:`.network`), what they share
(:mod:`.common`) and the loops compiled with numba (:mod:`.kernels`)."""
