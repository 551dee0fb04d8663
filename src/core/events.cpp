#include "dsdn/core/events.hpp"

#include <cstring>

namespace dsdn::core {
namespace {

bool same_bits(double a, double b) {
  static_assert(sizeof(double) == sizeof(uint64_t));
  uint64_t x = 0;
  uint64_t y = 0;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return x == y;
}

}  // namespace

const char* to_string(event_type t) {
  switch (t) {
    case event_type::node_registered:
      return "node_registered";
    case event_type::node_unregistered:
      return "node_unregistered";
    case event_type::zone_assigned:
      return "zone_assigned";
    case event_type::zone_unassigned:
      return "zone_unassigned";
    case event_type::object_registered:
      return "object_registered";
    case event_type::object_removed:
      return "object_removed";
    case event_type::replica_added:
      return "replica_added";
    case event_type::replica_marked_missing:
      return "replica_marked_missing";
    case event_type::replica_healed:
      return "replica_healed";
    case event_type::scheduler_weights_updated:
      return "scheduler_weights_updated";
  }
  // Reached only for a value cast from an unchecked byte.
  return "unknown";
}

bool operator==(const node_registered& a, const node_registered& b) {
  return a.node_id == b.node_id && a.zone == b.zone && a.addr == b.addr &&
         a.capacity_gb == b.capacity_gb;
}

bool operator==(const node_unregistered& a, const node_unregistered& b) {
  return a.node_id == b.node_id;
}

bool operator==(const zone_assigned& a, const zone_assigned& b) {
  return a.node_id == b.node_id && a.zone == b.zone;
}

bool operator==(const zone_unassigned& a, const zone_unassigned& b) {
  return a.node_id == b.node_id && a.zone == b.zone;
}

bool operator==(const object_registered& a, const object_registered& b) {
  return a.hash == b.hash && a.size == b.size;
}

bool operator==(const object_removed& a, const object_removed& b) {
  return a.hash == b.hash;
}

bool operator==(const replica_added& a, const replica_added& b) {
  return a.hash == b.hash && a.node_id == b.node_id;
}

bool operator==(const replica_marked_missing& a, const replica_marked_missing& b) {
  return a.hash == b.hash && a.node_id == b.node_id;
}

bool operator==(const replica_healed& a, const replica_healed& b) {
  return a.hash == b.hash && a.node_id == b.node_id;
}

bool operator==(const scheduler_weights_updated& a, const scheduler_weights_updated& b) {
  return a.present == b.present && same_bits(a.w_cpu, b.w_cpu) && same_bits(a.w_ram, b.w_ram) &&
         same_bits(a.w_gpu, b.w_gpu) && same_bits(a.w_latency, b.w_latency) &&
         same_bits(a.w_io, b.w_io);
}

}  // namespace dsdn::core
