"""The menu: every page a user's roles may open, built from the same role lists the routes
check, so a link is shown exactly when following it would be allowed (no dead ends, no links
that answer 403)."""

from __future__ import annotations

from dataclasses import dataclass

from tarazu.domain.roles import CASE_READERS
from tarazu.entrypoints.web.routes import appeals, datarequests, oversight, portal
from tarazu.entrypoints.web.security import Principal
from tarazu.entrypoints.web.templating import templates


@dataclass(frozen=True)
class Link:
    href: str
    label: str
    roles: tuple[object, ...] | None  # None: public


#: In menu order. Each entry names the role list its route requires.
MENU = (
    Link("/", "Dashboard", None),
    Link("/queue", "Review queue", tuple(CASE_READERS)),
    Link("/appeals", "Appeals", appeals.READ),
    Link("/data-requests", "Data requests", datarequests.READ),
    Link("/portal", "Referrals", portal.PORTAL_ROLES),
    Link("/audit", "Audit", oversight.OVERSIGHT),
    Link("/transparency", "Transparency", None),
)


def menu(principal: Principal | None) -> list[Link]:
    """The links ``principal`` may follow; none for someone not logged in."""
    if principal is None:
        return []
    return [m for m in MENU if m.roles is None or principal.has(*m.roles)]


def current(href: str, path: str) -> bool:
    """Whether a menu link is the section of ``path`` (for aria-current)."""
    return path == "/" if href == "/" else path == href or path.startswith(href + "/")


templates.env.globals["nav_menu"] = menu
templates.env.globals["nav_current"] = current
