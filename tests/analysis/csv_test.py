"""KPI CSV as pandas, Excel and Python's csv module read it.

Run by ctest (`csv_pandas`) with the python of scripts/pm4py-venv.sh (pandas
comes with PM4Py):
    python csv_test.py KETENFLOW_BIN CHAIN_FILE

Checks, on a simulated chain with monthly periods:
- `ketenflow kpi --format csv` and the API's `kpis?format=csv` for an
  operator are the same table, byte for byte (one layout);
- csv.Sniffer finds the comma and the header row;
- pandas reads every count and duration column as a number, for the CLI, the
  operator and the analyst (whose small counts are suppressed): a suppressed
  cell is empty (NaN) and named in the `suppressed` column, never "<10";
- durations are in days: the CSV's mean_days is the JSON's meanSeconds / 86400;
- the flow route's CSV has the same columns.
"""

import csv
import json
import os
import re
import sys
import tempfile
from io import StringIO

import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from ketenflow_support import Checks, Serve, add_token, run, simulated_store  # noqa: E402

NUMERIC = ["entries", "exits", "reentries", "wip", "count", "mean_days", "min_days",
           "max_days", "p50_days", "p80_days", "p90_days", "p95_days", "norm_days",
           "within_norm", "within_norm_share", "clients", "met", "share", "open", "overdue",
           "pending", "target"]


def main():
    binary, chain_file = sys.argv[1], sys.argv[2]
    checks = Checks()
    expect = checks.expect

    with tempfile.TemporaryDirectory() as tmp:
        store = simulated_store(binary, chain_file, tmp, 600, 5, "--start", "2024-01-01")
        tokens = os.path.join(tmp, "tokens")
        chain_id = json.loads(run(binary, "chains", "show", chain_file))["id"]
        period = ["--from", "2024-01-01", "--to", "2025-01-01", "--by", "month"]
        cli = run(binary, "kpi", "--data", store, "--chain", chain_id, "--format", "csv", *period)
        operator = add_token(binary, tokens, "admin", "admin")
        analyst = add_token(binary, tokens, "an", "analyst")
        with Serve(binary, store, chain_file, tokens) as serve:
            query = f"/v1/chains/{chain_id}/kpis?from=2024-01-01&to=2025-01-01&by=month"
            api = serve.get(query + "&format=csv", operator)
            shown = serve.get(query + "&format=csv", analyst)
            report = json.loads(serve.get(query, operator))
            flow = serve.get(f"/v1/chains/{chain_id}/flow?from=2024-01-01&to=2024-02-01"
                             "&format=csv", operator)

    expect(cli == api, "the CLI's and the API's KPI CSV differ:\n"
           f"{cli[:400]}\n---\n{api[:400]}")

    for name, text in (("cli", cli), ("analyst", shown)):
        dialect = csv.Sniffer().sniff(text[:4096])
        expect(dialect.delimiter == ",", f"{name}: sniffed delimiter {dialect.delimiter!r}")
        expect(csv.Sniffer().has_header(text[:4096]), f"{name}: csv.Sniffer sees no header")

    frames = {name: pd.read_csv(StringIO(text)) for name, text in
              (("cli", cli), ("analyst", shown), ("flow", flow))}
    columns = list(frames["cli"].columns)
    expect(columns[:4] == ["kind", "period", "period_start", "period_end"],
           f"first columns {columns[:4]}")
    expect(columns[-1] == "suppressed", f"last column {columns[-1]}")
    for name, frame in frames.items():
        expect(list(frame.columns) == columns, f"{name}: other columns {list(frame.columns)}")
        for column in NUMERIC:
            expect(pd.api.types.is_numeric_dtype(frame[column]),
                   f"{name}: column {column} is {frame[column].dtype}, not numeric")

    cli_frame, analyst_frame = frames["cli"], frames["analyst"]
    expect(set(cli_frame["kind"]) == {"stage", "transition", "handover", "measure",
                                      "case_duration", "lead_time"},
           f"kinds {set(cli_frame['kind'])}")
    expect(len(cli_frame) == len(analyst_frame), "the analyst sees other rows")
    expect((cli_frame["period"] == "total").sum() > 0 and
           set(cli_frame["period"]) >= {"total", "2024-01", "2024-12"},
           f"periods {sorted(set(cli_frame['period']))}")
    hidden = 0
    for i, names in analyst_frame["suppressed"].fillna("").items():
        for entry in names.split():
            column = re.match(r"[a-z_0-9]+", entry).group(0)
            hidden += 1
            expect(pd.isna(analyst_frame.at[i, column]),
                   f"row {i}: {column} is suppressed but shows {analyst_frame.at[i, column]}")
            expect(not pd.isna(cli_frame.at[i, column]),
                   f"row {i}: {column} is suppressed but has no exact value")
    expect(hidden > 0, "the analyst's monthly CSV suppresses nothing")
    # Durations in days, against the JSON in seconds.
    first = report["transitions"][0]
    row = cli_frame[(cli_frame["kind"] == "transition") & (cli_frame["period"] == "total") &
                    (cli_frame["from_stage"] == first["from"]) &
                    (cli_frame["to_stage"] == first["to"])]
    expect(len(row) == 1, f"{len(row)} total rows for transition {first['from']}")
    if len(row) == 1:
        expect(abs(row["mean_days"].iloc[0] - first["delay"]["meanSeconds"] / 86400) < 1e-9,
               f"mean_days {row['mean_days'].iloc[0]} vs {first['delay']['meanSeconds']} s")
        expect(int(row["count"].iloc[0]) == first["count"], "transition count differs")

    checks.finish(f"ok: {len(cli_frame)} rows, {len(columns)} columns, {hidden} suppressed cells")


if __name__ == "__main__":
    main()
