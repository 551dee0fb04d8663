// Weighted rendezvous placement: determinism, distinctness, zone diversity, balance, weighting
// and minimal movement on membership changes.

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dsdn/core/placement.hpp"

using dsdn::core::node_info;
using dsdn::core::placement_index;

namespace {

node_info make_node(std::string id, std::string zone, uint64_t capacity = 100) {
  return node_info{std::move(id), std::move(zone), "127.0.0.1:9000", capacity};
}

/// `count` nodes n00, n01, ... spread round-robin over `zones` zones z0, z1, ...
std::vector<node_info> make_nodes(size_t count, size_t zones, uint64_t capacity = 100) {
  std::vector<node_info> out;
  for (size_t i = 0; i < count; ++i) {
    std::string id = "n" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    out.push_back(make_node(std::move(id), "z" + std::to_string(i % zones), capacity));
  }
  return out;
}

std::string key(size_t i) {
  return "object-" + std::to_string(i);
}

std::map<std::string, std::string> zone_of(const std::vector<node_info>& nodes) {
  std::map<std::string, std::string> out;
  for (const auto& n : nodes) {
    out[n.id] = n.zone;
  }
  return out;
}

}  // namespace

TEST_CASE("placement: rf 0 or no nodes gives an empty result") {
  const placement_index empty;
  CHECK(empty.size() == 0);
  CHECK(empty.place("k", 3).empty());
  CHECK(placement_index(std::vector<node_info>{}).place("k", 3).empty());

  const placement_index idx(make_nodes(5, 3));
  CHECK(idx.size() == 5);
  CHECK(idx.place("k", 0).empty());
  CHECK(idx.place("", 1).size() == 1);
}

TEST_CASE("placement: deterministic and independent of input order") {
  auto nodes = make_nodes(30, 5);
  for (size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].capacity_gb = 50 + 37 * (i % 7);
  }
  const placement_index reference(nodes);
  std::mt19937 rng(12345);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(nodes.begin(), nodes.end(), rng);
    const placement_index shuffled(nodes);
    for (size_t k = 0; k < 300; ++k) {
      for (size_t rf : {1, 3, 5, 7, 30}) {
        REQUIRE(shuffled.place(key(k), rf) == reference.place(key(k), rf));
        REQUIRE(reference.place(key(k), rf) == reference.place(key(k), rf));
      }
    }
  }
}

TEST_CASE("placement: pinned results stay stable across builds and platforms") {
  // Every coordinator must compute the same placement; these pin the hash, mixer and score.
  const placement_index idx({make_node("n1", "a", 10), make_node("n2", "b", 10),
                             make_node("n3", "c", 10), make_node("n4", "a", 10),
                             make_node("n5", "b", 10)});
  CHECK(idx.place("some-object-hash", 3) == std::vector<std::string>{"n5", "n1", "n3"});
  CHECK(idx.place("object-123", 4) == std::vector<std::string>{"n1", "n2", "n3", "n4"});
  CHECK(idx.place("object-123", 9) == std::vector<std::string>{"n1", "n2", "n3", "n4", "n5"});
}

TEST_CASE("placement: distinct ids and never more than min(rf, n)") {
  const placement_index idx(make_nodes(8, 3));
  for (size_t k = 0; k < 200; ++k) {
    for (size_t rf = 0; rf <= 12; ++rf) {
      const auto got = idx.place(key(k), rf);
      REQUIRE(got.size() == std::min<size_t>(rf, 8));
      REQUIRE(std::set<std::string>(got.begin(), got.end()).size() == got.size());
    }
  }
  CHECK(idx.place("k", static_cast<size_t>(-1)).size() == 8);
}

TEST_CASE("placement: duplicate ids in the input collapse to one node") {
  const placement_index a(
      {make_node("x", "z1", 10), make_node("x", "z2", 500), make_node("y", "z1", 10)});
  const placement_index b(
      {make_node("y", "z1", 10), make_node("x", "z2", 500), make_node("x", "z1", 10)});
  CHECK(a.size() == 2);
  for (size_t k = 0; k < 100; ++k) {
    const auto got = a.place(key(k), 3);
    REQUIRE(got.size() == 2);
    REQUIRE(got[0] != got[1]);
    REQUIRE(got == b.place(key(k), 3));
  }
}

