"""What the Python tests (tests/pm4py, tests/analysis) share: running the
binary, a simulated store, collecting failed checks, and a live `serve`.

The tests put this folder on sys.path themselves (no install step).
"""

import os
import re
import subprocess
import sys
import time
import urllib.request


def run(*args):
    """Runs a command; exits the test with its output when it fails."""
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def simulated_store(binary, chain_file, tmp, clients, seed, *simulate_args):
    """Simulates `clients` clients of the chain and ingests them into tmp/store."""
    events = os.path.join(tmp, "events.ndjson")
    store = os.path.join(tmp, "store")
    run(binary, "simulate", "--chain", chain_file, "--clients", str(clients), "--seed",
        str(seed), *simulate_args, "--out", events)
    run(binary, "ingest", "--data", store, "--chains", chain_file, "--quiet", events)
    return store


class Checks:
    """Failed expectations, reported together at the end."""

    def __init__(self):
        self.failures = []

    def expect(self, condition, message):
        if not condition:
            self.failures.append(message)
        return condition

    def finish(self, summary):
        if self.failures:
            print("\n".join(self.failures))
            sys.exit(1)
        print(summary)


class Serve:
    """`ketenflow serve --http 127.0.0.1:0` over a store; the address is read
    from the "listening on" line of its stderr (kept in log_path)."""

    def __init__(self, binary, store, chain_file, tokens, log_path):
        self.log = open(log_path, "w+", encoding="utf-8")
        self.child = subprocess.Popen(
            [binary, "serve", "--data", store, "--chains", chain_file, "--http",
             "127.0.0.1:0", "--tokens", tokens],
            stdout=subprocess.DEVNULL, stderr=self.log)
        self.base = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.child.poll() is None:
            self.log.seek(0)
            found = re.search(r"listening on (http://\S+)", self.log.read())
            if found:
                self.base = found.group(1).rstrip("/")
                return
            time.sleep(0.1)
        self.stop()
        self.log.seek(0)
        sys.exit(f"serve did not start within 30 s:\n{self.log.read()}")

    def get(self, path, token):
        request = urllib.request.Request(self.base + path,
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.read().decode("utf-8")

    def stop(self):
        if self.child.poll() is None:
            self.child.terminate()
            self.child.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()


def add_token(binary, tokens, name, role):
    """A new token of `role` in the token file; returns the token."""
    return run(binary, "tokens", "add", "--file", tokens, "--name", name, "--role",
               role).strip()
