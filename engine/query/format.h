// Output formats shared by the CLI and (later) the HTTP API: protobuf JSON
// mapping, CSV with a header row, and a readable text table.
#pragma once

#include <string>

#include <google/protobuf/message.h>

#include "ketenflow/v1/kpi.pb.h"
#include "ketenflow/v1/path.pb.h"

namespace ketenflow::query {

// Protobuf JSON mapping (lowerCamelCase, zeros printed), one line or indented.
std::string to_json(const google::protobuf::Message& message, bool pretty);

// One row per stage, transition and partner handover (and per period with
// `by`); columns in README "KPI output".
std::string kpi_csv(const v1::KpiReport& report);

// The tables an operator reads: stages, transitions with median / p90 delay
// and share within norm, partner handovers; durations in days.
std::string kpi_table(const v1::KpiReport& report);

// A client's visits and events as text.
std::string path_table(const v1::ClientPath& path);

}  // namespace ketenflow::query
