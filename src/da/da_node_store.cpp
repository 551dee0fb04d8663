// The DA node's store (see da_node_store.hpp): the chain of blocks and their blobs, the
// in-memory mempool and the validator blobs, in da-node.sqlite under the locked data dir.

#include "dsdn/da/da_node_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <mutex>
#include <utility>

#include "da_node_block.hpp"
#include "dsdn/da/data_dir.hpp"
#include "dsdn/da/quorum_proof.hpp"
#include "sqlite_util.hpp"

namespace dsdn::da {
namespace {

using sqlite::stmt_guard;
using sqlite::stmt_ptr;
using opt_failure = std::optional<failure<node_errc>>;
using node_rows::pending_blob;

failure<node_errc> lift(sqlite::error e) {
  return sqlite::convert(
      std::move(e),
      sqlite::code_map<node_errc>{node_errc::io_error, node_errc::corrupt, node_errc::locked});
}

failure<node_errc> fail(node_errc code, std::string message) {
  return failure<node_errc>{code, std::move(message)};
}

void bind_blob(sqlite3_stmt* s, int col, const uint8_t* data, size_t size) {
  sqlite3_bind_blob64(s, col, data, size, SQLITE_STATIC);
}

int64_t to_ns(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

class node_store final : public da_node_store {
 public:
  node_store(data_dir dir, core::identity_key key, node_store_options options)
      : dir_(std::move(dir)),
        key_(std::move(key)),
        options_(std::move(options)),
        db_("da-node " + dir_.file(node_database_file) + ": ", "database") {}

  opt_failure init(std::chrono::system_clock::time_point now) {
    if (auto e = db_.open(dir_.file(node_database_file), node_rows::schema))
      return lift(std::move(*e));
    if (auto e = db_.prepare({{node_rows::insert_block_sql, &insert_block_},
                              {node_rows::select_block_sql, &select_block_},
                              {node_rows::insert_blob_sql, &insert_blob_},
                              {node_rows::select_blobs_sql, &select_blobs_},
                              {node_rows::insert_signed_sql, &insert_signed_},
                              {node_rows::select_signed_sql, &select_signed_}}))
      return lift(std::move(*e));
    stmt_ptr s;
    const int rc = db_.step_once("SELECT max(height) FROM blocks", s);
    if (rc != SQLITE_ROW)
      return lift(db_.fail_rc(rc, "read the head height"));
    const sqlite3_int64 head = sqlite3_column_int64(s.get(), 0);  // NULL (empty) reads 0
    if (head == 0) {
      auto genesis = write_block({}, now);
      return genesis ? std::nullopt : opt_failure(genesis.error());
    }
    auto loaded = read_block(static_cast<uint64_t>(head));
    if (!loaded)
      return loaded.error();
    head_ = loaded.value();
    return std::nullopt;
  }

  const core::public_key& validator_key() const override { return key_.public_key_bytes(); }

  node_result<uint64_t> submit(std::vector<node_blob_input> blobs) override {
    if (blobs.empty())
      return fail(node_errc::invalid, "state: no blobs provided");
    size_t bytes = 0;
    std::vector<pending_blob> pending;
    pending.reserve(blobs.size());
    for (auto& b : blobs) {
      if (auto bad = blob_input_error(b))
        return fail(node_errc::invalid, *bad);
      bytes += b.data.size();
      if (bytes > options_.max_submit_bytes)
        return fail(node_errc::too_large, "blob data of the submission exceeds the maximum of " +
                                              std::to_string(options_.max_submit_bytes) + " bytes");
      const signer_bytes* signer = b.signer ? &*b.signer : nullptr;
      auto c = share_commitment(b.ns, b.data.data(), b.data.size(), b.share_version, signer,
                                default_subtree_root_threshold);
      if (!c)
        return fail(node_errc::invalid, c.error().message);
      pending.push_back(pending_blob{std::move(b), c.value()});
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (mempool_bytes_ + bytes > options_.max_mempool_bytes)
      return fail(node_errc::busy, "mempool is full (" + std::to_string(mempool_bytes_) +
                                       " bytes waiting); try again after the next block");
    mempool_bytes_ += bytes;
    for (auto& p : pending)
      mempool_.push_back(std::move(p));
    return head_.height + 1;
  }

  node_result<node_block> produce_block(std::chrono::system_clock::time_point now) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto block = write_block(mempool_, now);
    if (block) {
      mempool_.clear();
      mempool_bytes_ = 0;
    }
    return block;
  }

  node_block head() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return head_;
  }

  node_result<node_block> block(uint64_t height) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto e = check_height(height))
      return *e;
    return read_block(height);
  }

