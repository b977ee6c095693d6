"""A use case owns its transaction: it takes the unit-of-work factory, opens the unit of work,
does the work and commits; the entrypoint that calls it never commits. A query (a read for a
page, an API answer or a CLI listing) likewise takes the factory and opens its own unit of
work, so that an entrypoint only parses input, calls a use case or a query, and renders.

Many steps are written against an open unit of work (so that several compose into one
transaction, and tests can drive them on one); :func:`committed` turns such a step into the use
case an entrypoint calls, and :func:`read_only` into the query it calls, so that opening (and
committing) is written once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from tarazu.service.ports import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)
P = ParamSpec("P")
R = TypeVar("R")


def _in_own_unit(step: Callable[Concatenate[U, P], R], commit: bool, what: str
                 ) -> Callable[Concatenate[Callable[[], U], P], R]:
    def use_case(uow_factory: Callable[[], U], /, *args: P.args, **kwargs: P.kwargs) -> R:
        with uow_factory() as uow:
            out = step(uow, *args, **kwargs)
            if commit:
                uow.commit()
        return out

    use_case.__name__ = step.__name__
    use_case.__qualname__ = step.__qualname__
    use_case.__doc__ = ((step.__doc__ or "").rstrip() + "\n\n" if step.__doc__ else "") + (
        f"{step.__name__} in a unit of work of its own, {what} "
        f"(first argument: the unit-of-work factory).")
    return use_case


def committed(step: Callable[Concatenate[U, P], R]) -> Callable[Concatenate[Callable[[], U], P], R]:
    """``step(uow, ...)`` as a use case ``(uow_factory, ...)`` that runs it in a unit of work of
    its own and commits it; if the step raises, nothing it wrote is kept."""
    return _in_own_unit(step, True, "committed")


def read_only(step: Callable[Concatenate[U, P], R]) -> Callable[Concatenate[Callable[[], U], P], R]:
    """``step(uow, ...)`` as a query ``(uow_factory, ...)`` that runs it in a unit of work of
    its own and commits nothing. The step must return what it read in full (a list, not a
    lazy iterator): the unit of work is closed when the query returns."""
    return _in_own_unit(step, False, "read only")
