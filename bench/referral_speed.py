"""How long checking a 481-item referral list takes, end to end.

Builds a fresh database (SQLite in a temporary directory, or ``--database-url``), loads
synthetic platform data (accounts on three platforms with posts), generates a 481-item
government referral in the documented JSON format (sound items, group names in aliases, Urdu
script and acronyms, vague grounds, journalists, unknown accounts, duplicates, profile links as
"evidence", a domestic-only group, the same handle on several platforms), and times
``parse_json`` + ``referrals.import_request`` (checks, evidence against the platform store,
storage, events on the log) in a cold process.

    python bench/referral_speed.py [--items 481] [--database-url URL] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform as pyplatform
import random
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from tarazu.bootstrap import bootstrap
from tarazu.domain.platform import Account, Post
from tarazu.referrals.parse import parse_json
from tarazu.service import referrals
from tarazu.service.clock import FixedClock
from tarazu.settings import Settings

T0 = datetime(2025, 6, 1, tzinfo=UTC)
PLATFORMS = ("x", "telegram", "facebook")
GROUPS = ("Tehreek-e-Taliban Pakistan", "TTP", "تحریک طالبان پاکستان", "Pakistani Taliban",
          "Balochistan Liberation Army", "BLA", "ISKP", "Umar Media", "Tehreek e Taliban Pakistaan")
VAGUE = ("anti-state propaganda", "ملک دشمن سرگرمیاں", "idaron ke khilaf baatein",
         "against national interest")
URL = {"x": "https://x.com/{h}/status/{p}", "telegram": "https://t.me/{h}/{p}",
       "facebook": "https://facebook.com/{h}/posts/{p}"}


def seed(app, n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """n accounts (handle, platform, a post id of theirs); every tenth is a journalist."""
    out = []
    with app.uow() as uow:
        for i in range(n):
            plat = PLATFORMS[i % 3]
            h = f"acct_{i:04d}"
            uow.platform.upsert_account(Account(
                f"{plat}-{i}", h, T0, "active", platform=plat,
                verified_categories=("journalist",) if i % 10 == 7 else ()))
            for j in range(3):
                uow.platform.upsert_post(Post(str(100000 + 10 * i + j), f"{plat}-{i}",
                                              T0 + timedelta(days=j), platform=plat,
                                              text="placeholder text"))
            out.append((h, plat, str(100000 + 10 * i + rng.randrange(3))))
        uow.commit()
    return out


#: Spellings that are neither an alias nor near one in characters: only the name comparator
#: decides them (its first use in a process loads its models).
HARD = ("Tahreek-i-Taliban", "Baloch Liberation Armee")


def make_items(accounts: list[tuple[str, str, str]], n: int, rng: random.Random,
               hard: bool = False) -> list[dict]:
    items = []
    for k in range(n):
        h, plat, post = accounts[k % len(accounts)]
        it = {"account": f"@{h}", "platform": plat, "group": rng.choice(GROUPS),
              "ground": "propaganda of a proscribed organisation",
              "legal_basis": "Anti-Terrorism Act 1997, s. 11W",
              "instrument": f"MoI order {k // 50}/2025",
              "evidence": [URL[plat].format(h=h, p=post)], "note": ""}
        kind = k % 20
        if kind == 1:
            it.update(group="", ground=rng.choice(VAGUE))
        elif kind == 2:
            it["evidence"] = [f"https://{plat}.com/{h}"]
        elif kind == 3:
            it["account"] = f"@unknown_{k}"
        elif kind == 4:
            it["legal_basis"] = ""
        elif kind == 5:
            it["group"] = "Balochistan Liberation Front"
        elif kind == 6 and items:
            it = dict(items[-1])  # the same account again
        elif kind == 9 and hard:
            it["group"] = rng.choice(HARD)
        elif kind == 8:
            it["platform"] = PLATFORMS[(PLATFORMS.index(plat) + 1) % 3]  # same handle elsewhere
        items.append(it)
    return items


def run_once(items: int, database_url: str | None, seed_n: int, hard: bool = False) -> dict:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as home:
        env = {"TARAZU_HOME": home, "TARAZU_COOKIE_SECURE": "0"}
        if database_url:
            env["TARAZU_DATABASE_URL"] = database_url
        app = bootstrap(Settings.from_env(env), clock=FixedClock(datetime(2025, 7, 25, 9,
                                                                           tzinfo=UTC)))
        accounts = seed(app, seed_n, rng)
        doc = json.dumps({"request_id": "MOI-2025-0725", "requester": {
            "type": "government", "country": "PK", "agency": "Ministry of Interior"},
            "received_at": "2025-07-25T09:00:00Z",
            "items": make_items(accounts, items, rng, hard)}, ensure_ascii=False)
        t = time.perf_counter()
        request, errors = parse_json(doc, app.clock.now())
        result = referrals.import_request(app.uow, app.clock, request, errors, doc.encode(),
                                          app.designation_lookup(), submitted_by="bench")
        seconds = time.perf_counter() - t
        app.engine.dispose()
    return {"items": len(result.results), "seconds": round(seconds, 2),
            "outcomes": dict(Counter(r.outcome.value for r in result.results)),
            "reasons": dict(Counter(x.value for r in result.results for x in r.reasons))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=481)
    ap.add_argument("--accounts", type=int, default=600)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs in this process (the first is cold; later ones reuse loaded "
                         "models)")
    ap.add_argument("--hard-spellings", action="store_true",
                    help="let every 20th item name its group in a spelling only the name "
                         "comparator can decide")
    args = ap.parse_args()
    runs = [run_once(args.items, args.database_url, args.accounts, args.hard_spellings)
            for _ in range(args.repeat)]
    print(json.dumps({"machine": f"{pyplatform.machine()} python {pyplatform.python_version()}",
                      "store": "postgresql" if args.database_url else "sqlite",
                      "runs": runs}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
