// What a handler needs to run without a server: an empty store, an audit log
// and no chains, in a temporary directory (http_test, openapi_test).
#pragma once

#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "http/api.h"
#include "test_support.h"

namespace ketenflow::testing {

class ApiFixture {
 public:
  ApiFixture() {
    auto opened = store::Store::open(dir_.path() + "/store", {});
    EXPECT_TRUE(opened) << opened.error();
    if (opened) store_ = std::move(*opened);
    auto audit = http::AuditLog::open(dir_.path() + "/audit.log");
    EXPECT_TRUE(audit) << audit.error();
    if (audit) audit_ = std::move(*audit);
  }

  bool ok() const { return store_ != nullptr && audit_ != nullptr; }
  http::ApiContext context() const { return {*store_, chains_, *audit_, host_, probe_, 10}; }

 private:
  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<http::AuditLog> audit_;
  std::vector<model::ChainModel> chains_;
  http::HostProbe host_;
  http::ServerProbe probe_;
};

}  // namespace ketenflow::testing
