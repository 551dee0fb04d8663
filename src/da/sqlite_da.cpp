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

namespace dsdn::da {
namespace {

struct db_closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct stmt_finalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;

// Resets a cached statement when a call ends, so it never keeps a read open or a stale binding.
class stmt_guard {
 public:
  explicit stmt_guard(sqlite3_stmt* s) : s_(s) {}
  ~stmt_guard() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  stmt_guard(const stmt_guard&) = delete;
  stmt_guard& operator=(const stmt_guard&) = delete;

 private:
  sqlite3_stmt* s_;
};

constexpr uint64_t max_sql_int = static_cast<uint64_t>(INT64_MAX);

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

da_errc classify(int rc) {
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return da_errc::corrupt;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return da_errc::unavailable;
    default:
      return da_errc::io_error;
  }
}

class sqlite_da final : public da_backend {
 public:
  sqlite_da(std::string path, db_ptr db) : path_(std::move(path)), db_(std::move(db)) {}

  // Everything open_sqlite_da does after sqlite3_open: pragmas, schema, head, statements.
  std::optional<failure<da_errc>> init() {
    sqlite3_extended_result_codes(db_.get(), 1);
    // Fail fast instead of waiting on a lock another connection holds.
    sqlite3_busy_timeout(db_.get(), 0);
    // EXCLUSIVE before WAL: the lock is kept once taken, and WAL then needs no shared memory.
    if (auto err = exec("PRAGMA locking_mode=EXCLUSIVE", "set locking_mode=EXCLUSIVE")) {
      return err;
    }
    {
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v2(db_.get(), "PRAGMA journal_mode=WAL", -1, &raw, nullptr);
      stmt_ptr s(raw);
      if (rc == SQLITE_OK) {
        rc = sqlite3_step(s.get());
      }
      if (rc != SQLITE_ROW) {
        return fail_rc(rc, "cannot open the database");
      }
      const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
      if (mode == nullptr || std::strcmp(mode, "wal") != 0) {
        return failure<da_errc>{da_errc::io_error,
                                prefix() + "journal_mode=WAL refused (journal mode is " +
                                    (mode ? mode : "unknown") + ")"};
      }
    }
    if (auto err = exec("PRAGMA synchronous=FULL", "set synchronous=FULL")) {
      return err;
    }
    if (auto err = exec("BEGIN IMMEDIATE", "begin the schema transaction")) {
      return err;
    }
    auto err = check_schema();
    if (err) {
      exec("ROLLBACK", "roll back the schema transaction");
      return err;
    }
    if (auto e = exec("COMMIT", "commit the schema transaction")) {
      return e;
    }
    if (auto e = load_head()) {
      return e;
    }
    if (auto e = prepare("INSERT INTO blobs(height, idx, data, commitment) VALUES(?1, ?2, ?3, ?4)",
                         insert_)) {
      return e;
    }
    if (auto e = prepare("SELECT height, idx, data, commitment FROM blobs WHERE height = ?1 "
                         "ORDER BY idx",
                         get_all_)) {
      return e;
    }
    if (auto e = prepare(range_sql, get_range_)) {
      return e;
    }
    if (auto e = prepare("BEGIN IMMEDIATE", begin_)) {
      return e;
    }
    if (auto e = prepare("COMMIT", commit_)) {
      return e;
    }
    return prepare("ROLLBACK", rollback_);
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
    if (auto err = step_done(begin_.get(), "begin the submit transaction")) {
      return *err;
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
        rollback();
        return err;
      }
    }
    if (auto err = step_done(commit_.get(), "commit the submit transaction")) {
      rollback();
      return *err;
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
  std::string prefix() const { return "sqlite DA " + path_ + ": "; }

  failure<da_errc> fail_rc(int rc, const std::string& what) const {
    std::string msg = prefix() + what + ": " + sqlite3_errmsg(db_.get());
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
      msg +=
          " (the database is held by another connection or process: it is opened with "
          "locking_mode=EXCLUSIVE and only one opener is allowed)";
    }
    return failure<da_errc>{classify(rc), std::move(msg)};
  }

  std::optional<failure<da_errc>> exec(const char* sql, const std::string& what) {
    const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      return fail_rc(rc, what);
    }
    return std::nullopt;
  }

