"""The in-memory unit of work has every repository of :class:`StoreUnitOfWork`, each with
every method of its port under the same parameters: checked here at run time, and statically
by mypy (``UOW`` below is typed as the port; run
``MYPYPATH=. mypy --follow-imports=silent tests/unit/service/test_memory_uow_shape.py``). What
the methods do is the contract suite's business (tests/integration/storage/test_uow_contract.py)."""

from __future__ import annotations

import inspect
import typing

import pytest

from tarazu.adapters.memory_uow import MemoryDatabase
from tarazu.service import ports
from tarazu.service.ports import StoreUnitOfWork, UowFactory

#: mypy checks this assignment against the protocol (a missing method or a different
#: signature is a type error).
UOW: UowFactory = MemoryDatabase()

_REPOSITORIES = sorted(
    (name, typing.get_type_hints(prop.fget, vars(ports))["return"])
    for name, prop in vars(StoreUnitOfWork).items() if isinstance(prop, property))
_REPOSITORIES += [(name, typing.get_type_hints(prop.fget, vars(ports))["return"])
                  for name, prop in vars(ports.UnitOfWork).items()
                  if isinstance(prop, property) and name not in dict(_REPOSITORIES)]


def _methods(port: type) -> dict[str, inspect.Signature]:
    found: dict[str, inspect.Signature] = {}
    for klass in port.__mro__:
        if klass in (object, typing.Protocol, typing.Generic):
            continue
        for name, value in vars(klass).items():
            if callable(value) and not name.startswith("_") and name not in found:
                found[name] = inspect.signature(value)
    return found


def test_every_repository_of_the_port_is_there():
    assert {n for n, _ in _REPOSITORIES} == {
        "events", "status", "outbox", "platform", "due_process", "users", "referrals",
        "reports", "datarequests", "hashbanks", "cipher"}


@pytest.mark.parametrize(("name", "port"), _REPOSITORIES, ids=[n for n, _ in _REPOSITORIES])
def test_each_repository_has_every_method_of_its_port_with_the_same_parameters(name, port):
    with UOW() as uow:
        repo = getattr(uow, name)
        for method, signature in _methods(port).items():
            assert hasattr(repo, method), f"uow.{name} lacks {method}"
            ours = inspect.signature(getattr(type(repo), method))
            assert [(p.name, p.kind) for p in ours.parameters.values()] == [
                (p.name, p.kind) for p in signature.parameters.values()], f"uow.{name}.{method}"
