#include "sqlite_util.hpp"

#include <cstring>

namespace dsdn::da::sqlite {

errc classify(int rc) {
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return errc::corrupt;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return errc::busy;
    default:
      return errc::io_error;
  }
}

opt_error database::open(const std::string& path, const schema& s) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) {
    return error{classify(rc),
                 prefix_ + "cannot open: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
  }
  if (auto e = configure()) {
    return e;
  }
  if (auto e = exec("BEGIN IMMEDIATE", "begin the schema transaction")) {
    return e;
  }
  if (auto e = check_schema(s)) {
    exec("ROLLBACK", "roll back the schema transaction");
    return e;
  }
  if (auto e = exec("COMMIT", "commit the schema transaction")) {
    return e;
  }
  return prepare({{"BEGIN IMMEDIATE", &begin_}, {"COMMIT", &commit_}, {"ROLLBACK", &rollback_}});
}

error database::fail_rc(int rc, const std::string& what) const {
  std::string msg = prefix_ + what + ": " + sqlite3_errmsg(db_.get());
  if (classify(rc) == errc::busy) {
    msg += " (the " + holder_ +
           " is held by another connection or process: it is opened with "
           "locking_mode=EXCLUSIVE and only one opener is allowed)";
  }
  return error{classify(rc), std::move(msg)};
}

opt_error database::exec(const char* sql, const std::string& what) {
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return fail_rc(rc, what);
  }
  return std::nullopt;
}

opt_error database::prepare(std::initializer_list<std::pair<const char*, stmt_ptr*>> stmts) {
  for (const auto& [sql, out] : stmts) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    out->reset(raw);
    if (rc != SQLITE_OK) {
      return fail_rc(rc, std::string("prepare `") + sql + "`");
    }
  }
  return std::nullopt;
}

int database::step_once(const char* sql, stmt_ptr& out) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr);
  out.reset(raw);
  return rc == SQLITE_OK ? sqlite3_step(raw) : rc;
}

opt_error database::step_done(sqlite3_stmt* s, const std::string& what) {
  stmt_guard guard(s);
  const int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) {
    return fail_rc(rc, what);
  }
  return std::nullopt;
}

void database::rollback() {
  if (!sqlite3_get_autocommit(db_.get())) {
    stmt_guard guard(rollback_.get());
    sqlite3_step(rollback_.get());
  }
}

opt_error database::configure() {
  sqlite3_extended_result_codes(db_.get(), 1);
  // Fail fast instead of waiting on a lock another connection holds.
  sqlite3_busy_timeout(db_.get(), 0);
  // EXCLUSIVE before WAL: the lock is kept once taken, and WAL then needs no shared memory.
  if (auto e = exec("PRAGMA locking_mode=EXCLUSIVE", "set locking_mode=EXCLUSIVE")) {
    return e;
  }
  stmt_ptr s;
  const int rc = step_once("PRAGMA journal_mode=WAL", s);
  if (rc != SQLITE_ROW) {
    return fail_rc(rc, "cannot open the database");
  }
  const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
  if (mode == nullptr || std::strcmp(mode, "wal") != 0) {
    return error{errc::io_error, prefix_ + "journal_mode=WAL refused (journal mode is " +
                                     (mode ? mode : "unknown") + ")"};
  }
  return exec("PRAGMA synchronous=FULL", "set synchronous=FULL");
}

bool database::table_exists(const char* name, opt_error& err) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_.get(),
                              "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1,
                              &raw, nullptr);
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

// Runs inside the open transaction: creates the schema in an empty database, otherwise checks
// that it is of this kind and of this build's version.
opt_error database::check_schema(const schema& s) {
  opt_error err;
  const bool has_meta = table_exists("meta", err);
  if (err) {
    return err;
  }
  const bool has_table = table_exists(s.table, err);
  if (err) {
    return err;
  }
  stmt_ptr q;
  if (!has_meta && !has_table) {
    const int rc = step_once("SELECT count(*) FROM sqlite_master", q);
    if (rc != SQLITE_ROW) {
      return fail_rc(rc, "read the schema");
    }
    if (sqlite3_column_int64(q.get(), 0) != 0) {
      return error{errc::corrupt, prefix_ + "not " + s.kind + " (it holds other tables)"};
    }
    const std::string create =
        std::string("CREATE TABLE meta(key TEXT PRIMARY KEY, value);") + s.create_sql +
        "INSERT INTO meta(key, value) VALUES('schema_version', " + std::to_string(s.version) + ");";
    return exec(create.c_str(), "create the schema");
  }
  if (!has_meta || !has_table) {
    return error{errc::corrupt, prefix_ + "not " + s.kind + " (missing the " +
                                    (has_meta ? s.table : "meta") + " table)"};
  }
  const int rc = step_once("SELECT value FROM meta WHERE key = 'schema_version'", q);
  if (rc == SQLITE_DONE) {
    return error{errc::corrupt, prefix_ + "no schema_version in table meta"};
  }
  if (rc != SQLITE_ROW) {
    return fail_rc(rc, "read schema_version");
  }
  if (sqlite3_column_type(q.get(), 0) != SQLITE_INTEGER) {
    return error{errc::corrupt, prefix_ + "schema_version is not an integer"};
  }
  const sqlite3_int64 version = sqlite3_column_int64(q.get(), 0);
  if (version != s.version) {
    return error{errc::corrupt, prefix_ + "schema version " + std::to_string(version) +
                                    " is not the version this build reads (" +
                                    std::to_string(s.version) +
                                    "); it was written by an incompatible build"};
  }
  return std::nullopt;
}

}  // namespace dsdn::da::sqlite
