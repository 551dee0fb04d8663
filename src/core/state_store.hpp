#pragma once
// Internal storage of the state machine: the hash indexes, the node and object records, and
// the canonical encoding writer behind the checksum. Included only by state_machine.cpp.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "dsdn/core/crypto.hpp"

namespace dsdn::core::detail {

inline constexpr uint32_t npos = UINT32_MAX;

// ---------------------------------------------------------------------------------------------
// Hashing for the in-memory indexes. The seed is per instance: it shapes only the table layout,
// never a result (nothing iterates a table to produce output), and keeps crafted keys from
// piling up in one probe run.

inline uint64_t fold_mul(uint64_t a, uint64_t b) {
  unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

inline uint64_t hash_bytes(const void* data, size_t n, uint64_t seed) {
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

inline constexpr size_t inline_key_bytes = 32;
inline constexpr uint32_t inline_holders = 4;

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
inline constexpr std::array<uint8_t, 256> nibbles = make_nibbles();

inline uint8_t nibble(char c) {
  return nibbles[static_cast<unsigned char>(c)];
}

// Bytes past byte_len() are left as they are: nothing reads them.
inline void pack(std::string_view hex, packed_hash& out) {
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

inline const uint8_t* key_of(const object_rec& r) {
  return (r.key_len + 1u) / 2u > inline_key_bytes ? r.key.heap : r.key.inline_bytes;
}
inline const uint32_t* ids_of(const object_rec& r) {
  return r.cap > inline_holders ? r.ids.heap : r.ids.inline_ids;
}
inline uint32_t* ids_of(object_rec& r) {
  return r.cap > inline_holders ? r.ids.heap : r.ids.inline_ids;
}

inline bool key_equals(const object_rec& r, const packed_hash& k) {
  return r.key_len == k.len && std::memcmp(key_of(r), k.bytes, k.byte_len()) == 0;
}

// Lexicographic order of the lower-case hex strings, computed on the nibbles.
inline bool key_less(const object_rec& a, const object_rec& b) {
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
inline uint64_t key_prefix(const object_rec& r) {
  const uint8_t* k = key_of(r);
  size_t n = std::min<size_t>(8, (r.key_len + 1u) / 2u);
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i)
    v = (v << 8) | (i < n ? k[i] : 0);
  return v;
}

inline std::string hex_of(const object_rec& r) {
  static constexpr char digits[] = "0123456789abcdef";
  const uint8_t* k = key_of(r);
  std::string s(r.key_len, '0');
  for (size_t i = 0; i < r.key_len; ++i)
    s[i] = digits[(k[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 15];
  return s;
}

inline size_t find_id(const uint32_t* ids, uint32_t from, uint32_t to, uint32_t node) {
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

}  // namespace dsdn::core::detail
