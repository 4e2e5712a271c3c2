// xes: IEEE 1849 XES logs, plain or gzipped (xes_reader.h), as an input
// format of the engine (ingest/input_format.h). Positions are trace
// boundaries; publish does not send them.
#pragma once

#include "ingest/input_format.h"

namespace ketenflow::xes {

ingest::InputFormat xes_format();

}  // namespace ketenflow::xes
