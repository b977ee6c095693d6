"""Designation registry tables and their repository.

A designation is stored as one row plus its aliases and listings. Importing a list again
replaces each designation's aliases and listings wholesale (same id, same result), so
re-importing is idempotent and a delisting in a newer file takes effect.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)

from tarazu.adapters.db.tables import metadata
from tarazu.designations.model import Alias, AliasKind, Authority, Designation, Listing
from tarazu.designations.registry import DesignationRegistry

__all__ = ["DesignationRepository", "designation_aliases", "designation_listings", "designations"]

designations = Table(
    "designations",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("parent_id", String(200), nullable=True),
    Column("countries", Text, nullable=False),  # space-separated codes or names
    Column("topics", Text, nullable=False),  # space-separated FtM topics
    Column("notes", Text, nullable=False),
)

designation_aliases = Table(
    "designation_aliases",
    metadata,
    Column("designation_id", String(200), ForeignKey("designations.id", ondelete="CASCADE"),
           primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("lang", String(16), nullable=True),
)

designation_listings = Table(
    "designation_listings",
    metadata,
    Column("designation_id", String(200), ForeignKey("designations.id", ondelete="CASCADE"),
           primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("authority", String(64), nullable=False),
    Column("list_name", Text, nullable=False),
    Column("listed_on", String(32), nullable=True),
    Column("reference", String(200), nullable=True),
    Column("source_url", Text, nullable=True),
    Column("ended_on", String(32), nullable=True),
)


class DesignationRepository:
    """Reads and writes designations on one connection (the caller owns the transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def upsert(self, designation: Designation) -> bool:
        """Store a designation, replacing any stored one with the same id. True if new."""
        d = designation
        exists = self.conn.execute(
            select(designations.c.id).where(designations.c.id == d.id)).first() is not None
        for table in (designation_aliases, designation_listings):
            self.conn.execute(delete(table).where(table.c.designation_id == d.id))
        self.conn.execute(delete(designations).where(designations.c.id == d.id))
        self.conn.execute(insert(designations).values(
            id=d.id, name=d.name, kind=d.kind, parent_id=d.parent_id,
            countries=" ".join(d.countries), topics=" ".join(d.topics), notes=d.notes))
        if d.aliases:
            self.conn.execute(insert(designation_aliases), [
                {"designation_id": d.id, "position": i, "name": a.name, "kind": a.kind.value,
                 "lang": a.lang} for i, a in enumerate(d.aliases)])
        if d.listings:
            self.conn.execute(insert(designation_listings), [
                {"designation_id": d.id, "position": i, "authority": x.authority.value,
                 "list_name": x.list_name, "listed_on": x.listed_on, "reference": x.reference,
                 "source_url": x.source_url, "ended_on": x.ended_on}
                for i, x in enumerate(d.listings)])
        return not exists

    def upsert_all(self, items: Iterable[Designation]) -> tuple[int, int]:
        """Store many; returns (added, updated)."""
        added = updated = 0
        for d in items:
            if self.upsert(d):
                added += 1
            else:
                updated += 1
        return added, updated

    def get(self, designation_id: str) -> Designation | None:
        found = self._load([designation_id])
        return found[0] if found else None

    def all(self) -> list[Designation]:
        return self._load(None)

    def registry(self) -> DesignationRegistry:
        return DesignationRegistry(self.all())

    def _load(self, ids: list[str] | None) -> list[Designation]:
        query = select(designations).order_by(designations.c.id)
        if ids is not None:
            query = query.where(designations.c.id.in_(ids))
        rows = self.conn.execute(query).mappings().all()
        if not rows:
            return []
        wanted = [r["id"] for r in rows]
        aliases: dict[str, list[Alias]] = {}
        for r in self.conn.execute(select(designation_aliases).where(
                designation_aliases.c.designation_id.in_(wanted)).order_by(
                designation_aliases.c.designation_id, designation_aliases.c.position)).mappings():
            aliases.setdefault(r["designation_id"], []).append(
                Alias(r["name"], AliasKind(r["kind"]), r["lang"]))
        listings: dict[str, list[Listing]] = {}
        for r in self.conn.execute(select(designation_listings).where(
                designation_listings.c.designation_id.in_(wanted)).order_by(
                designation_listings.c.designation_id,
                designation_listings.c.position)).mappings():
            listings.setdefault(r["designation_id"], []).append(Listing(
                Authority(r["authority"]), r["list_name"], r["listed_on"], r["reference"],
                r["source_url"], r["ended_on"]))
        return [Designation(
            id=r["id"], name=r["name"], aliases=tuple(aliases.get(r["id"], [])),
            listings=tuple(listings.get(r["id"], [])), parent_id=r["parent_id"], kind=r["kind"],
            countries=tuple(r["countries"].split()) if r["countries"] else (),
            topics=tuple(r["topics"].split()), notes=r["notes"]) for r in rows]
