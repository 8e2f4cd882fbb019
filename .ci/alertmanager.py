"""Checks for the example Alertmanager configuration, run by .ci/alertmanager.sh (stdlib only).

  coverage               every alert of the rules file and every company of the example zone has
                         a routing case in deploy/alertmanager/routes.test
  inhibit URL            waits for the Alertmanager at URL, posts the alerts of
                         deploy/alertmanager/inhibit.test to it and checks which ones it reports
                         inhibited

Exits 1 with one line per problem.
"""

import datetime
import json
import re
import sys
import time
import tomllib
import urllib.request

RULES = "deploy/prometheus/wasteflow-rules.yml"
ZONE = "config/zone.toml"
ROUTES = "deploy/alertmanager/routes.test"
INHIBIT = "deploy/alertmanager/inhibit.test"


def cases(path):
    """(first word, {label: value}) for each line of a test file, without comments or blanks."""
    out = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        labels = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        if len(labels) != len(words) - 1 or "alertname" not in labels:
            sys.exit(f"{path}:{n}: expected `WORD label=value ...` with an alertname")
        out.append((words[0], labels))
    return out


def alert_names():
    """Alert names of the rules file: `- alert: Name` lines (the file's only form for them)."""
    text = open(RULES, encoding="utf-8").read()
    names = re.findall(r"^\s*-?\s*alert:\s*['\"]?([A-Za-z_:][\w:]*)", text, re.M)
    if not names:
        sys.exit(f"{RULES}: no alert found")
    return names


def coverage():
    routed = cases(ROUTES)
    problems = []
    tested = {labels["alertname"] for _, labels in routed}
    for name in alert_names():
        if name not in tested:
            problems.append(f"{ROUTES}: no routing case for {name} ({RULES})")
    with open(ZONE, "rb") as f:
        companies = [c["id"] for c in tomllib.load(f).get("companies", [])]
    for company in companies:
        if not any(labels.get("company") == company and company in receivers.split(",")
                   for receivers, labels in routed):
            problems.append(f"{ROUTES}: no case routing company {company} ({ZONE}) to its receiver")
    return problems


def call(url, data=None):
    body = None if data is None else json.dumps(data).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read() or b"null")


def ready(base):
    """Waits up to 10 s for the Alertmanager to answer /-/ready."""
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(f"{base}/-/ready", timeout=1):
                return True
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)


def inhibit(base):
    expected = cases(INHIBIT)
    for state, _ in expected:
        if state not in ("active", "inhibited"):
            sys.exit(f"{INHIBIT}: state must be active or inhibited, not {state}")
    if not ready(base):
        return [f"the Alertmanager did not come up on {base}"]
    now = datetime.datetime.now(datetime.timezone.utc)
    alerts = [{"labels": labels, "startsAt": now.isoformat(),
               "endsAt": (now + datetime.timedelta(hours=1)).isoformat()}
              for _, labels in expected]
    call(f"{base}/api/v2/alerts", alerts)
    # The inhibitor learns of source alerts asynchronously: ask until every state is the
    # expected one twice in a row, half a second apart (a source it has not seen yet could
    # leave a wrongly muted alert active on the first pass), or 10 s have passed.
    deadline = time.monotonic() + 10
    passes = 0
    while True:
        got = {}
        for a in call(f"{base}/api/v2/alerts"):
            got[tuple(sorted(a["labels"].items()))] = bool(a["status"]["inhibitedBy"])
        problems = []
        for state, labels in expected:
            key = tuple(sorted(labels.items()))
            if key not in got:
                problems.append(f"not received by Alertmanager: {labels}")
            elif got[key] != (state == "inhibited"):
                was = "inhibited" if got[key] else "active"
                problems.append(f"expected {state}, was {was}: {' '.join(f'{k}={v}' for k, v in labels.items())}")
        passes = 0 if problems else passes + 1
        if passes == 2 or time.monotonic() > deadline:
            return problems
        time.sleep(0.5 if passes else 0.2)


def main():
    if sys.argv[1:2] == ["coverage"]:
        problems = coverage()
    elif sys.argv[1:2] == ["inhibit"] and len(sys.argv) == 3:
        problems = inhibit(sys.argv[2].rstrip("/"))
    else:
        sys.exit(__doc__)
    for p in problems:
        print(p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
