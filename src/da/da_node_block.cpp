// Block building and row codecs of the DA node store (see da_node_block.hpp), and the public
// free functions of da_node_store.hpp.

#include "da_node_block.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace dsdn::da {

namespace node_rows {

namespace {

#define DSDN_BLOCK_COLS                                                                 \
  "height, time_ns, blob_count, share_count, square_size, data_hash, hash, last_hash, " \
  "signature, min_ns, max_ns"
#define DSDN_BLOB_COLS "height, idx, namespace, share_version, signer, data, commitment"

template <size_t N>
bool column_array(sqlite3_stmt* s, int col, std::array<uint8_t, N>& out) {
  if (sqlite3_column_bytes(s, col) != static_cast<int>(N))
    return false;
  std::memcpy(out.data(), sqlite3_column_blob(s, col), N);
  return true;
}

bool column_namespace(sqlite3_stmt* s, int col, std::optional<celestia_namespace>& out) {
  if (sqlite3_column_type(s, col) == SQLITE_NULL)
    return true;
  auto ns = namespace_from_bytes(static_cast<const uint8_t*>(sqlite3_column_blob(s, col)),
                                 static_cast<size_t>(sqlite3_column_bytes(s, col)));
  if (!ns)
    return false;
  out = ns.value();
  return true;
}

void bind_blob(sqlite3_stmt* s, int col, const uint8_t* data, size_t size) {
  sqlite3_bind_blob64(s, col, data, size, SQLITE_STATIC);
}

// The smallest power of two k with k * k >= shares (at least 1).
uint32_t square_size_for(uint64_t shares) {
  uint64_t k = 1;
  while (k * k < shares)
    k *= 2;
  return static_cast<uint32_t>(k);
}

}  // namespace

const sqlite::schema schema{
    "a DA node database", "blocks",
    "CREATE TABLE blocks(height INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL,"
    " blob_count INTEGER NOT NULL, share_count INTEGER NOT NULL, square_size INTEGER NOT NULL,"
    " data_hash BLOB NOT NULL, hash BLOB NOT NULL, last_hash BLOB NOT NULL,"
    " signature BLOB NOT NULL, min_ns BLOB, max_ns BLOB);"
    "CREATE TABLE blobs(id INTEGER PRIMARY KEY, height INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " namespace BLOB NOT NULL, share_version INTEGER NOT NULL, signer BLOB, data BLOB NOT NULL,"
    " commitment BLOB NOT NULL);"
    "CREATE UNIQUE INDEX blobs_at ON blobs(height, namespace, idx);"
    "CREATE TABLE validator_blobs(id INTEGER PRIMARY KEY, commitment BLOB NOT NULL UNIQUE,"
    " data BLOB NOT NULL, stored_ns INTEGER NOT NULL);",
    node_store_schema_version};

const char* const insert_block_sql =
    "INSERT INTO blocks(" DSDN_BLOCK_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
const char* const select_block_sql = "SELECT " DSDN_BLOCK_COLS " FROM blocks WHERE height = ?1";
const char* const insert_blob_sql =
    "INSERT INTO blobs(" DSDN_BLOB_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const char* const select_blobs_sql = "SELECT " DSDN_BLOB_COLS
                                     " FROM blobs WHERE height = ?1 AND namespace = ?2"
                                     " ORDER BY idx";
const char* const insert_signed_sql =
    "INSERT OR IGNORE INTO validator_blobs(commitment, data, stored_ns) VALUES(?1, ?2, ?3)";
const char* const select_signed_sql = "SELECT data FROM validator_blobs WHERE commitment = ?1";

node_block build_block(const node_block& prev, const std::vector<pending_blob>& pool,
                       int64_t now_ns, const core::identity_key& key,
                       std::vector<const pending_blob*>& order, std::vector<uint64_t>& indexes) {
  order.clear();
  indexes.clear();
  for (const auto& p : pool)
    order.push_back(&p);
  std::stable_sort(order.begin(), order.end(), [](const pending_blob* a, const pending_blob* b) {
    return a->in.ns < b->in.ns;
  });
  node_block b;
  b.height = prev.height + 1;
  b.time_ns = prev.height == 0 ? now_ns : std::max(now_ns, prev.time_ns + 1);
  b.blob_count = static_cast<uint32_t>(order.size());
  b.last_hash = prev.hash;
  core::sha256_hasher data_hash;
  for (const auto* p : order) {
    indexes.push_back(b.share_count);  // the original square position, mapped below
    b.share_count += sparse_share_count(p->in.data.size(), p->in.share_version);
    const auto ns = p->in.ns.bytes();
    data_hash.update(ns.data(), ns.size());
    data_hash.update(p->commitment.data(), p->commitment.size());
  }
  b.data_hash = data_hash.finish();
  b.square_size = square_size_for(std::max<uint64_t>(b.share_count, 1));
  const uint64_t k = b.square_size;
  for (auto& s : indexes)
    s = (s / k) * 2 * k + s % k;  // row s / k of the EDS, whose rows are 2k wide
  if (!order.empty()) {
    b.min_ns = order.front()->in.ns;
    b.max_ns = order.back()->in.ns;
  }
  b.hash = block_hash(b.height, b.time_ns, b.data_hash, b.last_hash);
  b.signature = key.sign(b.hash.data(), b.hash.size());
  return b;
}

int insert_block(sqlite3_stmt* s, const node_block& b) {
  sqlite::stmt_guard guard(s);
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(b.height));
  sqlite3_bind_int64(s, 2, b.time_ns);
  sqlite3_bind_int64(s, 3, b.blob_count);
  sqlite3_bind_int64(s, 4, static_cast<sqlite3_int64>(b.share_count));
  sqlite3_bind_int64(s, 5, b.square_size);
  bind_blob(s, 6, b.data_hash.data(), b.data_hash.size());
  bind_blob(s, 7, b.hash.data(), b.hash.size());
  bind_blob(s, 8, b.last_hash.data(), b.last_hash.size());
  bind_blob(s, 9, b.signature.data(), b.signature.size());
  std::array<uint8_t, namespace_size> lo{}, hi{};
  if (b.min_ns && b.max_ns) {
    lo = b.min_ns->bytes();
    hi = b.max_ns->bytes();
    bind_blob(s, 10, lo.data(), lo.size());
    bind_blob(s, 11, hi.data(), hi.size());
  }
  return sqlite3_step(s);
}

