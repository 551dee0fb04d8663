#pragma once
// SQLite plumbing shared by the stores of the DA layer (sqlite_da.cpp, outbox.cpp): opening a
// database the way they all need it (one opener, WAL, synchronous=FULL), a versioned schema in a
// `meta` table, cached statements and transactions. Private to src/da.

#include <sqlite3.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "dsdn/core/result.hpp"

namespace dsdn::da::sqlite {

/// The kind of a failed SQLite call; each store maps it onto its own error code (`convert`).
enum class errc : uint8_t {
  io_error = 1,  ///< disk or database failure, or anything not below
  corrupt,       ///< not a database, not one of this store, or of another schema version
  busy,          ///< another connection or process holds the database
};
using error = failure<errc>;
using opt_error = std::optional<error>;

/// The kind of a primary or extended SQLite result code.
errc classify(int rc);

/// A store's own codes for the three kinds.
template <class Code>
struct code_map {
  Code io_error;
  Code corrupt;
  Code busy;
};

/// `e` with its kind replaced by the store's code from `map`; the message is kept.
template <class Code>
failure<Code> convert(error e, const code_map<Code>& map) {
  const Code code = e.code == errc::corrupt ? map.corrupt
                    : e.code == errc::busy  ? map.busy
                                            : map.io_error;
  return failure<Code>{code, std::move(e.message)};
}

struct db_closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct stmt_finalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;

/// The largest value an INTEGER column holds, as unsigned.
inline constexpr uint64_t max_sql_int = static_cast<uint64_t>(INT64_MAX);

/// Resets a cached statement when a call ends, so it never keeps a read open or a stale binding.
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

/// What a store keeps in its database besides the `meta` table (key, value), which holds its
/// `schema_version`.
struct schema {
  const char* kind;        ///< names such a database in messages: "a DA database"
  const char* table;       ///< the table every database of this kind holds beside `meta`
  const char* create_sql;  ///< CREATE TABLE statements, each ending in `;`, for all but `meta`
  int version;             ///< the `schema_version` this build writes and reads
};

/// One connection, opened the way every store of the DA layer needs it, and the messages it
/// words: each begins with the store's prefix (e.g. "outbox /data/outbox.sqlite: ").
/// Not thread-safe: the store serializes calls.
class database {
 public:
  /// `holder` names the file in the hint given when another opener holds it ("database").
  database(std::string prefix, std::string holder)
      : prefix_(std::move(prefix)), holder_(std::move(holder)) {}

  /// Opens `path` (created if absent) with one opener only (locking_mode=EXCLUSIVE, no waiting
  /// on another one's lock), journal_mode=WAL and synchronous=FULL; creates `s` in an empty
  /// database, otherwise checks that the database is of kind `s` and its version.
  opt_error open(const std::string& path, const schema& s);

  sqlite3* get() const { return db_.get(); }
  /// The prefix of every message.
  const std::string& prefix() const { return prefix_; }

  /// The failure of a call that returned `rc` while doing `what`, with SQLite's message.
  error fail_rc(int rc, const std::string& what) const;
  /// Runs `sql` (any number of statements) to its end.
  opt_error exec(const char* sql, const std::string& what);
  /// Prepares each `sql` into its statement, kept for the connection's lifetime.
  opt_error prepare(std::initializer_list<std::pair<const char*, stmt_ptr*>> stmts);
  /// Prepares the one-shot `sql` into `out` and steps it once: SQLITE_ROW, SQLITE_DONE or the
  /// error code (of preparing or stepping).
  int step_once(const char* sql, stmt_ptr& out);
  /// Steps the cached `s` (bound already) expecting no row, and resets it.
  opt_error step_done(sqlite3_stmt* s, const std::string& what);

  /// BEGIN IMMEDIATE, COMMIT and ROLLBACK (when a transaction is open) on cached statements;
  /// `what` names the transaction in a failure.
  opt_error begin(const std::string& what) { return step_done(begin_.get(), what); }
  opt_error commit(const std::string& what) { return step_done(commit_.get(), what); }
  void rollback();

 private:
  opt_error configure();
  opt_error check_schema(const schema& s);
  bool table_exists(const char* name, opt_error& err);

  std::string prefix_;
  std::string holder_;
  // Declared before the statements so it is closed after they are finalized.
  db_ptr db_;
  stmt_ptr begin_;
  stmt_ptr commit_;
  stmt_ptr rollback_;
};

}  // namespace dsdn::da::sqlite
