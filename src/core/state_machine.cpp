#include "dsdn/core/state_machine.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <random>
#include <type_traits>
#include <utility>

#include "dsdn/core/validation.hpp"

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

constexpr uint32_t npos = UINT32_MAX;

// ---------------------------------------------------------------------------------------------
// Hashing for the in-memory indexes. The seed is per instance: it shapes only the table layout,
// never a result (nothing iterates a table to produce output), and keeps crafted keys from
// piling up in one probe run.

uint64_t fold_mul(uint64_t a, uint64_t b) {
  unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

uint64_t hash_bytes(const void* data, size_t n, uint64_t seed) {
  constexpr uint64_t k0 = 0xa0761d6478bd642full;
  constexpr uint64_t k1 = 0xe7037ed1a0b428dbull;
  constexpr uint64_t k2 = 0x8ebc6af09c88c6e3ull;
  auto p = static_cast<const uint8_t*>(data);
  uint64_t h = seed ^ fold_mul(n ^ k0, k2);
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = fold_mul(h ^ w, k1) + k0;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = fold_mul(h ^ w, k1) + k0;
  }
  return fold_mul(h ^ (h >> 29), k2);
}

// Open addressing with linear probing and backward-shift deletion. A slot holds the low 32 bits
// of the key's hash (which also locate its home slot) and the record index + 1; 0 is empty.
// Keys live in the records, so the table costs 8 bytes per slot and at most 4/3 slots per key.
class index_table {
 public:
  template <class Eq>
  uint32_t find(uint64_t h, Eq&& eq) const {
    if (slots_.empty())
      return npos;
    auto frag = static_cast<uint32_t>(h);
    size_t mask = slots_.size() - 1;
    for (size_t i = frag & mask;; i = (i + 1) & mask) {
      uint64_t s = slots_[i];
      if (s == 0)
        return npos;
      if (static_cast<uint32_t>(s >> 32) == frag) {
        uint32_t idx = static_cast<uint32_t>(s) - 1;
        if (eq(idx))
          return idx;
      }
    }
  }

  /// `idx` must not be in the table yet.
  void insert(uint64_t h, uint32_t idx) {
    if ((size_ + 1) * 4 > slots_.size() * 3)
      grow();
    place((static_cast<uint64_t>(static_cast<uint32_t>(h)) << 32) | (uint64_t{idx} + 1));
    ++size_;
  }

