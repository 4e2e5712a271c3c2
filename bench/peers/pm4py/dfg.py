"""The PM4Py peer of `ketenflow ingest --infer-chain` + `kpi`: read a CSV event
log, then the performance directly-follows graph and the case durations, as an
analyst would with PM4Py. Prints one JSON line with the seconds of each step.

    python dfg.py LOG.csv CASE ACTIVITY TIMESTAMP

Run by bench/pm4py.sh with the python of scripts/pm4py-venv.sh (PM4Py pinned).
"""

import json
import sys
import time

import pandas as pd
import pm4py


def main():
    path, case, activity, timestamp = sys.argv[1:5]
    started = time.perf_counter()
    frame = pd.read_csv(path)
    frame = pm4py.format_dataframe(frame, case_id=case, activity_key=activity,
                                   timestamp_key=timestamp)
    read = time.perf_counter()
    dfg, start, end = pm4py.discover_performance_dfg(frame)
    discovered = time.perf_counter()
    durations = pm4py.get_all_case_durations(frame)
    finished = time.perf_counter()
    print(json.dumps({
        "events": len(frame),
        "cases": len(durations),
        "edges": len(dfg),
        "read_s": read - started,
        "dfg_s": discovered - read,
        "case_durations_s": finished - discovered,
        "total_s": finished - started,
    }))


if __name__ == "__main__":
    main()
