#include "dsdn/da/sqlite_da.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dsdn/core/crypto.hpp"
#include "sqlite_util.hpp"

namespace dsdn::da {
namespace {

using sqlite::max_sql_int;
using sqlite::stmt_guard;
using sqlite::stmt_ptr;

// Heights are bounded by `to` and at most `?3` blobs, but a height is never split: the upper
// bound is the height just below the one holding row number max_blobs + 1, unless that is the
// first height in range, which then comes whole.
constexpr const char* range_sql =
    "SELECT height, idx, data, commitment FROM blobs "
    "WHERE height >= ?1 AND height <= ("
    "  SELECT CASE WHEN c IS NULL THEN ?2 WHEN c = f THEN f ELSE c - 1 END FROM ("
    "    SELECT (SELECT height FROM blobs WHERE height BETWEEN ?1 AND ?2"
    "            ORDER BY height, idx LIMIT 1 OFFSET ?3) AS c,"
    "           (SELECT min(height) FROM blobs WHERE height BETWEEN ?1 AND ?2) AS f)) "
    "ORDER BY height, idx";

const sqlite::schema da_schema{
    "a DA database", "blobs",
    "CREATE TABLE blobs(height INTEGER, idx INTEGER, data BLOB, commitment BLOB,"
    " PRIMARY KEY(height, idx)) WITHOUT ROWID;",
    sqlite_da_schema_version};

failure<da_errc> lift(sqlite::error e) {
  return sqlite::convert(
      std::move(e),
      sqlite::code_map<da_errc>{da_errc::io_error, da_errc::corrupt, da_errc::unavailable});
}

class sqlite_da final : public da_backend {
 public:
  explicit sqlite_da(const std::string& path) : db_("sqlite DA " + path + ": ", "database") {}

  // Opens the database at `path`, then reads the head and prepares the statements.
  std::optional<failure<da_errc>> init(const std::string& path) {
    if (auto e = db_.open(path, da_schema)) {
      return lift(std::move(*e));
    }
    if (auto e = load_head()) {
      return e;
    }
    if (auto e = db_.prepare({
            {"INSERT INTO blobs(height, idx, data, commitment) VALUES(?1, ?2, ?3, ?4)", &insert_},
            {"SELECT height, idx, data, commitment FROM blobs WHERE height = ?1 ORDER BY idx",
             &get_all_},
            {range_sql, &get_range_},
        })) {
      return lift(std::move(*e));
    }
    return std::nullopt;
  }

  const char* kind() const override { return "sqlite"; }

  da_result<submit_receipt> submit(const std::vector<blob_bytes>& blobs) override {
    if (auto bad = check_submit(blobs)) {
      return *bad;
    }
    submit_receipt receipt;
    receipt.commitments.reserve(blobs.size());
    for (const auto& b : blobs) {
      receipt.commitments.push_back(core::sha256(b.data(), b.size()));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t height = head_ + 1;
    if (auto err = db_.begin("begin the submit transaction")) {
      return lift(std::move(*err));
    }
    for (size_t i = 0; i < blobs.size(); ++i) {
      sqlite3_stmt* s = insert_.get();
      stmt_guard guard(s);
      sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(height));
      sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(i));
      sqlite3_bind_blob64(s, 3, blobs[i].data(), blobs[i].size(), SQLITE_STATIC);
      sqlite3_bind_blob64(s, 4, receipt.commitments[i].data(), receipt.commitments[i].size(),
                          SQLITE_STATIC);
      const int rc = sqlite3_step(s);
      if (rc != SQLITE_DONE) {
        auto err = fail_rc(
            rc, "insert blob " + std::to_string(i) + " at height " + std::to_string(height));
        db_.rollback();
        return err;
      }
    }
    if (auto err = db_.commit("commit the submit transaction")) {
      db_.rollback();
      return lift(std::move(*err));
    }
    head_ = height;
    receipt.height = height;
    return receipt;
  }