  /// `idx` must be in the table under `h`.
  void erase(uint64_t h, uint32_t idx) {
    auto frag = static_cast<uint32_t>(h);
    uint64_t want = (static_cast<uint64_t>(frag) << 32) | (uint64_t{idx} + 1);
    size_t mask = slots_.size() - 1;
    size_t i = frag & mask;
    while (slots_[i] != want)
      i = (i + 1) & mask;
    for (size_t j = (i + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
      size_t home = static_cast<uint32_t>(slots_[j] >> 32) & mask;
      // The entry at j may fill the hole at i unless its home lies cyclically in (i, j].
      bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (!stays) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = 0;
    --size_;
  }

 private:
  void place(uint64_t slot) {
    size_t mask = slots_.size() - 1;
    size_t i = static_cast<uint32_t>(slot >> 32) & mask;
    while (slots_[i] != 0)
      i = (i + 1) & mask;
    slots_[i] = slot;
  }

  void grow() {
    std::vector<uint64_t> old(std::max<size_t>(16, slots_.size() * 2), 0);
    old.swap(slots_);
    for (uint64_t s : old) {
      if (s != 0)
        place(s);
    }
  }

  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Nodes: ids are interned for good (objects refer to nodes by index, and replicas of an
// unregistered node stay), so a node's index never changes.

struct node_rec {
  std::string id;
  std::string zone;
  std::string addr;
  uint64_t capacity_gb = 0;
  bool registered = false;
};

// ---------------------------------------------------------------------------------------------
// Objects: a compact record (72 bytes) holding the hash as packed nibbles and the holders as
// node indices. Hashes of up to 64 hex digits and up to 4 holders live inline; longer ones
// on the heap. Records are trivially copyable; object_store owns their heap parts.

constexpr size_t inline_key_bytes = 32;
constexpr uint32_t inline_holders = 4;

/// A validated hex hash as nibbles (high nibble first, zero padded) plus its digit count.
struct packed_hash {
  uint8_t len = 0;
  uint8_t bytes[64] = {};
  size_t byte_len() const { return (len + 1u) / 2u; }
};

constexpr std::array<uint8_t, 256> make_nibbles() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    if (c >= '0' && c <= '9')
      t[size_t(c)] = uint8_t(c - '0');
    if (c >= 'a' && c <= 'f')
      t[size_t(c)] = uint8_t(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
      t[size_t(c)] = uint8_t(c - 'A' + 10);
  }
  return t;
}
constexpr std::array<uint8_t, 256> nibbles = make_nibbles();

uint8_t nibble(char c) {
  return nibbles[static_cast<unsigned char>(c)];
}

// Bytes past byte_len() are left as they are: nothing reads them.
void pack(std::string_view hex, packed_hash& out) {
  out.len = static_cast<uint8_t>(hex.size());
  size_t pairs = hex.size() / 2;
  for (size_t i = 0; i < pairs; ++i)
    out.bytes[i] = static_cast<uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  if (hex.size() % 2 == 1)
    out.bytes[pairs] = static_cast<uint8_t>(nibble(hex.back()) << 4);
}

struct object_rec {
  uint64_t size = 0;  // 0 marks a free record (a registered object has size >= 1)
  union {
    uint8_t inline_bytes[inline_key_bytes];
    uint8_t* heap;
  } key;
  union {
    uint32_t inline_ids[inline_holders];
    uint32_t* heap;
  } ids;
  uint32_t n_rep = 0;   // ids[0, n_rep): replica holders, insertion order
  uint32_t n_miss = 0;  // ids[n_rep, n_rep + n_miss): missing holders, insertion order
  uint32_t cap = inline_holders;
  uint8_t key_len = 0;  // hex digits
};
static_assert(std::is_trivially_copyable_v<object_rec>);

const uint8_t* key_of(const object_rec& r) {
  return (r.key_len + 1u) / 2u > inline_key_bytes ? r.key.heap : r.key.inline_bytes;
}
const uint32_t* ids_of(const object_rec& r) {
  return r.cap > inline_holders ? r.ids.heap : r.ids.inline_ids;
}
uint32_t* ids_of(object_rec& r) {
  return r.cap > inline_holders ? r.ids.heap : r.ids.inline_ids;
}

bool key_equals(const object_rec& r, const packed_hash& k) {
  return r.key_len == k.len && std::memcmp(key_of(r), k.bytes, k.byte_len()) == 0;
}

// Lexicographic order of the lower-case hex strings, computed on the nibbles.
bool key_less(const object_rec& a, const object_rec& b) {
  const uint8_t* ka = key_of(a);
  const uint8_t* kb = key_of(b);
  size_t common = std::min(a.key_len, b.key_len);
  if (int c = std::memcmp(ka, kb, common / 2); c != 0)
    return c < 0;
  if (common % 2 == 1) {
    uint8_t na = ka[common / 2] >> 4;
    uint8_t nb = kb[common / 2] >> 4;
    if (na != nb)
      return na < nb;
  }
  return a.key_len < b.key_len;
}

// Digits 0..15 of the hash as a big-endian integer: a sort prefix consistent with key_less.
uint64_t key_prefix(const object_rec& r) {
  const uint8_t* k = key_of(r);
  size_t n = std::min<size_t>(8, (r.key_len + 1u) / 2u);
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i)
    v = (v << 8) | (i < n ? k[i] : 0);
  return v;
}

std::string hex_of(const object_rec& r) {
  static constexpr char digits[] = "0123456789abcdef";
  const uint8_t* k = key_of(r);
  std::string s(r.key_len, '0');
  for (size_t i = 0; i < r.key_len; ++i)
    s[i] = digits[(k[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 15];
  return s;
}

size_t find_id(const uint32_t* ids, uint32_t from, uint32_t to, uint32_t node) {
  for (uint32_t i = from; i < to; ++i) {
    if (ids[i] == node)
      return i;
  }
  return npos;
}

class object_store {
 public:
  object_store() = default;
  object_store(const object_store&) = delete;
  object_store& operator=(const object_store&) = delete;
  object_store(object_store&& other) noexcept
      : recs_(std::move(other.recs_)), free_(std::move(other.free_)), live_(other.live_) {
    other.recs_.clear();
    other.live_ = 0;
  }
  object_store& operator=(object_store&& other) noexcept {
    if (this != &other) {
      release_all();
      recs_ = std::move(other.recs_);
      free_ = std::move(other.free_);
      live_ = other.live_;
      other.recs_.clear();
      other.live_ = 0;
    }
    return *this;
  }
  ~object_store() { release_all(); }

  const object_rec& operator[](uint32_t i) const { return recs_[i]; }
  size_t live() const { return live_; }
  size_t slots() const { return recs_.size(); }

  uint32_t create(const packed_hash& k, uint64_t size) {
    uint32_t i;
    if (!free_.empty()) {
      i = free_.back();
      free_.pop_back();
    } else {
      i = static_cast<uint32_t>(recs_.size());
      recs_.emplace_back();
    }
    object_rec& r = recs_[i];
    r = object_rec{};
    r.size = size;
    r.key_len = k.len;
    if (k.byte_len() > inline_key_bytes) {
      r.key.heap = new uint8_t[k.byte_len()];
      std::memcpy(r.key.heap, k.bytes, k.byte_len());
    } else {
      std::memcpy(r.key.inline_bytes, k.bytes, k.byte_len());
    }
    ++live_;
    return i;
  }

  void destroy(uint32_t i) {
    release(recs_[i]);
    recs_[i] = object_rec{};
    free_.push_back(i);
    --live_;
  }

  /// Appends `node` to the replica holders (it must not be one).
  void add_replica(uint32_t i, uint32_t node) {
    object_rec& r = recs_[i];
    reserve_one(r);
    uint32_t* ids = ids_of(r);
    std::memmove(ids + r.n_rep + 1, ids + r.n_rep, r.n_miss * sizeof(uint32_t));
    ids[r.n_rep++] = node;
  }

  /// Removes the replica holder at position `pos`.
  void remove_replica_at(uint32_t i, size_t pos) {
    object_rec& r = recs_[i];
    uint32_t* ids = ids_of(r);
    std::memmove(ids + pos, ids + pos + 1, (r.n_rep + r.n_miss - pos - 1) * sizeof(uint32_t));
    --r.n_rep;
  }

  /// Appends `node` to the missing holders (it must not be one).
  void add_missing(uint32_t i, uint32_t node) {
    object_rec& r = recs_[i];
    reserve_one(r);
    ids_of(r)[r.n_rep + r.n_miss++] = node;
  }

  /// Removes the holder at `pos` (an index into the missing section).
  void remove_missing_at(uint32_t i, size_t pos) {
    object_rec& r = recs_[i];
    uint32_t* ids = ids_of(r);
    std::memmove(ids + pos, ids + pos + 1, (r.n_rep + r.n_miss - pos - 1) * sizeof(uint32_t));
    --r.n_miss;
  }

 private:
  static void reserve_one(object_rec& r) {
    if (r.n_rep + r.n_miss < r.cap)
      return;
    uint32_t cap = r.cap * 2;
    auto* grown = new uint32_t[cap];
    std::memcpy(grown, ids_of(r), (r.n_rep + r.n_miss) * sizeof(uint32_t));
    if (r.cap > inline_holders)
      delete[] r.ids.heap;
    r.ids.heap = grown;
    r.cap = cap;
  }

  static void release(object_rec& r) {
    if ((r.key_len + 1u) / 2u > inline_key_bytes)
      delete[] r.key.heap;
    if (r.cap > inline_holders)
      delete[] r.ids.heap;
  }

  void release_all() {
    for (auto& r : recs_) {
      if (r.size != 0)
        release(r);
    }
  }

  std::vector<object_rec> recs_;
  std::vector<uint32_t> free_;
  size_t live_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The canonical state encoding, fed to SHA-256 through a small buffer. Integers are fixed-width
// little-endian; str = u32 length + bytes; doubles are their IEEE-754 bits as u64.
//
//   str  "DSDN/state/v1"                                       domain tag
//   u64  node count, then per registered node sorted by id (bytewise):
//        str id, str zone ("" when in no zone), str addr, u64 capacity_gb
//   u64  object count, then per object sorted by lower-case hex hash (bytewise):
//        str hash, u64 size,
//        u32 replica count, str node id per replica (insertion order),
//        u32 missing count, str node id per missing holder (insertion order)
//   f64  w_cpu, w_ram, w_gpu, w_latency, w_io
//
// Publisher cursors, counters, heights and the hold buffer are deliberately left out: they
// record how the events were delivered (how they were batched into blobs), not the facts the
// events established, so the same events give the same checksum however they were batched.

class canonical_writer {
 public:
  explicit canonical_writer(sha256_hasher& h) : h_(h) {}
  void u32(uint32_t v) {
    reserve(4);
    for (int i = 0; i < 4; ++i)
      buf_[pos_++] = static_cast<uint8_t>(v >> (8 * i));
  }
  void u64(uint64_t v) {
    reserve(8);
    for (int i = 0; i < 8; ++i)
      buf_[pos_++] = static_cast<uint8_t>(v >> (8 * i));
  }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    if (s.size() > sizeof(buf_) - pos_) {
      flush();
      if (s.size() > sizeof(buf_)) {
        h_.update(s);
        return;
      }
    }
    std::memcpy(buf_ + pos_, s.data(), s.size());
    pos_ += s.size();
  }
  void hex(const object_rec& r) {
    static constexpr char digits[] = "0123456789abcdef";
    u32(r.key_len);
    reserve(r.key_len);
    const uint8_t* k = key_of(r);
    for (size_t i = 0; i < r.key_len; ++i)
      buf_[pos_++] = static_cast<uint8_t>(digits[(k[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 15]);
  }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    u64(bits);
  }
  void flush() {
    if (pos_ > 0)
      h_.update(buf_, pos_);
    pos_ = 0;
  }

 private:
  void reserve(size_t n) {
    if (sizeof(buf_) - pos_ < n)
      flush();
  }
  sha256_hasher& h_;
  uint8_t buf_[16384];
  size_t pos_ = 0;
};

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