TEST_CASE("placement: zone-diverse while rf <= zones") {
  auto nodes = make_nodes(12, 4);
  nodes[0].capacity_gb = 1000;  // a heavy node must still not pull a second copy into its zone
  const auto zones = zone_of(nodes);
  const placement_index idx(nodes);
  for (size_t rf = 1; rf <= 4; ++rf) {
    for (size_t k = 0; k < 1000; ++k) {
      const auto got = idx.place(key(k), rf);
      REQUIRE(got.size() == rf);
      std::set<std::string> seen;
      for (const auto& id : got) {
        seen.insert(zones.at(id));
      }
      REQUIRE(seen.size() == rf);
    }
  }
}

TEST_CASE("placement: an empty zone is one zone of its own") {
  const std::vector<node_info> nodes{make_node("a", ""), make_node("b", ""), make_node("c", ""),
                                     make_node("d", "east")};
  const auto zones = zone_of(nodes);
  const placement_index idx(nodes);
  for (size_t k = 0; k < 500; ++k) {
    const auto got = idx.place(key(k), 2);
    REQUIRE(got.size() == 2);
    REQUIRE(zones.at(got[0]) != zones.at(got[1]));
  }
}

TEST_CASE("placement: fills beyond the zones when rf > zones") {
  const auto nodes = make_nodes(6, 2);
  const auto zones = zone_of(nodes);
  const placement_index idx(nodes);
  for (size_t k = 0; k < 500; ++k) {
    const auto got = idx.place(key(k), 5);
    REQUIRE(got.size() == 5);
    REQUIRE(std::set<std::string>(got.begin(), got.end()).size() == 5);
    // Both zones come first, then the fill.
    REQUIRE(zones.at(got[0]) != zones.at(got[1]));
  }

  // One zone only: plain rendezvous order.
  const placement_index single(make_nodes(4, 1));
  for (size_t k = 0; k < 100; ++k) {
    const auto got = single.place(key(k), 4);
    REQUIRE(std::set<std::string>(got.begin(), got.end()).size() == 4);
  }
}

TEST_CASE("placement: the fill takes the best remaining nodes in score order") {
  // With all nodes in distinct zones the first pass alone is the full rendezvous ranking, so
  // placing everything into one zone must give the same order.
  auto diverse = make_nodes(10, 10);
  auto same = make_nodes(10, 1);
  const placement_index a(diverse);
  const placement_index b(same);
  for (size_t k = 0; k < 300; ++k) {
    for (size_t rf : {1, 3, 10}) {
      REQUIRE(a.place(key(k), rf) == b.place(key(k), rf));
    }
    // A prefix of the full ranking: lookups with a small rf agree with a large one.
    const auto full = a.place(key(k), 10);
    const auto three = a.place(key(k), 3);
    REQUIRE(std::equal(three.begin(), three.end(), full.begin()));
  }
}

TEST_CASE("placement: load is balanced across equal nodes") {
  const placement_index idx(make_nodes(20, 4));
  std::map<std::string, size_t> count;
  constexpr size_t keys = 100000;
  for (size_t k = 0; k < keys; ++k) {
    ++count[idx.place(key(k), 1).at(0)];
  }
  REQUIRE(count.size() == 20);
  const double mean = static_cast<double>(keys) / 20.0;
  for (const auto& entry : count) {
    INFO(entry.first << " got " << entry.second);
    CHECK(static_cast<double>(entry.second) >= mean * 0.9);
    CHECK(static_cast<double>(entry.second) <= mean * 1.1);
  }
}

