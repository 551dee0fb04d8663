#include "dsdn/core/state_machine.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <random>
#include <type_traits>
#include <utility>

#include "dsdn/core/validation.hpp"
#include "state_store.hpp"

namespace dsdn::core {

const char* to_string(reject_reason r) {
  switch (r) {
    case reject_reason::invalid:
      return "invalid";
    case reject_reason::not_found:
      return "not_found";
    case reject_reason::conflict:
      return "conflict";
  }
  return "unknown";
}

const char* to_string(blob_disposition d) {
  switch (d) {
    case blob_disposition::applied:
      return "applied";
    case blob_disposition::duplicate:
      return "duplicate";
    case blob_disposition::held:
      return "held";
    case blob_disposition::untrusted:
      return "untrusted";
    case blob_disposition::gap_overflow:
      return "gap_overflow";
  }
  return "unknown";
}

namespace {

using namespace detail;

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof(double)) == 0;
}

using seq_key = std::pair<uint64_t, uint64_t>;  // (epoch, sequence)

bool is_next(const seq_key& cursor, const seq_key& k) {
  return (k.first == cursor.first && k.second == cursor.second + 1) ||
         (k.first > cursor.first && k.second == 1);
}

struct held_blob {
  event_blob blob;
  da_position pos;
};

// What decide() found, so the mutation does not look anything up again.
struct plan {
  bool noop = false;
  uint32_t node = npos;
  uint32_t object = npos;
  uint64_t hash = 0;  // index hash of the node id (node events) or object key (object events)
  packed_hash key;    // object events
};

event_outcome ok() {
  return event_outcome{};
}

event_outcome reject(reject_reason r, std::string field, std::string message) {
  event_outcome o;
  o.applied = false;
  o.reason = r;
  o.field = std::move(field);
  o.message = std::move(message);
  return o;
}

event_outcome invalid(field_error e) {
  return reject(reject_reason::invalid, std::move(e.field), std::move(e.message));
}

std::string brief(std::string_view s) {
  return "'" + std::string(s.substr(0, 64)) + (s.size() > 64 ? "...'" : "'");
}

}  // namespace

// =============================================================================================

struct state_machine::impl {
  trusted_publishers trusted;
  size_t max_held;
  uint64_t seed;

  std::vector<node_rec> nodes;
  index_table node_index;
  size_t registered_nodes = 0;

  object_store objects;
  index_table object_index;

  scheduler_weights weights;

  std::map<public_key, seq_key> cursors;
  std::map<public_key, std::map<seq_key, held_blob>> held;
  size_t held_count = 0;

  state_counters counters;
  uint64_t applied_height = 0;

  mutable bool dirty = true;
  mutable sha256_digest cached{};

  impl(trusted_publishers t, size_t max) : trusted(std::move(t)), max_held(max) {
    std::random_device rd;
    seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }

  // --- lookups ---

  uint64_t node_hash(std::string_view id) const { return hash_bytes(id.data(), id.size(), seed); }
  uint64_t object_hash(const packed_hash& k) const {
    return hash_bytes(k.bytes, k.byte_len(), seed ^ k.len);
  }

  uint32_t find_node(std::string_view id, uint64_t h) const {
    return node_index.find(h, [&](uint32_t i) { return nodes[i].id == id; });
  }
  uint32_t find_object(const packed_hash& k, uint64_t h) const {
    return object_index.find(h, [&](uint32_t i) { return key_equals(objects[i], k); });
  }

  // The registered node `id`, or a not_found outcome in `out`.
  bool registered_node(std::string_view id, plan& p, event_outcome& out) const {
    p.node = find_node(id, node_hash(id));
    if (p.node == npos || !nodes[p.node].registered) {
      out = reject(reject_reason::not_found, "node_id",
                   "node_id " + brief(id) + " is not registered");
      return false;
    }
    return true;
  }

  // The object `hash` (already validated), or a not_found outcome in `out`.
  bool known_object(std::string_view hash, plan& p, event_outcome& out) const {
    pack(hash, p.key);
    p.hash = object_hash(p.key);
    p.object = find_object(p.key, p.hash);
    if (p.object == npos) {
      out = reject(reject_reason::not_found, "hash",
                   "hash " + brief(normalize_hash(hash)) + " is not registered");
      return false;
    }
    return true;
  }

  // --- decide: validation, the one code path shared by check() and apply() ---