  node_result<std::vector<node_blob>> get_all(
      uint64_t height, const std::vector<celestia_namespace>& namespaces) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto e = check_height(height))
      return *e;
    std::vector<node_blob> out;
    for (const auto& ns : namespaces)
      if (auto e = read_blobs(height, ns, out))
        return *e;
    return out;
  }

  node_result<node_blob> get(uint64_t height, const celestia_namespace& ns,
                             const std::vector<uint8_t>& commitment) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto e = check_height(height))
      return *e;
    std::vector<node_blob> found;
    if (auto e = read_blobs(height, ns, found))
      return *e;
    for (auto& b : found)
      if (commitment.size() == b.commitment.size() &&
          std::equal(commitment.begin(), commitment.end(), b.commitment.begin()))
        return std::move(b);
    return fail(node_errc::not_found, blob_not_found_message);
  }

  size_t mempool_size() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return mempool_.size();
  }

  node_result<sign_receipt> store_and_sign(const std::vector<uint8_t>& data) override {
    if (data.empty())
      return fail(node_errc::invalid, "data can not be empty");
    if (data.size() > options_.max_validator_blob)
      return fail(node_errc::too_large, "blob of " + std::to_string(data.size()) +
                                            " bytes exceeds the maximum of " +
                                            std::to_string(options_.max_validator_blob));
    sign_receipt r;
    r.commitment = quorum_message(data.data(), data.size());
    r.signature = quorum_sign(key_, data.data(), data.size());
    r.validator_key = key_.public_key_bytes();
    std::lock_guard<std::mutex> lock(mutex_);
    sqlite3_stmt* s = insert_signed_.get();
    stmt_guard guard(s);
    bind_blob(s, 1, r.commitment.data(), r.commitment.size());
    bind_blob(s, 2, data.data(), data.size());
    sqlite3_bind_int64(s, 3, to_ns(std::chrono::system_clock::now()));
    const int rc = sqlite3_step(s);  // autocommit: durable (synchronous=FULL) when done
    if (rc != SQLITE_DONE)
      return lift(db_.fail_rc(rc, "store a validator blob"));
    r.newly_stored = sqlite3_changes(db_.get()) > 0;
    return r;
  }

  node_result<std::vector<uint8_t>> get_by_commitment(
      const std::vector<uint8_t>& commitment) override {
    std::lock_guard<std::mutex> lock(mutex_);
    sqlite3_stmt* s = select_signed_.get();
    stmt_guard guard(s);
    bind_blob(s, 1, commitment.data(), commitment.size());
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
      return fail(node_errc::not_found, blob_not_found_message);
    if (rc != SQLITE_ROW)
      return lift(db_.fail_rc(rc, "read a validator blob"));
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(s, 0));
    std::vector<uint8_t> data(p, p + sqlite3_column_bytes(s, 0));
    const auto digest = quorum_message(data.data(), data.size());
    if (commitment.size() != digest.size() ||
        !std::equal(digest.begin(), digest.end(), commitment.begin()))
      return fail(node_errc::corrupt, db_.prefix() + "validator blob does not match its SHA-256");
    return data;
  }

 private:
  opt_failure check_height(uint64_t height) const {
    if (height == 0)
      return fail(node_errc::height_zero, "height is equal to 0");
    if (height <= head_.height)
      return std::nullopt;
    return fail(height == head_.height + 1 ? node_errc::next_height : node_errc::future_height,
                "header: given height is from the future: networkHeight: " +
                    std::to_string(head_.height) + ", requestedHeight: " + std::to_string(height));
  }

  // Builds block head + 1 from `pool` and writes it with its blobs in one transaction.
  node_result<node_block> write_block(const std::vector<pending_blob>& pool,
                                      std::chrono::system_clock::time_point now) {
    std::vector<const pending_blob*> order;
    std::vector<uint64_t> indexes;
    const node_block b = node_rows::build_block(head_, pool, to_ns(now), key_, order, indexes);
    const std::string what = "write block " + std::to_string(b.height);
    if (auto e = db_.begin(what))
      return lift(std::move(*e));
    int rc = node_rows::insert_block(insert_block_.get(), b);
    for (size_t i = 0; rc == SQLITE_DONE && i < order.size(); ++i)
      rc = node_rows::insert_blob(insert_blob_.get(), b.height, indexes[i], *order[i]);
    if (rc != SQLITE_DONE) {
      auto err = lift(db_.fail_rc(rc, what));
      db_.rollback();
      return err;
    }
    if (auto e = db_.commit(what)) {
      db_.rollback();
      return lift(std::move(*e));
    }
    head_ = b;
    return b;
  }

  node_result<node_block> read_block(uint64_t height) {
    sqlite3_stmt* s = select_block_.get();
    stmt_guard guard(s);
    sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(height));
    const int rc = sqlite3_step(s);
    const std::string where = "block " + std::to_string(height);
    if (rc == SQLITE_DONE)
      return fail(node_errc::corrupt, db_.prefix() + where + " is missing");
    if (rc != SQLITE_ROW)
      return lift(db_.fail_rc(rc, "read " + where));
    node_block b;
    if (!node_rows::read_block_row(s, b))
      return fail(node_errc::corrupt, db_.prefix() + where + " is malformed");
    return b;
  }

  // Appends the blobs at (height, ns) in square order to `out`, checking each commitment.
  opt_failure read_blobs(uint64_t height, const celestia_namespace& ns,
                         std::vector<node_blob>& out) {
    sqlite3_stmt* s = select_blobs_.get();
    stmt_guard guard(s);
    const auto nsb = ns.bytes();
    sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(height));
    bind_blob(s, 2, nsb.data(), nsb.size());
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      node_blob b;
      if (!node_rows::read_blob_row(s, height, ns, b))
        return fail(node_errc::corrupt,
                    db_.prefix() + "a blob at height " + std::to_string(height) + " index " +
                        std::to_string(b.index) + " does not match its stored commitment");
      out.push_back(std::move(b));
    }
    if (rc != SQLITE_DONE)
      return lift(db_.fail_rc(rc, "read blobs"));
    return std::nullopt;
  }

  data_dir dir_;
  core::identity_key key_;
  const node_store_options options_;
  mutable std::mutex mutex_;
  node_block head_;  // height 0 until the genesis block is written
  std::vector<pending_blob> mempool_;
  size_t mempool_bytes_ = 0;
  // Declared before the statements so it is closed after they are finalized.
  sqlite::database db_;
  stmt_ptr insert_block_, select_block_, insert_blob_, select_blobs_, insert_signed_,
      select_signed_;
};

}  // namespace

node_result<std::unique_ptr<da_node_store>> da_node_store::open(
    const node_store_options& options, std::chrono::system_clock::time_point now) {
  auto dir = data_dir::open(options.data_dir);
  if (!dir) {
    const auto code =
        dir.error().code == dir_errc::locked ? node_errc::locked : node_errc::io_error;
    return fail(code, dir.error().message);
  }
  auto key = dir.value().load_or_create_identity();
  if (!key) {
    const auto code =
        key.error().code == dir_errc::io_error ? node_errc::io_error : node_errc::corrupt;
    return fail(code, key.error().message);
  }
  auto store =
      std::make_unique<node_store>(std::move(dir).value(), std::move(key).value(), options);
  if (auto e = store->init(now))
    return *e;
  return std::unique_ptr<da_node_store>(std::move(store));
}

}  // namespace dsdn::da
