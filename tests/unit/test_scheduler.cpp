// Scheduler: the original's filter and score, with an order-independent tie-break.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "dsdn/core/scheduler.hpp"

using dsdn::core::meets;
using dsdn::core::node_stats;
using dsdn::core::pick_node;
using dsdn::core::schedule_candidate;
using dsdn::core::scheduler_weights;
using dsdn::core::score;
using dsdn::core::workload;

namespace {

node_stats stats(double cpu, double ram, double gpu, double latency, double io) {
  node_stats s;
  s.cpu_free = cpu;
  s.ram_free_mb = ram;
  s.gpu_free = gpu;
  s.latency_ms = latency;
  s.io_pressure = io;
  return s;
}

std::vector<schedule_candidate> example() {
  return {{"a", stats(0.2, 2000, 0, 10, 0.3)},
          {"b", stats(0.9, 4000, 1, 5, 0.05)},
          {"c", stats(0.5, 1000, 0, 20, 0.1)}};
}

}  // namespace

TEST_CASE("scheduler: the original's example picks b") {
  const scheduler_weights w;
  const auto c = example();
  CHECK(std::fabs(score(c[0].stats, w) - 6.75) < 1e-9);
  CHECK(std::fabs(score(c[1].stats, w) - 16.825) < 1e-9);
  CHECK(std::fabs(score(c[2].stats, w) - 3.85) < 1e-9);
  CHECK(pick_node(c, workload{}, w) == std::optional<std::string>("b"));
}

TEST_CASE("scheduler: score uses every weight") {
  scheduler_weights w;
  w.w_cpu = 2.0;
  w.w_ram = 0.5;
  w.w_gpu = 3.0;
  w.w_latency = 4.0;
  w.w_io = 5.0;
  const auto s = stats(0.25, 10, 2, 8, 0.5);
  CHECK(std::fabs(score(s, w) - (0.5 + 5.0 + 6.0 + 0.5 - 2.5)) < 1e-12);
}

TEST_CASE("scheduler: latency <= 0 counts as L = 1") {
  scheduler_weights w;
  w.w_cpu = w.w_ram = w.w_gpu = w.w_io = 0.0;
  w.w_latency = 1.0;
  CHECK(score(stats(0, 0, 0, 0.0, 0), w) == 1.0);
  CHECK(score(stats(0, 0, 0, -5.0, 0), w) == 1.0);
  CHECK(score(stats(0, 0, 0, 4.0, 0), w) == 0.25);
  CHECK(score(stats(0, 0, 0, 0.5, 0), w) == 2.0);
}

TEST_CASE("scheduler: each requirement filters on its own field") {
  const auto s = stats(0.5, 1000, 1, 20, 0.9);
  CHECK(meets(s, workload{}));

  workload w;
  w.cpu_req = 0.5;
  CHECK(meets(s, w));
  w.cpu_req = 0.51;
  CHECK_FALSE(meets(s, w));

  w = workload{};
  w.ram_req_mb = 1000;
  CHECK(meets(s, w));
  w.ram_req_mb = 1000.5;
  CHECK_FALSE(meets(s, w));

  w = workload{};
  w.gpu_req = 1;
  CHECK(meets(s, w));
  w.gpu_req = 2;
  CHECK_FALSE(meets(s, w));

  w = workload{};
  w.max_latency_ms = 20;
  CHECK(meets(s, w));
  w.max_latency_ms = 19.9;
  CHECK_FALSE(meets(s, w));

  w = workload{};
  w.io_tolerance = 0.0;  // accepted and ignored, as in the original
  CHECK(meets(s, w));
}

TEST_CASE("scheduler: the filter decides which node can win") {
  const scheduler_weights weights;
  const auto c = example();
  workload w;
  w.max_latency_ms = 4;  // nobody
  CHECK_FALSE(pick_node(c, w, weights).has_value());
  w.max_latency_ms = 15;  // a and b; b scores higher
  CHECK(pick_node(c, w, weights) == std::optional<std::string>("b"));
  w = workload{};
  w.gpu_req = 0.5;  // only b has a GPU
  CHECK(pick_node(c, w, weights) == std::optional<std::string>("b"));
  w = workload{};
  w.ram_req_mb = 5000;
  CHECK_FALSE(pick_node(c, w, weights).has_value());
  w = workload{};
  w.cpu_req = 0.3;
  w.ram_req_mb = 500;
  w.max_latency_ms = 25;
  w.gpu_req = 0;
  auto without_b = c;
  without_b.erase(without_b.begin() + 1);
  CHECK(pick_node(without_b, w, weights) == std::optional<std::string>("c"));
}