  event_outcome decide(const node_registered& e, plan& p) const {
    if (auto f = check_node_id(e.node_id))
      return invalid(std::move(*f));
    if (auto f = check_zone(e.zone))
      return invalid(std::move(*f));
    if (auto f = check_addr(e.addr))
      return invalid(std::move(*f));
    if (auto f = check_capacity_gb(e.capacity_gb))
      return invalid(std::move(*f));
    p.hash = node_hash(e.node_id);
    p.node = find_node(e.node_id, p.hash);
    if (p.node != npos) {
      const node_rec& n = nodes[p.node];
      p.noop =
          n.registered && n.zone == e.zone && n.addr == e.addr && n.capacity_gb == e.capacity_gb;
    }
    return ok();
  }

  event_outcome decide(const node_unregistered& e, plan& p) const {
    if (auto f = check_node_id(e.node_id))
      return invalid(std::move(*f));
    event_outcome out;
    registered_node(e.node_id, p, out);
    return out;
  }

  event_outcome decide(const zone_assigned& e, plan& p) const {
    if (auto f = check_node_id(e.node_id))
      return invalid(std::move(*f));
    if (auto f = check_zone(e.zone))
      return invalid(std::move(*f));
    event_outcome out;
    if (registered_node(e.node_id, p, out))
      p.noop = nodes[p.node].zone == e.zone;
    return out;
  }

  event_outcome decide(const zone_unassigned& e, plan& p) const {
    if (auto f = check_node_id(e.node_id))
      return invalid(std::move(*f));
    if (auto f = check_zone(e.zone))
      return invalid(std::move(*f));
    event_outcome out;
    if (!registered_node(e.node_id, p, out))
      return out;
    const std::string& zone = nodes[p.node].zone;
    if (zone != e.zone) {
      return reject(reject_reason::conflict, "zone",
                    "zone " + brief(e.zone) + " is not the zone of node_id " + brief(e.node_id) +
                        (zone.empty() ? std::string(" (it is in no zone)")
                                      : " (it is in " + brief(zone) + ")"));
    }
    return out;
  }

  event_outcome decide(const object_registered& e, plan& p) const {
    if (auto f = check_object_hash(e.hash))
      return invalid(std::move(*f));
    if (auto f = check_object_size(e.size))
      return invalid(std::move(*f));
    pack(e.hash, p.key);
    p.hash = object_hash(p.key);
    p.object = find_object(p.key, p.hash);
    if (p.object != npos) {
      uint64_t size = objects[p.object].size;
      if (size != e.size) {
        return reject(reject_reason::conflict, "size",
                      "size of hash " + brief(normalize_hash(e.hash)) + " is " +
                          std::to_string(size) + ", got " + std::to_string(e.size));
      }
      p.noop = true;
    }
    return ok();
  }

  event_outcome decide(const object_removed& e, plan& p) const {
    if (auto f = check_object_hash(e.hash))
      return invalid(std::move(*f));
    event_outcome out;
    known_object(e.hash, p, out);
    return out;
  }

  // replica_added and replica_healed: the node holds the replica, so it is a holder and not
  // missing afterwards. A no-op when that is already so.
  event_outcome decide_replica(std::string_view hash, std::string_view node_id, plan& p) const {
    if (auto f = check_object_hash(hash))
      return invalid(std::move(*f));
    if (auto f = check_node_id(node_id))
      return invalid(std::move(*f));
    event_outcome out;
    if (!known_object(hash, p, out) || !registered_node(node_id, p, out))
      return out;
    const object_rec& r = objects[p.object];
    const uint32_t* ids = ids_of(r);
    bool holder = find_id(ids, 0, r.n_rep, p.node) != npos;
    bool missing = find_id(ids, r.n_rep, r.n_rep + r.n_miss, p.node) != npos;
    p.noop = holder && !missing;
    return out;
  }

  event_outcome decide(const replica_added& e, plan& p) const {
    return decide_replica(e.hash, e.node_id, p);
  }

  event_outcome decide(const replica_healed& e, plan& p) const {
    return decide_replica(e.hash, e.node_id, p);
  }

  event_outcome decide(const replica_marked_missing& e, plan& p) const {
    if (auto f = check_object_hash(e.hash))
      return invalid(std::move(*f));
    if (auto f = check_node_id(e.node_id))
      return invalid(std::move(*f));
    event_outcome out;
    if (!known_object(e.hash, p, out))
      return out;
    // The node may have been unregistered since: its replicas stay and can be marked missing.
    p.node = find_node(e.node_id, node_hash(e.node_id));
    const object_rec& r = objects[p.object];
    p.noop = p.node == npos || find_id(ids_of(r), 0, r.n_rep, p.node) == npos;
    return out;
  }

