// The canonical bytes of a ClientEvent: deterministic protobuf serialization
// (map entries sorted), so the same event always has the same bytes — and the
// same hash — whatever form it arrived in. Kafka messages, stored events and
// duplicate detection all use these bytes.
#pragma once

#include <string>

#include "ketenflow/v1/event.pb.h"

namespace ketenflow::model {

std::string canonical_bytes(const v1::ClientEvent& event);

}  // namespace ketenflow::model