  da_result<std::vector<stored_blob>> get_all(uint64_t height) override {
    std::vector<stored_blob> out;
    if (height == 0 || height > max_sql_int) {
      return out;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    sqlite3_stmt* s = get_all_.get();
    stmt_guard guard(s);
    sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(height));
    if (auto err = read_rows(s, out)) {
      return *err;
    }
    return out;
  }

  da_result<std::vector<stored_blob>> get_range(uint64_t from, uint64_t to,
                                                size_t max_blobs) override {
    std::vector<stored_blob> out;
    to = std::min(to, max_sql_int);
    if (from > to) {
      return out;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    sqlite3_stmt* s = get_range_.get();
    stmt_guard guard(s);
    sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(from));
    sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(to));
    sqlite3_bind_int64(s, 3,
                       static_cast<sqlite3_int64>(std::min<uint64_t>(max_blobs, max_sql_int)));
    if (auto err = read_rows(s, out)) {
      return *err;
    }
    return out;
  }

  da_result<uint64_t> head_height() override {
    std::lock_guard<std::mutex> lock(mutex_);
    return head_;
  }

  bool healthy() override { return true; }

 private:
  const std::string& prefix() const { return db_.prefix(); }

  failure<da_errc> fail_rc(int rc, const std::string& what) const {
    return lift(db_.fail_rc(rc, what));
  }

  std::optional<failure<da_errc>> load_head() {
    stmt_ptr s;
    const int rc = db_.step_once("SELECT max(height) FROM blobs", s);
    if (rc != SQLITE_ROW) {
      return fail_rc(rc, "read the head height");
    }
    const sqlite3_int64 head = sqlite3_column_int64(s.get(), 0);  // NULL (empty) reads as 0
    if (head < 0) {
      return failure<da_errc>{da_errc::corrupt,
                              prefix() + "negative height " + std::to_string(head) + " stored"};
    }
    head_ = static_cast<uint64_t>(head);
    return std::nullopt;
  }

  // Steps `s` (columns height, idx, data, commitment) to the end, checking each row.
  std::optional<failure<da_errc>> read_rows(sqlite3_stmt* s, std::vector<stored_blob>& out) {
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      const sqlite3_int64 height = sqlite3_column_int64(s, 0);
      const sqlite3_int64 idx = sqlite3_column_int64(s, 1);
      const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(s, 2));
      const int size = sqlite3_column_bytes(s, 2);
      const auto* stored = static_cast<const uint8_t*>(sqlite3_column_blob(s, 3));
      const int stored_size = sqlite3_column_bytes(s, 3);
      const std::string where =
          "blob at height " + std::to_string(height) + " index " + std::to_string(idx);
      if (height < 1 || idx < 0 || idx > static_cast<sqlite3_int64>(UINT32_MAX) ||
          data == nullptr || size <= 0) {
        return failure<da_errc>{da_errc::corrupt, prefix() + where + " is malformed"};
      }
      const commitment c = core::sha256(data, static_cast<size_t>(size));
      if (stored_size != static_cast<int>(c.size()) ||
          std::memcmp(stored, c.data(), c.size()) != 0) {
        return failure<da_errc>{da_errc::corrupt,
                                prefix() + where + " does not match its stored commitment"};
      }
      out.push_back(stored_blob{static_cast<uint64_t>(height), static_cast<uint32_t>(idx),
                                blob_bytes(data, data + size)});
    }
    if (rc != SQLITE_DONE) {
      out.clear();
      return fail_rc(rc, "read blobs");
    }
    return std::nullopt;
  }

  std::mutex mutex_;
  uint64_t head_ = 0;
  // Declared before the statements so it is closed after they are finalized.
  sqlite::database db_;
  stmt_ptr insert_;
  stmt_ptr get_all_;
  stmt_ptr get_range_;
};

}  // namespace

da_result<std::unique_ptr<da_backend>> open_sqlite_da(const std::string& path) {
  auto backend = std::make_unique<sqlite_da>(path);
  if (auto err = backend->init(path)) {
    return *err;
  }
  return std::unique_ptr<da_backend>(std::move(backend));
}

}  // namespace dsdn::da