  event_outcome decide(const scheduler_weights_updated& e, plan& p) const {
    if ((e.present & ~0x1fu) != 0) {
      return reject(reject_reason::invalid, "present",
                    "present has unknown bits set, got " + std::to_string(e.present));
    }
    const std::pair<double, const char*> fields[] = {{e.w_cpu, "w_cpu"},
                                                     {e.w_ram, "w_ram"},
                                                     {e.w_gpu, "w_gpu"},
                                                     {e.w_latency, "w_latency"},
                                                     {e.w_io, "w_io"}};
    const double current[] = {weights.w_cpu, weights.w_ram, weights.w_gpu, weights.w_latency,
                              weights.w_io};
    p.noop = true;
    for (int i = 0; i < 5; ++i) {
      if ((e.present & (1u << i)) == 0)
        continue;
      if (auto f = check_weight(fields[i].first, fields[i].second))
        return invalid(std::move(*f));
      p.noop = p.noop && same_bits(fields[i].first, current[i]);
    }
    return ok();
  }

  // --- mutate: only after decide() accepted the event and found it not a no-op ---

  void mutate(const node_registered& e, const plan& p) {
    if (p.node == npos) {
      auto i = static_cast<uint32_t>(nodes.size());
      nodes.push_back(node_rec{e.node_id, e.zone, e.addr, e.capacity_gb, true});
      node_index.insert(p.hash, i);
      ++registered_nodes;
      return;
    }
    node_rec& n = nodes[p.node];
    n.zone = e.zone;
    n.addr = e.addr;
    n.capacity_gb = e.capacity_gb;
    if (!n.registered) {
      n.registered = true;
      ++registered_nodes;
    }
  }

  void mutate(const node_unregistered&, const plan& p) {
    node_rec& n = nodes[p.node];
    n.registered = false;
    std::string().swap(n.zone);
    std::string().swap(n.addr);
    n.capacity_gb = 0;
    --registered_nodes;
  }

  void mutate(const zone_assigned& e, const plan& p) { nodes[p.node].zone = e.zone; }

  void mutate(const zone_unassigned&, const plan& p) { nodes[p.node].zone.clear(); }

  void mutate(const object_registered& e, const plan& p) {
    object_index.insert(p.hash, objects.create(p.key, e.size));
  }

  void mutate(const object_removed&, const plan& p) {
    object_index.erase(p.hash, p.object);
    objects.destroy(p.object);
  }

  void mutate(const replica_added&, const plan& p) { hold_replica(p); }

  void mutate(const replica_healed&, const plan& p) { hold_replica(p); }

  /// Makes p.node a holder of p.object (appended when new) and clears its missing mark.
  void hold_replica(const plan& p) {
    const object_rec& r = objects[p.object];
    if (find_id(ids_of(r), 0, r.n_rep, p.node) == npos)
      objects.add_replica(p.object, p.node);
    const object_rec& after = objects[p.object];
    size_t pos = find_id(ids_of(after), after.n_rep, after.n_rep + after.n_miss, p.node);
    if (pos != npos)
      objects.remove_missing_at(p.object, pos);
  }

  void mutate(const replica_marked_missing&, const plan& p) {
    const object_rec& r = objects[p.object];
    objects.remove_replica_at(p.object, find_id(ids_of(r), 0, r.n_rep, p.node));
    const object_rec& after = objects[p.object];
    if (find_id(ids_of(after), after.n_rep, after.n_rep + after.n_miss, p.node) == npos)
      objects.add_missing(p.object, p.node);
  }

  void mutate(const scheduler_weights_updated& e, const plan&) {
    if (e.present & 1u)
      weights.w_cpu = e.w_cpu;
    if (e.present & 2u)
      weights.w_ram = e.w_ram;
    if (e.present & 4u)
      weights.w_gpu = e.w_gpu;
    if (e.present & 8u)
      weights.w_latency = e.w_latency;
    if (e.present & 16u)
      weights.w_io = e.w_io;
  }

  event_outcome decide_any(const event& e, plan& p) const {
    return std::visit([&](const auto& ev) { return decide(ev, p); }, e);
  }

  event_outcome apply_event(const event& e) {
    plan p;
    event_outcome out = decide_any(e, p);
    if (!out.applied) {
      ++counters.events_rejected;
      return out;
    }
    ++counters.events_applied;
    if (!p.noop) {
      std::visit([&](const auto& ev) { mutate(ev, p); }, e);
      dirty = true;
    }
    return out;
  }

