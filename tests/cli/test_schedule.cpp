// plan_schedule: the README form's mapping, the direct form, and what is refused.

#include <cmath>

#include <doctest/doctest.h>

#include "dsdn/cli/schedule.hpp"

using namespace dsdn::cli;
using nlohmann::json;

TEST_CASE("README form: cores against the reference node, GB to MiB, disk ignored") {
  schedule_flags f;
  f.id = "job-42";
  f.cpu_cores = 4;
  f.mem_gb = 8;
  f.disk_gb = 100;
  auto p = plan_schedule(f);
  REQUIRE(p.ok());
  CHECK(p->body == json{{"cpu_req", 0.25}, {"ram_req_mb", 8192.0}});
  CHECK(p->note.find("note: schedule job-42:") == 0);
  CHECK(p->note.find("of a 16-core node") != std::string::npos);
  CHECK(p->note.find("--disk 100 GB is not a scheduling input") != std::string::npos);
  CHECK(p->note.back() == '\n');

  f.cpu_cores = 64;  // more than the reference node: a whole node's CPU must be free
  CHECK(plan_schedule(f)->body["cpu_req"] == 1.0);
  f.node_cores = 128;
  CHECK(plan_schedule(f)->body["cpu_req"] == 0.5);

  schedule_flags disk_only;
  disk_only.disk_gb = 10;
  p = plan_schedule(disk_only);
  REQUIRE(p.ok());
  CHECK(p->body == json::object());
  CHECK(p->note.find("--disk 10 GB") != std::string::npos);

  schedule_flags fractional;
  fractional.cpu_cores = 0.5;
  fractional.mem_gb = 0.5;
  CHECK(plan_schedule(fractional)->body == json{{"cpu_req", 0.5 / 16}, {"ram_req_mb", 512.0}});
}

TEST_CASE("direct form passes the scheduler's fields through; nothing given = no constraints") {
  schedule_flags f;
  f.cpu_req = 0.5;
  f.max_latency_ms = 20;
  auto p = plan_schedule(f);
  REQUIRE(p.ok());
  CHECK(p->body == json{{"cpu_req", 0.5}, {"max_latency_ms", 20.0}});
  CHECK(p->note.empty());

  schedule_flags none;
  none.id = "label-only";
  p = plan_schedule(none);
  REQUIRE(p.ok());
  CHECK(p->body == json::object());
  CHECK(p->note.empty());
}

TEST_CASE("mixing forms, negative amounts and a bad reference node are refused") {
  schedule_flags mixed;
  mixed.mem_gb = 1;
  mixed.gpu_req = 1;
  CHECK(plan_schedule(mixed).error().code == schedule_errc::mixed_forms);

  schedule_flags negative;
  negative.cpu_cores = -1;
  CHECK(plan_schedule(negative).error().message == "--cpu must be a number >= 0");

  schedule_flags nan;
  nan.ram_req_mb = std::nan("");
  CHECK(plan_schedule(nan).error().code == schedule_errc::out_of_range);

  schedule_flags zero_node;
  zero_node.cpu_cores = 1;
  zero_node.node_cores = 0;
  CHECK(plan_schedule(zero_node).error().message == "--node-cores must be a number > 0");
}
