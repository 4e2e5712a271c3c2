"""The OpenAPI description against a live server, property-based.

Run by ctest (`openapi_schemathesis`) with the python of scripts/api-venv.sh:
    python schemathesis_test.py KETENFLOW_BIN CHAINS_DIR OPENAPI_FILE

1. openapi-spec-validator: api/openapi.json is a valid OpenAPI 3.1 document.
2. A simulated store of one chain is served by `ketenflow serve` on loopback;
   what it serves at /v1/openapi.json is the file.
3. schemathesis runs every operation of the description (phases
   examples, coverage and fuzzing; positive and negative data; at most
   KETENFLOW_OPENAPI_EXAMPLES test cases per operation, default 50) with an
   operator token and with an analyst token (disclosure control), then as an
   analyst against a server with --k 5 --round 5 --analyst-periods calendar,
   with
   the checks not_a_server_error, status_code_conformance,
   content_type_conformance, response_headers_conformance and
   response_schema_conformance. Any 5xx, any answer the description does not
   allow, or a route that never answered 200 (for analysts: an operator-only
   route that answered anything but 403) fails the test.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from ketenflow_support import Serve as Server, run  # noqa: E402

CHAIN = "wonen-eerst"
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
])


def answers(lines):
    """Statuses per route from the access log lines ("http GET|POST ROUTE STATUS N ms")."""
    out = {}
    for line in lines:
        m = re.search(r" http (?:GET|POST) (\S+) (\d{3}) [0-9.]+ ms", line)
        if m:
            out.setdefault(m.group(1), set()).add(int(m.group(2)))
    return out


def schemathesis(st, document, server, token, parameters, work, name, examples, seed):
    """One schemathesis run of every operation of `document` against `server`; the
    statuses each route answered, or None when it failed."""
    config = os.path.join(work, f"{name}.toml")
    with open(config, "w", encoding="utf-8") as out:
        # Path parameters that name real things: the chain that has data, and
        # a client the operator's partner reported on.
        out.write("[parameters]\n")
        for key, value in parameters.items():
            out.write(f"{json.dumps(key)} = {json.dumps(value)}\n")
    # The file, not the served copy (the same bytes, checked before): loaded
    # from a URL, schemathesis leaves that URL's own operation out.
    args = [st, "--config-file", config, "run", document,
            "--url", server.url,
            "--header", f"Authorization: Bearer {token}",
            "--checks", CHECKS,
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", str(examples),
            "--seed", str(seed),
            # One worker: with two, CPython 3.11's compile() in schemathesis'
            # coverage phase can fail with "AST constructor recursion depth
            # mismatch" (a thread-safety bug of the interpreter, not of ours).
            "--workers", "1",
            "--request-timeout", "30",
            "--generation-database", "none",
            "--suppress-health-check", "all",
            "--no-color"]
    shown = ("Authorization: Bearer ..." if "Bearer" in a else a for a in args)
    print(f"[{name}] {' '.join(shown)}", flush=True)
    started = time.monotonic()
    first = len(server.lines)
    done = subprocess.run(args, cwd=work, capture_output=True, text=True, check=False)
    print(done.stdout[-20000:], flush=True)
    if done.stderr:
        print(done.stderr[-5000:], file=sys.stderr, flush=True)
    print(f"[{name}] exit {done.returncode} after {time.monotonic() - started:.0f} s", flush=True)
    time.sleep(0.5)  # the access log's last lines
    seen = answers(server.lines[first:])
    for route in sorted(seen):
        print(f"[{name}] {route}: {' '.join(str(c) for c in sorted(seen[route]))}")
    return seen if done.returncode == 0 else None


def expect_reached(seen, routes, name, refused=()):
    """Every route answered 200 at least once (the run reached its logic), but the
    `refused` ones, which answered 403 and never 200. Messages of what did not."""
    problems = []
    for route in routes:
        codes = seen.get(route, set())
        if route in refused:
            if 403 not in codes or 200 in codes:
                problems.append(f"[{name}] {route}: want 403 and no 200, got {sorted(codes)}")
        elif 200 not in codes:
            problems.append(f"[{name}] {route}: never answered 200 ({sorted(codes)})")
    return problems


def main():
    binary, chains, document = (os.path.abspath(a) for a in sys.argv[1:4])
    st = os.path.join(os.path.dirname(sys.executable), "st")
    examples = int(os.environ.get("KETENFLOW_OPENAPI_EXAMPLES", "50"))
    seed = int(os.environ.get("KETENFLOW_OPENAPI_SEED", "1"))

    spec, _ = read_from_filename(document)
    validate(spec)
    print(f"openapi-spec-validator: {document} is a valid OpenAPI {spec['openapi']} document")

    with tempfile.TemporaryDirectory() as work:
        events = os.path.join(work, "events.ndjson")
        data = os.path.join(work, "store")
        tokens = os.path.join(work, "tokens")
        run(binary, "simulate", "--chain", os.path.join(chains, f"{CHAIN}.yaml"), "--clients",
            "300", "--seed", "7", "--out", events)
        run(binary, "ingest", "--data", data, "--chains", chains, "--quiet", events)
        with open(events, encoding="utf-8") as lines:
            first = json.loads(lines.readline())
        partner, ref = first["partnerId"], first["clientRef"]
        operator = run(binary, "tokens", "add", "--file", tokens, "--name", "st-operator",
                       "--role", "operator", "--partner", partner).strip()
        analyst = run(binary, "tokens", "add", "--file", tokens, "--name", "st-analyst",
                      "--role", "analyst").strip()

        with open(document, "rb") as f:
            repository = f.read()
        routes = list(spec["paths"])
        # Roles of a route's operation (GET, or POST for the gateway's /v1/events);
        # public routes name none.
        def roles_of(item):
            operation = item.get("get") or item.get("post")
            return operation.get("x-ketenflow-roles", ["analyst", "operator", "admin"])
        refused = [p for p, item in spec["paths"].items() if "analyst" not in roles_of(item)]
        # Operators may not send events (publishers only).
        operator_refused = [p for p, item in spec["paths"].items()
                            if "operator" not in roles_of(item)]
        problems = []
        five = []
        # Default disclosure (k = 10), then k = 5 with rounding to 5 and calendar
        # periods for analysts.
        for flags, runs in [
            ((), [("operator", operator, {"path.id": CHAIN, "path.ref": ref}, operator_refused),
                  ("analyst", analyst, {"path.id": CHAIN}, refused)]),
            (("--k", "5", "--round", "5", "--analyst-periods", "calendar"),
             [("analyst-rounded", analyst, {"path.id": CHAIN}, refused)]),
        ]:
            server = Server(binary, data, chains, tokens, *flags)
            try:
                with urllib.request.urlopen(server.url + "/v1/openapi.json") as response:
                    if response.read() != repository:
                        problems.append("/v1/openapi.json is not the repository's file")
                for name, token, parameters, refuse in runs:
                    seen = schemathesis(st, document, server, token, parameters, work, name,
                                        examples, seed)
                    if seen is None:
                        problems.append(f"[{name}] schemathesis found answers the "
                                        "description does not allow (above)")
                    else:
                        problems += expect_reached(seen, routes, name, refuse)
            finally:
                server.stop()
            five += [line for line in server.lines if re.search(r" 5\d\d [0-9.]+ ms", line)]
        if five:
            problems.append("server answered 5xx:\n" + "".join(five[:20]))
        if problems:
            sys.exit("\n".join(problems))
    print("schemathesis: no 5xx, every answer as described (operator and analyst)")


if __name__ == "__main__":
    main()