  // --- blobs ---

  seq_key cursor_of(const public_key& pub) const {
    auto it = cursors.find(pub);
    return it == cursors.end() ? seq_key{0, 0} : it->second;
  }

  applied_blob apply_blob(const event_blob& blob, da_position pos) {
    applied_blob a{blob.header, pos, {}};
    a.outcomes.reserve(blob.events.size());
    for (const event& e : blob.events)
      a.outcomes.push_back(apply_event(e));
    cursors[blob.header.publisher] = seq_key{blob.header.epoch, blob.header.sequence};
    ++counters.blobs_applied;
    applied_height = std::max(applied_height, pos.height);
    return a;
  }

  // Applies, in order, the held blobs of `pub` that have become next; drops those that have
  // become duplicates.
  void release(const public_key& pub, apply_report& report) {
    auto it = held.find(pub);
    if (it == held.end())
      return;
    auto& queue = it->second;
    while (!queue.empty()) {
      auto first = queue.begin();
      seq_key cursor = cursor_of(pub);
      if (first->first <= cursor) {
        queue.erase(first);
        --held_count;
        ++counters.blobs_duplicate;
        continue;
      }
      if (!is_next(cursor, first->first))
        break;
      held_blob h = std::move(first->second);
      queue.erase(first);
      --held_count;
      report.applied.push_back(apply_blob(h.blob, h.pos));
    }
    if (queue.empty())
      held.erase(it);
    counters.blobs_held = held_count;
  }

  // --- checksum ---

  std::vector<uint32_t> sorted_nodes() const {
    std::vector<uint32_t> order;
    order.reserve(registered_nodes);
    for (uint32_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].registered)
        order.push_back(i);
    }
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return nodes[a].id < nodes[b].id; });
    return order;
  }

  sha256_digest compute_checksum() const {
    sha256_hasher hasher;
    canonical_writer w(hasher);
    w.str("DSDN/state/v1");

    std::vector<uint32_t> node_order = sorted_nodes();
    w.u64(node_order.size());
    for (uint32_t i : node_order) {
      const node_rec& n = nodes[i];
      w.str(n.id);
      w.str(n.zone);
      w.str(n.addr);
      w.u64(n.capacity_gb);
    }

    std::vector<std::pair<uint64_t, uint32_t>> object_order;
    object_order.reserve(objects.live());
    for (uint32_t i = 0; i < objects.slots(); ++i) {
      if (objects[i].size != 0)
        object_order.emplace_back(key_prefix(objects[i]), i);
    }
    std::sort(object_order.begin(), object_order.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first)
        return a.first < b.first;
      return key_less(objects[a.second], objects[b.second]);
    });
    w.u64(object_order.size());
    for (const auto& entry : object_order) {
      const object_rec& r = objects[entry.second];
      const uint32_t* ids = ids_of(r);
      w.hex(r);
      w.u64(r.size);
      w.u32(r.n_rep);
      for (uint32_t k = 0; k < r.n_rep; ++k)
        w.str(nodes[ids[k]].id);
      w.u32(r.n_miss);
      for (uint32_t k = r.n_rep; k < r.n_rep + r.n_miss; ++k)
        w.str(nodes[ids[k]].id);
    }

    w.f64(weights.w_cpu);
    w.f64(weights.w_ram);
    w.f64(weights.w_gpu);
    w.f64(weights.w_latency);
    w.f64(weights.w_io);
    w.flush();
    return hasher.finish();
  }

  object_info info_of(uint32_t i) const {
    const object_rec& r = objects[i];
    const uint32_t* ids = ids_of(r);
    object_info o;
    o.hash = hex_of(r);
    o.size = r.size;
    o.replicas.reserve(r.n_rep);
    for (uint32_t k = 0; k < r.n_rep; ++k)
      o.replicas.push_back(nodes[ids[k]].id);
    o.missing.reserve(r.n_miss);
    for (uint32_t k = r.n_rep; k < r.n_rep + r.n_miss; ++k)
      o.missing.push_back(nodes[ids[k]].id);
    return o;
  }
};

// =============================================================================================

state_machine::state_machine(trusted_publishers trusted, size_t max_held_blobs)
    : impl_(std::make_unique<impl>(std::move(trusted), max_held_blobs)) {}
state_machine::~state_machine() = default;
state_machine::state_machine(state_machine&&) noexcept = default;
state_machine& state_machine::operator=(state_machine&&) noexcept = default;

