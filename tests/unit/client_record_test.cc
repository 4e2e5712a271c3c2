// The appendable client record (path/client_record.h): appending an event's
// bytes gives exactly what serializing the whole record again would, and
// bytes that are not a record are refused.
#include "path/client_record.h"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ketenflow::path {
namespace {

v1::PathInput path_input(const std::string& id, int64_t ms, const std::string& type) {
  v1::PathInput in;
  in.set_event_id(id);
  in.set_occurred_ms(ms);
  in.set_type(type);
  in.set_partner_id(std::string(300, 'p'));  // a length that needs a two-byte varint
  return in;
}

TEST(ClientRecord, AppendingEventsGivesTheBytesOfSerializingTheWholeRecord) {
  v1::ClientRecord record;
  std::string bytes;
  for (int i = 0; i < 20; ++i) {
    const v1::PathInput in = path_input("e-" + std::to_string(i), int64_t{i} << 33, "intake");
    *record.add_events() = in;
    append_path_input(in, bytes);
    ASSERT_EQ(bytes, record.SerializeAsString()) << "after event " << i;
  }
  std::vector<v1::PathInput> parsed;
  ASSERT_TRUE(parse_client_record(bytes, parsed));
  ASSERT_EQ(parsed.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(parsed[i].SerializeAsString(), record.events(i).SerializeAsString());
  }
  std::vector<v1::PathInput> none;
  EXPECT_TRUE(parse_client_record("", none));
  EXPECT_TRUE(none.empty());
}

TEST(ClientRecord, BytesThatAreNotARecordAreRefused) {
  std::string bytes;
  append_path_input(path_input("e-1", 1, "intake"), bytes);
  std::vector<v1::PathInput> out;
  EXPECT_FALSE(parse_client_record(bytes.substr(0, bytes.size() - 1), out)) << "truncated";
  out.clear();
  EXPECT_FALSE(parse_client_record("\x12\x01x", out)) << "another field";
  out.clear();
  EXPECT_FALSE(parse_client_record("\x0a\xff\xff\xff\xff\xff\x01", out)) << "huge length";
  out.clear();
  EXPECT_FALSE(parse_client_record("\x0a\x02\xff\xff", out)) << "not a PathInput";
}

}  // namespace
}  // namespace ketenflow::path