  std::optional<failure<da_errc>> prepare(const char* sql, stmt_ptr& out) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    out.reset(raw);
    if (rc != SQLITE_OK) {
      return fail_rc(rc, std::string("prepare `") + sql + "`");
    }
    return std::nullopt;
  }

  std::optional<failure<da_errc>> step_done(sqlite3_stmt* s, const std::string& what) {
    stmt_guard guard(s);
    const int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
      return fail_rc(rc, what);
    }
    return std::nullopt;
  }

  void rollback() {
    if (!sqlite3_get_autocommit(db_.get())) {
      stmt_guard guard(rollback_.get());
      sqlite3_step(rollback_.get());
    }
  }

  bool table_exists(const char* name, std::optional<failure<da_errc>>& err) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(),
                                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                                -1, &raw, nullptr);
    stmt_ptr s(raw);
    if (rc != SQLITE_OK) {
      err = fail_rc(rc, "read the schema");
      return false;
    }
    sqlite3_bind_text(s.get(), 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(s.get());
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc != SQLITE_DONE) {
      err = fail_rc(rc, "read the schema");
    }
    return false;
  }

  // Runs inside the open transaction: creates the schema in an empty database, otherwise
  // checks that it is ours and of this build's version.
  std::optional<failure<da_errc>> check_schema() {
    std::optional<failure<da_errc>> err;
    const bool has_meta = table_exists("meta", err);
    if (err) {
      return err;
    }
    const bool has_blobs = table_exists("blobs", err);
    if (err) {
      return err;
    }
    if (!has_meta && !has_blobs) {
      sqlite3_stmt* raw = nullptr;
      int rc =
          sqlite3_prepare_v2(db_.get(), "SELECT count(*) FROM sqlite_master", -1, &raw, nullptr);
      stmt_ptr s(raw);
      if (rc == SQLITE_OK) {
        rc = sqlite3_step(s.get());
      }
      if (rc != SQLITE_ROW) {
        return fail_rc(rc, "read the schema");
      }
      if (sqlite3_column_int64(s.get(), 0) != 0) {
        return failure<da_errc>{da_errc::corrupt,
                                prefix() + "not a DA database (it holds other tables)"};
      }
      const std::string create =
          "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
          "CREATE TABLE blobs(height INTEGER, idx INTEGER, data BLOB, commitment BLOB,"
          " PRIMARY KEY(height, idx)) WITHOUT ROWID;"
          "INSERT INTO meta(key, value) VALUES('schema_version', " +
          std::to_string(sqlite_da_schema_version) + ");";
      return exec(create.c_str(), "create the schema");
    }
    if (!has_meta || !has_blobs) {
      return failure<da_errc>{da_errc::corrupt, prefix() + "not a DA database (missing the " +
                                                    (has_meta ? "blobs" : "meta") + " table)"};
    }
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), "SELECT value FROM meta WHERE key = 'schema_version'",
                                -1, &raw, nullptr);
    stmt_ptr s(raw);
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(s.get());
    }
    if (rc == SQLITE_DONE) {
      return failure<da_errc>{da_errc::corrupt, prefix() + "no schema_version in table meta"};
    }
    if (rc != SQLITE_ROW) {
      return fail_rc(rc, "read schema_version");
    }
    if (sqlite3_column_type(s.get(), 0) != SQLITE_INTEGER) {
      return failure<da_errc>{da_errc::corrupt, prefix() + "schema_version is not an integer"};
    }
    const sqlite3_int64 version = sqlite3_column_int64(s.get(), 0);
    if (version != sqlite_da_schema_version) {
      return failure<da_errc>{da_errc::corrupt, prefix() + "schema version " +
                                                    std::to_string(version) +
                                                    " is not the version this build reads (" +
                                                    std::to_string(sqlite_da_schema_version) +
                                                    "); it was written by an incompatible build"};
    }
    return std::nullopt;
  }

  std::optional<failure<da_errc>> load_head() {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), "SELECT max(height) FROM blobs", -1, &raw, nullptr);
    stmt_ptr s(raw);
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(s.get());
    }
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

  std::string path_;
  std::mutex mutex_;
  uint64_t head_ = 0;
  // Declared before the statements so it is closed after they are finalized.
  db_ptr db_;
  stmt_ptr insert_;
  stmt_ptr get_all_;
  stmt_ptr get_range_;
  stmt_ptr begin_;
  stmt_ptr commit_;
  stmt_ptr rollback_;
};

}  // namespace

da_result<std::unique_ptr<da_backend>> open_sqlite_da(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db_ptr db(raw);
  if (rc != SQLITE_OK) {
    std::string msg =
        "sqlite DA " + path + ": cannot open: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
    return failure<da_errc>{classify(rc), std::move(msg)};
  }
  auto backend = std::make_unique<sqlite_da>(path, std::move(db));
  if (auto err = backend->init()) {
    return *err;
  }
  return std::unique_ptr<da_backend>(std::move(backend));
}

}  // namespace dsdn::da
