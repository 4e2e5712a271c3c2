// The paths value of one client: a serialized v1::ClientRecord, whose only
// field is `repeated PathInput events = 1`. Protobuf lays a repeated message
// field out as one (tag 0x0A, varint length, message bytes) entry per
// element, in order, so a record grows by appending the new events' entries
// to its bytes: the result is byte for byte what serializing the whole
// record again would give. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ketenflow/v1/store.pb.h"

namespace ketenflow::path {

// Appends `event` as one more element of a serialized ClientRecord.
void append_path_input(const v1::PathInput& event, std::string& record);

// The events of a serialized ClientRecord, appended to `out`; false when the
// bytes are not one.
[[nodiscard]] bool parse_client_record(std::string_view record, std::vector<v1::PathInput>& out);

}  // namespace ketenflow::path