TEST_CASE("scheduler: no candidates or no eligible candidate gives nothing") {
  const scheduler_weights weights;
  CHECK_FALSE(pick_node({}, workload{}, weights).has_value());
  workload w;
  w.cpu_req = 2.0;
  CHECK_FALSE(pick_node(example(), w, weights).has_value());
}

TEST_CASE("scheduler: ties go to the smaller id in any order") {
  const scheduler_weights weights;
  std::vector<schedule_candidate> c{{"node-b", stats(0.5, 100, 0, 10, 0.1)},
                                    {"node-a", stats(0.5, 100, 0, 10, 0.1)},
                                    {"node-c", stats(0.5, 100, 0, 10, 0.1)},
                                    {"node-0", stats(0.1, 100, 0, 10, 0.1)}};
  std::sort(c.begin(), c.end(), [](const auto& x, const auto& y) { return x.node_id < y.node_id; });
  do {
    REQUIRE(pick_node(c, workload{}, weights) == std::optional<std::string>("node-a"));
  } while (std::next_permutation(
      c.begin(), c.end(), [](const auto& x, const auto& y) { return x.node_id < y.node_id; }));

  // Within 1e-9 is a tie even when the smaller id scores slightly lower.
  const std::vector<schedule_candidate> near{{"y", stats(0.5, 0, 0, 10, 0)},
                                             {"x", stats(0.5 - 5e-10, 0, 0, 10, 0)}};
  CHECK(pick_node(near, workload{}, weights) == std::optional<std::string>("x"));
  const std::vector<schedule_candidate> apart{{"y", stats(0.5, 0, 0, 10, 0)},
                                              {"x", stats(0.5 - 1e-6, 0, 0, 10, 0)}};
  CHECK(pick_node(apart, workload{}, weights) == std::optional<std::string>("y"));

  // Byte-wise: uppercase sorts before lowercase, and a prefix before its extensions.
  const std::vector<schedule_candidate> bytes{{"a", stats(0.5, 0, 0, 10, 0)},
                                              {"B", stats(0.5, 0, 0, 10, 0)},
                                              {"Ba", stats(0.5, 0, 0, 10, 0)}};
  CHECK(pick_node(bytes, workload{}, weights) == std::optional<std::string>("B"));
}

TEST_CASE("scheduler: the result does not depend on candidate order") {
  const scheduler_weights weights;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<schedule_candidate> c;
  for (int i = 0; i < 40; ++i) {
    // Scores 6e-10 apart chain into near-ties that a running comparison would resolve
    // differently depending on order.
    const double cpu = 0.5 + static_cast<double>(i % 5) * 6e-10;
    c.push_back({"n" + std::to_string(i), stats(cpu, 0, 0, 10, 0)});
  }
  for (int i = 0; i < 40; ++i) {
    c.push_back({"r" + std::to_string(i), stats(unit(rng), unit(rng) * 100, 0, 10, unit(rng))});
  }
  const auto reference = pick_node(c, workload{}, weights);
  REQUIRE(reference.has_value());
  for (int round = 0; round < 200; ++round) {
    std::shuffle(c.begin(), c.end(), rng);
    REQUIRE(pick_node(c, workload{}, weights) == reference);
  }

  // The chain alone: the maximum is cpu 0.5 + 2.4e-9 (i % 5 == 4); i % 5 == 3 is 6e-10 below,
  // within 1e-9, and i % 5 == 2 is not. The byte-wise smallest of n3, n4, n8, ... is n13.
  std::vector<schedule_candidate> chain(c.begin(), c.end());
  chain.erase(
      std::remove_if(chain.begin(), chain.end(), [](const auto& x) { return x.node_id[0] == 'r'; }),
      chain.end());
  for (int round = 0; round < 50; ++round) {
    std::shuffle(chain.begin(), chain.end(), rng);
    REQUIRE(pick_node(chain, workload{}, weights) == std::optional<std::string>("n13"));
  }
}

TEST_CASE("scheduler: NaN scores never win") {
  const scheduler_weights weights;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<schedule_candidate> c{{"a", stats(nan, 0, 0, 10, 0)},
                                    {"b", stats(0.1, 0, 0, 10, 0.5)}};
  CHECK(pick_node(c, workload{}, weights) == std::optional<std::string>("b"));
  std::reverse(c.begin(), c.end());
  CHECK(pick_node(c, workload{}, weights) == std::optional<std::string>("b"));
  const std::vector<schedule_candidate> only_nan{{"a", stats(0.1, nan, 0, 10, 0)}};
  CHECK_FALSE(pick_node(only_nan, workload{}, weights).has_value());
}
