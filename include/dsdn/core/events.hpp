#pragma once
// The durable facts of the coordinator. Every change to derived state is one of these events,
// published in signed blobs to DA and applied by the state machine in DA order.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace dsdn::core {

/// Wire discriminants. Values are part of the blob format: never renumber, only append.
enum class event_type : uint8_t {
  node_registered = 1,
  node_unregistered = 2,
  zone_assigned = 3,
  zone_unassigned = 4,
  object_registered = 5,
  object_removed = 6,
  replica_added = 7,
  replica_marked_missing = 8,
  replica_healed = 9,
  scheduler_weights_updated = 10,
};

/// A storage node joined, or re-registered with new zone/addr/capacity (insert or replace).
struct node_registered {
  std::string node_id;
  std::string zone;
  std::string addr;
  uint64_t capacity_gb = 0;
};

/// A storage node left the registry. Replicas naming it stay until marked missing.
struct node_unregistered {
  std::string node_id;
};

/// A registered node moved into `zone` (a node is in exactly one zone, or none).
struct zone_assigned {
  std::string node_id;
  std::string zone;
};

/// A registered node left `zone` and is now in no zone.
struct zone_unassigned {
  std::string node_id;
  std::string zone;
};

/// An object (content hash, lower-case hex) of `size` bytes became known.
struct object_registered {
  std::string hash;
  uint64_t size = 0;
};

/// An object and all its replica records were removed.
struct object_removed {
  std::string hash;
};

/// A registered node now holds a replica of a registered object (and is no longer missing).
struct replica_added {
  std::string hash;
  std::string node_id;
};

/// A replica was found missing: the node leaves the object's replica list.
struct replica_marked_missing {
  std::string hash;
  std::string node_id;
};

/// A replica was restored on a registered node: the node is (again) in the replica list.
struct replica_healed {
  std::string hash;
  std::string node_id;
};

/// Scheduler weights changed. Only the fields whose bit is set in `present` change
/// (bit 0 cpu, 1 ram, 2 gpu, 3 latency, 4 io), so concurrent partial updates compose.
struct scheduler_weights_updated {
  uint8_t present = 0;
  double w_cpu = 0;
  double w_ram = 0;
  double w_gpu = 0;
  double w_latency = 0;
  double w_io = 0;
};

/// One event. The variant index + 1 equals the `event_type` value.
using event = std::variant<node_registered, node_unregistered, zone_assigned, zone_unassigned,
                           object_registered, object_removed, replica_added, replica_marked_missing,
                           replica_healed, scheduler_weights_updated>;

/// The wire discriminant of an event.
inline event_type type_of(const event& e) {
  return static_cast<event_type>(e.index() + 1);
}

/// A stable lower-case name for logs and errors ("node_registered", ...).
const char* to_string(event_type t);

/// Field-wise equality of two events of the same type.
bool operator==(const node_registered& a, const node_registered& b);
bool operator==(const node_unregistered& a, const node_unregistered& b);
bool operator==(const zone_assigned& a, const zone_assigned& b);
bool operator==(const zone_unassigned& a, const zone_unassigned& b);
bool operator==(const object_registered& a, const object_registered& b);
bool operator==(const object_removed& a, const object_removed& b);
bool operator==(const replica_added& a, const replica_added& b);
bool operator==(const replica_marked_missing& a, const replica_marked_missing& b);
bool operator==(const replica_healed& a, const replica_healed& b);
/// Bitwise comparison of the doubles (so NaN payloads and -0.0 are distinguished).
bool operator==(const scheduler_weights_updated& a, const scheduler_weights_updated& b);

}  // namespace dsdn::core