TEST_CASE("placement: keys follow capacity") {
  auto nodes = make_nodes(10, 10, 100);
  nodes.push_back(make_node("heavy", "zh", 300));
  const placement_index idx(nodes);
  std::map<std::string, size_t> count;
  constexpr size_t keys = 100000;
  for (size_t k = 0; k < keys; ++k) {
    ++count[idx.place(key(k), 1).at(0)];
  }
  double light = 0;
  for (const auto& [id, c] : count) {
    if (id != "heavy") {
      light += static_cast<double>(c);
    }
  }
  light /= 10.0;
  const double ratio = static_cast<double>(count["heavy"]) / light;
  INFO("heavy/light = " << ratio);
  CHECK(ratio >= 3.0 * 0.85);
  CHECK(ratio <= 3.0 * 1.15);

  // Capacity 0 counts as 1.
  auto zero = make_nodes(5, 2, 1);
  auto one = zero;
  zero[2].capacity_gb = 0;
  const placement_index a(zero);
  const placement_index b(one);
  for (size_t k = 0; k < 200; ++k) {
    REQUIRE(a.place(key(k), 3) == b.place(key(k), 3));
  }
}

TEST_CASE("placement: adding a node moves keys only to the new node") {
  const auto before_nodes = make_nodes(20, 4);
  auto after_nodes = before_nodes;
  after_nodes.push_back(make_node("new", "z1"));
  const placement_index before(before_nodes);
  const placement_index after(after_nodes);

  size_t moved = 0;
  for (size_t k = 0; k < 20000; ++k) {
    const auto old_owner = before.place(key(k), 1).at(0);
    const auto new_owner = after.place(key(k), 1).at(0);
    if (old_owner != new_owner) {
      ++moved;
      REQUIRE(new_owner == "new");
    }
  }
  // About 1/21 of the keys should move.
  CHECK(moved > 20000 / 21 / 2);
  CHECK(moved < 20000 / 21 * 2);

  // With rf 3 and shared zones, the only node that can join a key's set is the new one.
  for (size_t k = 0; k < 5000; ++k) {
    const auto old_set = before.place(key(k), 3);
    const auto new_set = after.place(key(k), 3);
    for (const auto& id : new_set) {
      if (std::find(old_set.begin(), old_set.end(), id) == old_set.end()) {
        REQUIRE(id == "new");
      }
    }
  }
}

TEST_CASE("placement: removing a node moves only the keys it held") {
  const auto before_nodes = make_nodes(20, 4);
  auto after_nodes = before_nodes;
  const std::string removed = after_nodes[7].id;
  after_nodes.erase(after_nodes.begin() + 7);
  const placement_index before(before_nodes);
  const placement_index after(after_nodes);

  for (size_t k = 0; k < 20000; ++k) {
    const auto old_owner = before.place(key(k), 1).at(0);
    const auto new_owner = after.place(key(k), 1).at(0);
    if (old_owner != new_owner) {
      REQUIRE(old_owner == removed);
    }
    REQUIRE(new_owner != removed);
  }
  for (size_t rf : {3, 6}) {
    for (size_t k = 0; k < 5000; ++k) {
      const auto old_set = before.place(key(k), rf);
      if (std::find(old_set.begin(), old_set.end(), removed) == old_set.end()) {
        REQUIRE(after.place(key(k), rf) == old_set);
      }
    }
  }
}

TEST_CASE("placement: concurrent lookups from several threads agree with a serial run") {
  // The SHA-256 digest object is fetched once per process and shared by every thread.
  const placement_index idx(make_nodes(40, 6));
  constexpr size_t keys = 2000;
  std::vector<std::vector<std::string>> serial(keys);
  for (size_t k = 0; k < keys; ++k) {
    serial[k] = idx.place(key(k), 4);
  }
  std::vector<size_t> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < mismatches.size(); ++t) {
    threads.emplace_back([&, t] {
      for (size_t k = 0; k < keys; ++k) {
        mismatches[t] += idx.place(key(k), 4) != serial[k];
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  for (size_t m : mismatches) {
    CHECK(m == 0);
  }
}