int insert_blob(sqlite3_stmt* s, uint64_t height, uint64_t index, const pending_blob& p) {
  sqlite::stmt_guard guard(s);
  const auto ns = p.in.ns.bytes();
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(height));
  sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(index));
  bind_blob(s, 3, ns.data(), ns.size());
  sqlite3_bind_int(s, 4, p.in.share_version);
  if (p.in.signer)
    bind_blob(s, 5, p.in.signer->data(), p.in.signer->size());
  bind_blob(s, 6, p.in.data.data(), p.in.data.size());
  bind_blob(s, 7, p.commitment.data(), p.commitment.size());
  return sqlite3_step(s);
}

bool read_block_row(sqlite3_stmt* s, node_block& b) {
  b.height = static_cast<uint64_t>(sqlite3_column_int64(s, 0));
  b.time_ns = sqlite3_column_int64(s, 1);
  b.blob_count = static_cast<uint32_t>(sqlite3_column_int64(s, 2));
  b.share_count = static_cast<uint64_t>(sqlite3_column_int64(s, 3));
  b.square_size = static_cast<uint32_t>(sqlite3_column_int64(s, 4));
  return column_array(s, 5, b.data_hash) && column_array(s, 6, b.hash) &&
         column_array(s, 7, b.last_hash) && column_array(s, 8, b.signature) &&
         column_namespace(s, 9, b.min_ns) && column_namespace(s, 10, b.max_ns) &&
         b.square_size >= 1 && b.hash == block_hash(b.height, b.time_ns, b.data_hash, b.last_hash);
}

bool read_blob_row(sqlite3_stmt* s, uint64_t height, const celestia_namespace& ns, node_blob& b) {
  b.height = height;
  b.index = static_cast<uint64_t>(sqlite3_column_int64(s, 1));
  b.ns = ns;
  b.share_version = static_cast<uint8_t>(sqlite3_column_int(s, 3));
  if (sqlite3_column_type(s, 4) != SQLITE_NULL &&
      (b.signer.emplace(), !column_array(s, 4, *b.signer)))
    return false;
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(s, 5));
  b.data.assign(p, p + sqlite3_column_bytes(s, 5));
  if (!column_array(s, 6, b.commitment))
    return false;
  auto c = share_commitment(ns, b.data.data(), b.data.size(), b.share_version,
                            b.signer ? &*b.signer : nullptr, default_subtree_root_threshold);
  return c.ok() && c.value() == b.commitment;
}

}  // namespace node_rows

namespace {

void put_u64(core::sha256_hasher& h, uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; ++i)
    b[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  h.update(b, sizeof b);
}

}  // namespace

const char* to_string(node_errc e) {
  switch (e) {
    case node_errc::io_error:
      return "io_error";
    case node_errc::corrupt:
      return "corrupt";
    case node_errc::locked:
      return "locked";
    case node_errc::invalid:
      return "invalid";
    case node_errc::too_large:
      return "too_large";
    case node_errc::busy:
      return "busy";
    case node_errc::not_found:
      return "not_found";
    case node_errc::height_zero:
      return "height_zero";
    case node_errc::next_height:
      return "next_height";
    case node_errc::future_height:
      return "future_height";
  }
  return "unknown";
}

core::sha256_digest block_hash(uint64_t height, int64_t time_ns,
                               const core::sha256_digest& data_hash,
                               const core::sha256_digest& last_hash) {
  core::sha256_hasher h;
  h.update("dsdn-da-node block v1");
  put_u64(h, height);
  put_u64(h, static_cast<uint64_t>(time_ns));
  h.update(data_hash.data(), data_hash.size());
  h.update(last_hash.data(), last_hash.size());
  return h.finish();
}

std::optional<std::string> blob_input_error(const node_blob_input& blob) {
  // celestia-node blob.NewBlob: ValidateForBlob first, then go-square's NewBlob checks.
  if (auto bad = validate_for_blob(blob.ns))
    return "invalid user namespace: " + bad->message;
  if (blob.data.empty())
    return std::string("data can not be empty");
  const unsigned v = blob.share_version;
  if (v == share_version_zero && blob.signer)
    return std::string("share version 0 does not support signer");
  if ((v == 1 || v == 2) && !blob.signer)
    return "share version " + std::to_string(v) + " requires signer of size 20 bytes";
  if (v == 2)
    return std::string("share version 2 (Fibre system blobs) is not supported by this node");
  if (v > 2)
    return "share version " + std::to_string(v) + " not supported. Please use 0, 1, or 2";
  return std::nullopt;
}

}  // namespace dsdn::da
