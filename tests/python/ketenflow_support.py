"""What the Python tests (tests/pm4py, tests/analysis, tests/openapi) share: running the
binary, a simulated store, collecting failed checks, and a live `serve`.

The tests put this folder on sys.path themselves (no install step).
"""

import os
import re
import subprocess
import sys
import threading
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
    """`ketenflow serve --http 127.0.0.1:0` over a store, with extra `flags`;
    the address is read from the "listening on" line of its stderr, which is
    drained and kept in `lines` (the access log)."""

    def __init__(self, binary, data, chains, tokens, *flags):
        self.lines = []
        self.process = subprocess.Popen(
            [binary, "serve", "--data", data, "--chains", chains, "--http", "127.0.0.1:0",
             "--tokens", tokens, *flags],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, errors="replace")
        self.url = None
        found = threading.Event()

        def drain():
            for line in self.process.stderr:
                self.lines.append(line)
                m = re.search(r"listening on (http://\S+)", line)
                if m and self.url is None:
                    self.url = m.group(1).rstrip("/")
                    found.set()
            found.set()

        threading.Thread(target=drain, daemon=True).start()
        found.wait(60)
        if self.url is None:
            self.stop()
            sys.exit("ketenflow serve printed no \"listening on\" line; stderr:\n" +
                     "".join(self.lines))

    def get(self, path, token):
        request = urllib.request.Request(self.url + path,
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.read().decode("utf-8")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()


def add_token(binary, tokens, name, role):
    """A new token of `role` in the token file; returns the token."""
    return run(binary, "tokens", "add", "--file", tokens, "--name", name, "--role",
               role).strip()
