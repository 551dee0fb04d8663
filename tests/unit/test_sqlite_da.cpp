// The embedded SQLite DA: the backend contract, durability across reopen, the schema version
// guard, the exclusive lock, and refusal of files that are not its database.

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "dsdn/da/sqlite_da.hpp"
#include "unit/da_test_support.hpp"

namespace dsdn::da {
namespace {

using test::make_blob;

// Runs `sql` on the database with a plain connection (the DA must be closed).
void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  INFO(message);
  REQUIRE(rc == SQLITE_OK);
}

std::unique_ptr<da_backend> open_ok(const std::string& path) {
  auto r = open_sqlite_da(path);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return std::move(r).value();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

TEST_CASE("sqlite_da meets the backend contract") {
  test::temp_dir dir;
  auto da = open_ok(dir.path + "/da.sqlite");
  CHECK(std::string(da->kind()) == "sqlite");
  test::check_contract(*da);
}

TEST_CASE("sqlite_da keeps every byte and the head across close and reopen") {
  test::temp_dir dir;
  const std::string path = dir.path + "/da.sqlite";
  std::vector<std::vector<blob_bytes>> layout;
  std::vector<stored_blob> before;
  {
    auto da = open_ok(path);
    layout = test::check_contract(*da);
    before = da->get_range(1, UINT64_MAX, SIZE_MAX).value();
  }
  auto da = open_ok(path);
  CHECK(da->healthy());
  auto head = da->head_height();
  REQUIRE(head.ok());
  CHECK(head.value() == layout.size());
  for (uint64_t h = 1; h <= layout.size(); ++h) {
    CHECK(test::same_blobs(da->get_all(h).value(), test::expected_range(layout, h, h, SIZE_MAX)));
  }
  auto after = da->get_range(1, UINT64_MAX, SIZE_MAX);
  REQUIRE(after.ok());
  CHECK(test::same_blobs(after.value(), before));

  auto next = da->submit({make_blob(77, 9)});
  REQUIRE(next.ok());
  CHECK(next.value().height == layout.size() + 1);
}

TEST_CASE("sqlite_da refuses a database of another schema version") {
  test::temp_dir dir;
  const std::string path = dir.path + "/da.sqlite";
  {
    auto da = open_ok(path);
    REQUIRE(da->submit({make_blob(1, 4)}).ok());
  }
  raw_exec(path, "UPDATE meta SET value = 2 WHERE key = 'schema_version'");
  auto r = open_sqlite_da(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da_errc::corrupt);
  INFO(r.error().message);
  CHECK(r.error().message.find("schema version 2") != std::string::npos);
  CHECK(r.error().message.find(path) != std::string::npos);

  raw_exec(path, "DELETE FROM meta");
  auto missing = open_sqlite_da(path);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == da_errc::corrupt);
}

TEST_CASE("sqlite_da allows one opener: a second one fails fast with a clear error") {
  test::temp_dir dir;
  const std::string path = dir.path + "/da.sqlite";
  auto first = open_ok(path);
  REQUIRE(first->submit({make_blob(1, 4)}).ok());

  const auto start = std::chrono::steady_clock::now();
  auto second = open_sqlite_da(path);
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(second.ok());
  INFO(second.error().message);
  CHECK(second.error().message.find("database is locked") != std::string::npos);
  CHECK(second.error().message.find("EXCLUSIVE") != std::string::npos);
  CHECK(took < std::chrono::seconds(2));

  // The first opener is unaffected, and once it closes the database opens again.
  REQUIRE(first->submit({make_blob(2, 4)}).ok());
  first.reset();
  auto third = open_ok(path);
  CHECK(third->head_height().value() == 2);
}

TEST_CASE("sqlite_da refuses a file that is not a SQLite database") {
  test::temp_dir dir;
  const std::string path = dir.path + "/da.sqlite";
  write_file(path, std::string(4096, 'x'));
  auto r = open_sqlite_da(path);
  REQUIRE_FALSE(r.ok());
  CHECK((r.error().code == da_errc::corrupt || r.error().code == da_errc::io_error));
  INFO(r.error().message);
  CHECK(r.error().message.find("file is not a database") != std::string::npos);
}

TEST_CASE("sqlite_da refuses a SQLite database that is not a DA database") {
  test::temp_dir dir;
  const std::string path = dir.path + "/other.sqlite";
  raw_exec(path, "CREATE TABLE outbox(id INTEGER PRIMARY KEY, data BLOB)");
  auto r = open_sqlite_da(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da_errc::corrupt);
}

TEST_CASE("sqlite_da reports a missing directory as an io_error") {
  test::temp_dir dir;
  auto r = open_sqlite_da(dir.path + "/no/such/dir/da.sqlite");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da_errc::io_error);
  CHECK_FALSE(r.error().message.empty());
}

TEST_CASE("sqlite_da detects a stored blob that no longer matches its commitment") {
  test::temp_dir dir;
  const std::string path = dir.path + "/da.sqlite";
  {
    auto da = open_ok(path);
    REQUIRE(da->submit({make_blob(1, 32), make_blob(2, 32)}).ok());
  }
  raw_exec(path, "UPDATE blobs SET data = x'00112233' WHERE height = 1 AND idx = 1");
  auto da = open_ok(path);
  auto all = da->get_all(1);
  REQUIRE_FALSE(all.ok());
  CHECK(all.error().code == da_errc::corrupt);
  auto range = da->get_range(1, 1, 10);
  REQUIRE_FALSE(range.ok());
  CHECK(range.error().code == da_errc::corrupt);
}

}  // namespace
}  // namespace dsdn::da
