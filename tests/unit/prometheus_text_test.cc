// Prometheus text writer: model/prometheus_text.h.
#include "model/prometheus_text.h"

#include <array>
#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

namespace ketenflow::model {
namespace {

TEST(PrometheusText, LabelValuesOfAnyBytesAreEscaped) {
  PrometheusText out;
  out.family("ketenflow_chain_wip", "gauge", "Open visits.\nPer stage \\ now.");
  out.sample("ketenflow_chain_wip", {{"chain", "a\"b"}, {"stage", "c\\d\ne"}}, uint64_t{3});
  EXPECT_EQ(out.text(),
            "# HELP ketenflow_chain_wip Open visits.\\nPer stage \\\\ now.\n"
            "# TYPE ketenflow_chain_wip gauge\n"
            "ketenflow_chain_wip{chain=\"a\\\"b\",stage=\"c\\\\d\\ne\"} 3\n");
}

TEST(PrometheusText, SampleWithoutLabelsHasNoBraces) {
  PrometheusText out;
  out.sample("x", {}, int64_t{-2});
  out.sample("y", {}, 0.25);
  out.sample("z", {}, std::numeric_limits<double>::infinity());
  EXPECT_EQ(out.text(), "x -2\ny 0.25\nz +Inf\n");
}

TEST(PrometheusText, HistogramHasCumulativeBucketsInfSumAndCount) {
  PrometheusText out;
  const std::array<double, 2> bounds = {0.5, 1.0};
  const std::array<uint64_t, 2> cumulative = {1, 3};
  out.histogram("lat_seconds", {{"route", "/v1"}}, bounds, cumulative, 2.75, 4);
  EXPECT_EQ(out.text(),
            "lat_seconds_bucket{route=\"/v1\",le=\"0.5\"} 1\n"
            "lat_seconds_bucket{route=\"/v1\",le=\"1\"} 3\n"
            "lat_seconds_bucket{route=\"/v1\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{route=\"/v1\"} 2.75\n"
            "lat_seconds_count{route=\"/v1\"} 4\n");
}

}  // namespace
}  // namespace ketenflow::model