apply_report state_machine::apply(event_blob blob, da_position pos) {
  impl& m = *impl_;
  apply_report report;
  const public_key pub = blob.header.publisher;
  if (!m.trusted.contains(pub)) {
    ++m.counters.blobs_rejected;
    report.disposition = blob_disposition::untrusted;
    return report;
  }
  seq_key k{blob.header.epoch, blob.header.sequence};
  seq_key cursor = m.cursor_of(pub);
  // Epoch and sequence start at 1 (the codec refuses 0), so a 0 is never next: skip it.
  if (k.first == 0 || k.second == 0 || k <= cursor) {
    ++m.counters.blobs_duplicate;
    report.disposition = blob_disposition::duplicate;
    return report;
  }
  if (!is_next(cursor, k)) {
    auto it = m.held.find(pub);
    if (it != m.held.end() && it->second.count(k) != 0) {
      // The first copy found in DA order is the one that counts.
      ++m.counters.blobs_duplicate;
      report.disposition = blob_disposition::duplicate;
      return report;
    }
    if (m.held_count >= m.max_held) {
      ++m.counters.blobs_rejected;
      report.disposition = blob_disposition::gap_overflow;
      return report;
    }
    m.held[pub].emplace(k, held_blob{std::move(blob), pos});
    ++m.held_count;
    m.counters.blobs_held = m.held_count;
    report.disposition = blob_disposition::held;
    return report;
  }
  report.applied.push_back(m.apply_blob(blob, pos));
  m.release(pub, report);
  return report;
}

event_outcome state_machine::check(const event& e) const {
  plan p;
  return impl_->decide_any(e, p);
}

void state_machine::note_rejected_blob() {
  ++impl_->counters.blobs_rejected;
}

void state_machine::trust(const public_key& key) {
  impl_->trusted.add(key);
}

const trusted_publishers& state_machine::trusted() const {
  return impl_->trusted;
}

std::optional<node_info> state_machine::node(std::string_view id) const {
  const impl& m = *impl_;
  uint32_t i = m.find_node(id, m.node_hash(id));
  if (i == npos || !m.nodes[i].registered)
    return std::nullopt;
  const node_rec& n = m.nodes[i];
  return node_info{n.id, n.zone, n.addr, n.capacity_gb};
}

std::vector<node_info> state_machine::nodes() const {
  const impl& m = *impl_;
  std::vector<node_info> out;
  std::vector<uint32_t> order = m.sorted_nodes();
  out.reserve(order.size());
  for (uint32_t i : order) {
    const node_rec& n = m.nodes[i];
    out.push_back(node_info{n.id, n.zone, n.addr, n.capacity_gb});
  }
  return out;
}

size_t state_machine::node_count() const {
  return impl_->registered_nodes;
}

std::optional<object_info> state_machine::object(std::string_view hash) const {
  const impl& m = *impl_;
  if (check_object_hash(hash))
    return std::nullopt;
  packed_hash k;
  pack(hash, k);
  uint32_t i = m.find_object(k, m.object_hash(k));
  if (i == npos)
    return std::nullopt;
  return m.info_of(i);
}

size_t state_machine::object_count() const {
  return impl_->objects.live();
}

scheduler_weights state_machine::weights() const {
  return impl_->weights;
}

std::optional<publisher_cursor> state_machine::cursor(const public_key& publisher) const {
  auto it = impl_->cursors.find(publisher);
  if (it == impl_->cursors.end())
    return std::nullopt;
  return publisher_cursor{it->first, it->second.first, it->second.second};
}

std::vector<publisher_cursor> state_machine::cursors() const {
  std::vector<publisher_cursor> out;
  out.reserve(impl_->cursors.size());
  for (const auto& [key, c] : impl_->cursors)
    out.push_back(publisher_cursor{key, c.first, c.second});
  return out;
}

std::vector<gap_info> state_machine::gaps() const {
  std::vector<gap_info> out;
  for (const auto& [key, queue] : impl_->held) {
    seq_key c = impl_->cursor_of(key);
    out.push_back(gap_info{key, c.first, c.second, queue.size()});
  }
  return out;
}

const state_counters& state_machine::counters() const {
  return impl_->counters;
}

uint64_t state_machine::applied_height() const {
  return impl_->applied_height;
}

sha256_digest state_machine::checksum() const {
  const impl& m = *impl_;
  if (m.dirty) {
    m.cached = m.compute_checksum();
    m.dirty = false;
  }
  return m.cached;
}

}  // namespace dsdn::core
