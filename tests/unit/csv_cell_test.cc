// CSV cells (model/csv_cell.h): RFC 4180 quoting, formulas neutralised as
// OWASP recommends, numbers left alone, and every value read back exactly.
#include "model/csv_cell.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "http/audit.h"
#include "test_support.h"

namespace ketenflow::model {
namespace {

TEST(CsvCell, PlainTextStaysAsItIsAndSeparatorsAreQuoted) {
  EXPECT_EQ(csv_field("intake"), "intake");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
}

TEST(CsvCell, FormulaStartsGetAQuoteAndAreQuoted) {
  EXPECT_EQ(csv_field("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(csv_field("+1+2"), "\"'+1+2\"");
  EXPECT_EQ(csv_field("-2+3"), "\"'-2+3\"");
  EXPECT_EQ(csv_field("@SUM(A1)"), "\"'@SUM(A1)\"");
  EXPECT_EQ(csv_field("\tx"), "\"'\tx\"");
  EXPECT_EQ(csv_field("\rx"), "\"'\rx\"");
  EXPECT_EQ(csv_field("-"), "\"'-\"");
  // A leading quote of its own gets one more, so that it survives reading.
  EXPECT_EQ(csv_field("'=x"), "\"''=x\"");
  EXPECT_EQ(csv_field("'plain"), "\"''plain\"");
}

TEST(CsvCell, NumbersStayAsTheyAre) {
  for (const char* number : {"-0.1", "-5", "0", "12.5", "-1e-05", "3E+2"}) {
    EXPECT_TRUE(is_plain_number(number)) << number;
    EXPECT_EQ(csv_field(number), number);
  }
  for (const char* text : {"-", "-.5", "1.", "1e", "--1", "-1-1", "+1", "1,5"}) {
    EXPECT_FALSE(is_plain_number(text)) << text;
  }
}

TEST(CsvCell, EveryWrittenValueReadsBackExactly) {
  for (const char* value : {"intake", "=1+1", "+x", "-x", "@x", "\tx", "\rx", "'", "'x", "''x",
                            "'=x", "-0.1", "", "a,b", "it's"}) {
    std::string cell = csv_field(value);
    // What a CSV reader (RFC 4180) hands over: the quotes taken off.
    if (cell.size() >= 2 && cell.front() == '"') {
      std::string inner;
      for (size_t i = 1; i + 1 < cell.size(); ++i) {
        inner += cell[i];
        if (cell[i] == '"') ++i;
      }
      cell = inner;
    }
    EXPECT_EQ(csv_unescaped(cell), value) << value;
  }
  // Values from other programs are read as they are, except an escaped formula.
  EXPECT_EQ(csv_unescaped("'abc"), "'abc");
  EXPECT_EQ(csv_unescaped("'=abc"), "=abc");
}

TEST(PrivateFiles, AuditLogIsCreatedOwnerOnlyWhateverTheUmask) {
  testing::TempDir tmp;
  const std::string path = tmp.path() + "/audit.log";
  const mode_t old = ::umask(0);
  auto log = http::AuditLog::open(path);
  ::umask(old);
  ASSERT_TRUE(log) << log.error();
  EXPECT_EQ(std::filesystem::status(path).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

}  // namespace
}  // namespace ketenflow::model
