#!/usr/bin/env python3
"""Helpers of the dashboard's load benchmark (Benchmarks/Serve/run.sh), on an SQLite store.

  prepare.py fill STORE        adds a million ledger events of history: a resolved alert per key
                               result, five events each (the open alerts are untouched)
  prepare.py pick STORE        prints the largest division (a child of the root) and the owner
                               with the most key results, tab-separated
  prepare.py requests STORE DIVISION OWNER HR_COOKIE LEAD_COOKIE MEMBER_COOKIE MIXED INBOX
                               writes wrk's request lists: MIXED (inbox and key-result pages of
                               the three accounts) and INBOX (inbox pages only), "PATH<TAB>COOKIE"
"""
import random
import sqlite3
import sys
from urllib.parse import quote


def fill(path):
    db = sqlite3.connect(path)
    org = db.execute("SELECT org FROM unit LIMIT 1").fetchone()[0]
    db.execute("""
        INSERT INTO alert (org, kr_id, unit_id, owner, title, severity, status, rules, reasons, p_success, opened_day, updated_day, resolved_day)
        SELECT org, id, unit_id, owner, title, CASE (ordinal * 7) % 3 WHEN 0 THEN 'critical' WHEN 1 THEN 'warning' ELSE 'info' END,
          'resolved', 'behind', 'P(success) low', ((ordinal * 7919) % 1000) / 1000.0, cycle_start - 400, cycle_start - 372, cycle_start - 372
        FROM key_result WHERE org = ?""", (org,))
    db.execute("""
        INSERT INTO alert_event (org, alert_id, day, kind, severity, reasons)
        SELECT a.org, a.id, a.opened_day + 7 * g.n, CASE g.n WHEN 0 THEN 'opened' WHEN 4 THEN 'resolved' ELSE 'updated' END, a.severity, 'P(success) low'
        FROM alert a CROSS JOIN (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) g
        WHERE a.org = ? AND a.status = 'resolved' AND a.rules = 'behind'""", (org,))
    db.execute("ANALYZE")
    db.commit()
    print(db.execute("SELECT COUNT(*) FROM alert_event").fetchone()[0], "ledger events")


def tree(db):
    units = db.execute("SELECT id, parent_id FROM unit").fetchall()
    children = {}
    for u, p in units:
        children.setdefault(p, []).append(u)
    root = children[None][0]

    def below(u):
        out, stack = [], [u]
        while stack:
            x = stack.pop()
            out.append(x)
            stack.extend(children.get(x, []))
        return out
    return root, children, below


def pick(path):
    db = sqlite3.connect(path)
    root, children, below = tree(db)
    division = max(children.get(root, []), key=lambda u: len(below(u)))
    owner = db.execute("SELECT owner, COUNT(*) n FROM key_result WHERE owner IS NOT NULL GROUP BY owner ORDER BY n DESC LIMIT 1").fetchone()[0]
    print(f"{division}\t{owner}")


def requests(path, division, owner, hr, lead, member, mixed_path, inbox_path):
    db = sqlite3.connect(path)
    random.seed(2026)
    _, _, below = tree(db)
    led = set(below(division))
    day = db.execute("SELECT MAX(day) FROM run").fetchone()[0]
    modes = dict(db.execute("SELECT unit_id, mode FROM decision WHERE day = ?", (day,)).fetchall()) if day else {}
    krs = db.execute("SELECT id, unit_id, kind, owner FROM key_result").fetchall()

    def public(k):
        return k[2] == "aspirational" or (k[2] == "committed" and modes.get(k[1]) != "kpi")
    # Key results each account may open (a 404 would count as an error).
    seen = {
        hr: [k[0] for k in krs],
        lead: [k[0] for k in krs if public(k) or k[1] in led],
        member: [k[0] for k in krs if public(k) or k[3] == owner],
    }
    inbox = ["/inbox", "/inbox?unit=" + quote(division), "/inbox?sort=p", "/inbox?status=live", "/inbox?severity=critical",
             "/inbox?owner=" + quote(owner)]
    with open(mixed_path, "w") as mixed, open(inbox_path, "w") as only:
        for _ in range(200):
            for cookie in (hr, lead, member):
                path = random.choice(inbox)
                mixed.write(f"{path}\t{cookie}\n")
                only.write(f"{path}\t{cookie}\n")
                mixed.write(f"/kr/{quote(random.choice(seen[cookie]), safe='')}\t{cookie}\n")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "fill":
        fill(sys.argv[2])
    elif command == "pick":
        pick(sys.argv[2])
    elif command == "requests":
        requests(*sys.argv[2:10])
    else:
        sys.exit(__doc__)
