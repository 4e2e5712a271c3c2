"""An XES export of ketenflow read by PM4Py: organisational mining works on it.

Run by ctest (`pm4py_export`) with the python of scripts/pm4py-venv.sh:
    python export_test.py KETENFLOW_BIN CHAIN_FILE

Checks, on a simulated chain:
- PM4Py reads the export (`--activity-label name`): every event, activity names
  as concept:name, the partner as org:resource and org:group;
- PM4Py's handover-of-work and working-together networks run on it, and every
  partner handover ketenflow reports is a handover of work PM4Py finds;
- the export with names goes back into a fresh store with identical KPIs.
"""

import json
import os
import sys
import tempfile

import pm4py

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from ketenflow_support import Checks, run, simulated_store  # noqa: E402


def main():
    binary, chain_file = sys.argv[1], sys.argv[2]
    checks = Checks()
    expect = checks.expect

    with tempfile.TemporaryDirectory() as tmp:
        store = simulated_store(binary, chain_file, tmp, 400, 3)
        chain = json.loads(run(binary, "chains", "show", chain_file))
        chain_id = chain["id"]
        names = {m["id"]: m["name"] for m in chain["milestones"]}
        partners = {p["id"] for p in chain["partners"]}
        xes = os.path.join(tmp, "export.xes")
        run(binary, "export", "--data", store, "--chain", chain_id, "--activity-label", "name",
            "--output", xes)
        kpis = json.loads(run(binary, "kpi", "--data", store, "--chain", chain_id,
                              "--format", "json"))

        log = pm4py.read_xes(xes)
        expect(len(log) > 1000, f"PM4Py read only {len(log)} events")
        for column in ("concept:name", "org:resource", "org:group", "time:timestamp",
                       "case:concept:name", "ketenflow:milestone"):
            expect(column in log.columns, f"PM4Py sees no column {column}")
        if not checks.failures:
            expect(set(log["concept:name"]) <= set(names.values()),
                   "concept:name holds something other than milestone names")
            expect((log["concept:name"] == log["ketenflow:milestone"].map(names)).all(),
                   "concept:name is not the name of ketenflow:milestone")
            expect(set(log["org:resource"]) <= partners, "org:resource is not a partner id")
            expect((log["org:resource"] == log["org:group"]).all(),
                   "org:resource and org:group differ")

            handover = pm4py.discover_handover_of_work_network(log)
            together = pm4py.discover_working_together_network(log)
            pairs = {tuple(edge) for edge, value in handover.connections.items() if value > 0}
            expect(len(pairs) > 0, "PM4Py found no handover of work")
            expect(len(together.connections) > 0, "PM4Py found no working-together pairs")
            for h in kpis["partnerHandovers"]:
                pair = (h["fromPartner"], h["toPartner"])
                expect(pair in pairs,
                       f"ketenflow's partner handover {pair} is no handover of work in PM4Py")
            print(f"PM4Py {pm4py.__version__}: {len(log)} events, "
                  f"{len(pairs)} handover-of-work pairs, "
                  f"{len(together.connections)} working-together pairs, "
                  f"{len(kpis['partnerHandovers'])} ketenflow partner handovers")

        # Round trip of the export with names.
        again = os.path.join(tmp, "again")
        run(binary, "ingest", "--data", again, "--chains", chain_file, "--chain", chain_id,
            "--quiet", xes)
        back = json.loads(run(binary, "kpi", "--data", again, "--chain", chain_id,
                              "--format", "json"))
        expect(back == kpis, "the export with activity names re-imported gives other KPIs")

    checks.finish("ok: PM4Py read and mined the export")


if __name__ == "__main__":
    main()
