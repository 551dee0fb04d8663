#include "dsdn/da/quorum_index.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "sqlite_util.hpp"

namespace dsdn::da {
namespace {

using sqlite::stmt_guard;
using sqlite::stmt_ptr;

const sqlite::schema index_schema{
    "a QuorumDA index", "quorum_blobs",
    "CREATE TABLE quorum_blobs(height INTEGER, idx INTEGER, commitment BLOB, proof BLOB,"
    " PRIMARY KEY(height, idx)) WITHOUT ROWID;",
    quorum_index_schema_version};

failure<da_errc> lift(sqlite::error e) {
  return sqlite::convert(
      std::move(e),
      sqlite::code_map<da_errc>{da_errc::io_error, da_errc::corrupt, da_errc::unavailable});
}

}  // namespace

struct quorum_index::impl {
  explicit impl(const std::string& path) : db("quorum index " + path + ": ", "index") {}
  sqlite::database db;
  stmt_ptr insert;
  stmt_ptr select;
  uint64_t head = 0;
};

quorum_index::quorum_index(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
quorum_index::~quorum_index() = default;

da_result<std::unique_ptr<quorum_index>> quorum_index::open(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::create_directories(parent, ec) && ec) {
    return failure<da_errc>{
        da_errc::io_error,
        "quorum index " + path + ": cannot create its directory: " + ec.message()};
  }
  auto p = std::make_unique<impl>(path);
  if (auto e = p->db.open(path, index_schema)) {
    return lift(std::move(*e));
  }
  stmt_ptr max;
  const int rc = p->db.step_once("SELECT max(height) FROM quorum_blobs", max);
  if (rc != SQLITE_ROW) {
    return lift(p->db.fail_rc(rc, "read the head height"));
  }
  p->head = static_cast<uint64_t>(sqlite3_column_int64(max.get(), 0));
  if (auto e = p->db.prepare(
          {{"INSERT INTO quorum_blobs(height, idx, commitment, proof) VALUES(?1, ?2, ?3, ?4)",
            &p->insert},
           {"SELECT idx, commitment, proof FROM quorum_blobs WHERE height = ?1 ORDER BY idx",
            &p->select}})) {
    return lift(std::move(*e));
  }
  return std::unique_ptr<quorum_index>(new quorum_index(std::move(p)));
}

da_result<uint64_t> quorum_index::append(const std::vector<quorum_entry>& entries) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& db = impl_->db;
  const uint64_t height = impl_->head + 1;
  if (auto e = db.begin("append a height")) {
    return lift(std::move(*e));
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    auto* s = impl_->insert.get();
    sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(height));
    sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(i));
    sqlite3_bind_blob(s, 3, entries[i].digest.data(), static_cast<int>(entries[i].digest.size()),
                      SQLITE_STATIC);
    sqlite3_bind_blob(s, 4, entries[i].proof.data(), static_cast<int>(entries[i].proof.size()),
                      SQLITE_STATIC);
    if (auto e = db.step_done(s, "record height " + std::to_string(height))) {
      db.rollback();
      return lift(std::move(*e));
    }
  }
  if (auto e = db.commit("append a height")) {
    db.rollback();
    return lift(std::move(*e));
  }
  impl_->head = height;
  return height;
}

da_result<std::vector<quorum_entry>> quorum_index::at(uint64_t height) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<quorum_entry> out;
  if (height == 0 || height > impl_->head) {
    return out;
  }
  auto* s = impl_->select.get();
  stmt_guard guard(s);
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(height));
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    quorum_entry e;
    e.height = height;
    e.index = static_cast<uint32_t>(sqlite3_column_int64(s, 0));
    const auto* c = static_cast<const uint8_t*>(sqlite3_column_blob(s, 1));
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(s, 2));
    const size_t c_len = static_cast<size_t>(sqlite3_column_bytes(s, 1));
    const size_t p_len = static_cast<size_t>(sqlite3_column_bytes(s, 2));
    if (c == nullptr || c_len != e.digest.size()) {
      return failure<da_errc>{da_errc::corrupt,
                              impl_->db.prefix() + "height " + std::to_string(height) +
                                  " holds a commitment of " + std::to_string(c_len) + " bytes"};
    }
    std::copy(c, c + c_len, e.digest.begin());
    if (p != nullptr)
      e.proof.assign(p, p + p_len);
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) {
    return lift(impl_->db.fail_rc(rc, "read height " + std::to_string(height)));
  }
  return out;
}

uint64_t quorum_index::head() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return impl_->head;
}

}  // namespace dsdn::da
