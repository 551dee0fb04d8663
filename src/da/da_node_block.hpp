#pragma once
// The DA node store's block building and its SQLite rows (see da_node_store.hpp): the schema,
// the square layout of a block's blobs, the header hashes, and the codecs between rows and
// node_block / node_blob. Private to src/da.

#include <sqlite3.h>

#include <cstdint>
#include <vector>

#include "dsdn/core/crypto.hpp"
#include "dsdn/da/da_node_store.hpp"
#include "sqlite_util.hpp"

namespace dsdn::da::node_rows {

/// The database schema (tables blocks, blobs, validator_blobs; kind checked on `blocks`).
extern const sqlite::schema schema;

/// The statements the store prepares (parameters and columns in the codecs' order).
extern const char* const insert_block_sql;
extern const char* const select_block_sql;
extern const char* const insert_blob_sql;
extern const char* const select_blobs_sql;  ///< ?1 height, ?2 namespace; in square order
extern const char* const insert_signed_sql;
extern const char* const select_signed_sql;

/// A mempool entry: the validated input and its commitment (computed at submit).
struct pending_blob {
  node_blob_input in;
  commitment_bytes commitment{};
};

/// Block `prev.height + 1` holding `pool` (prev.height 0: genesis): the blobs in square order
/// (by namespace, stable) into `order`, their EDS indexes into `indexes`, the header fields,
/// hashed and signed with `key`. Time: max(now_ns, prev.time_ns + 1).
node_block build_block(const node_block& prev, const std::vector<pending_blob>& pool,
                       int64_t now_ns, const core::identity_key& key,
                       std::vector<const pending_blob*>& order, std::vector<uint64_t>& indexes);

/// Binds `b` to the insert_block statement and steps it: SQLITE_DONE on success.
int insert_block(sqlite3_stmt* s, const node_block& b);
/// Binds one blob to the insert_blob statement and steps it: SQLITE_DONE on success.
int insert_blob(sqlite3_stmt* s, uint64_t height, uint64_t index, const pending_blob& p);

/// Reads the current row of select_block into `b`; false when it is malformed or its hash
/// does not match its fields.
bool read_block_row(sqlite3_stmt* s, node_block& b);
/// Reads the current row of select_blobs (at `height`, in `ns`) into `b`; false when it is
/// malformed or its data does not match its stored share commitment.
bool read_blob_row(sqlite3_stmt* s, uint64_t height, const celestia_namespace& ns, node_blob& b);

}  // namespace dsdn::da::node_rows
