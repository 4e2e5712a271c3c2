// Output formats shared by the CLI and (later) the HTTP API: protobuf JSON
// mapping, CSV with a header row, and a readable text table; plus the CSV cell
// writer every CSV writer uses (model/csv_cell.h).
#pragma once

#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "ketenflow/v1/kpi.pb.h"
#include "ketenflow/v1/path.pb.h"
#include "model/chain.h"
#include "model/csv_cell.h"

namespace ketenflow::query {

// One CSV cell: RFC 4180 quoting and formula neutralising (model/csv_cell.h).
using model::csv_field;

// Protobuf JSON mapping (lowerCamelCase, zeros printed), one line or indented.
std::string to_json(const google::protobuf::Message& message, bool pretty);

// How the text tables name stages, milestones and partners: by their names
// in `chain` (the default of the commands), or by id when `ids` is set, when
// no chain is given or when the chain does not know the id.
struct TableLabels {
  const model::ChainModel* chain = nullptr;
  bool ids = false;

  std::string stage(const std::string& id) const;
  std::string milestone(const std::string& id) const;
  std::string partner(const std::string& id) const;
};

// The tables an operator reads: stages, transitions with median / p90 delay
// and share within norm, partner handovers; durations in days.
std::string kpi_table(const v1::KpiReport& report, const TableLabels& labels = {});

// The goal tree: goals, their result measures and the partner contribution
// measures under them, with value, norm, target and trend.
std::string goal_table(const v1::GoalTree& tree, const TableLabels& labels = {});

// A client's visits and events as text.
std::string path_table(const v1::ClientPath& path, const TableLabels& labels = {});

}  // namespace ketenflow::query
