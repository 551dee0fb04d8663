#include "dsdn/da/outbox.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <mutex>
#include <type_traits>
#include <utility>

#include "sqlite_util.hpp"

namespace dsdn::da {
namespace {

using sqlite::max_sql_int;
using sqlite::stmt_guard;
using sqlite::stmt_ptr;
using opt_failure = std::optional<failure<outbox_errc>>;

// The columns every read returns, in this order; column 10 is the blob or its length.
#define DSDN_OUTBOX_COLS                                                                         \
  "id, publisher, epoch, sequence, commitment, layer, layer_height, stored_at_ms, retry_count, " \
  "last_error"

const sqlite::schema outbox_schema{
    "an outbox database", "outbox",
    // AUTOINCREMENT: an id is never reused, also not after the newest entry was removed.
    "CREATE TABLE outbox(id INTEGER PRIMARY KEY AUTOINCREMENT, publisher BLOB NOT NULL,"
    " epoch INTEGER NOT NULL, sequence INTEGER NOT NULL, blob BLOB NOT NULL,"
    " commitment BLOB NOT NULL, layer TEXT NOT NULL, layer_height INTEGER NOT NULL,"
    " stored_at_ms INTEGER NOT NULL, retry_count INTEGER NOT NULL, last_error TEXT,"
    " UNIQUE(publisher, epoch, sequence));",
    outbox_schema_version};

failure<outbox_errc> lift(sqlite::error e) {
  return sqlite::convert(std::move(e),
                         sqlite::code_map<outbox_errc>{outbox_errc::io_error, outbox_errc::corrupt,
                                                       outbox_errc::locked});
}

std::string short_hex(const core::public_key& k) {
  return core::to_hex(k.data(), 8);
}

}  // namespace

const char* to_string(outbox_errc e) {
  static constexpr const char* names[] = {"io_error",    "corrupt",   "locked",       "full",
                                          "bad_request", "duplicate", "out_of_order", "not_found"};
  const auto i = static_cast<size_t>(e) - 1;
  return i < std::size(names) ? names[i] : "unknown";
}

const char* to_string(holding_layer l) {
  static constexpr const char* names[] = {"none", "secondary", "emergency"};
  const auto i = static_cast<size_t>(l);
  return i < std::size(names) ? names[i] : "unknown";
}

std::optional<holding_layer> holding_layer_from_string(std::string_view s) {
  for (auto l : {holding_layer::none, holding_layer::secondary, holding_layer::emergency}) {
    if (s == to_string(l)) {
      return l;
    }
  }
  return std::nullopt;
}

struct outbox::impl {
  impl(std::string p, outbox_limits l)
      : path(std::move(p)), limits(l), db("outbox " + path + ": ", "outbox") {}

  std::string path;
  outbox_limits limits;
  mutable std::mutex mutex;
  size_t count = 0;
  uint64_t total_bytes = 0;
  // Declared before the statements so it is closed after they are finalized.
  sqlite::database db;
  stmt_ptr newest_of, insert, peek, peek_publisher, list, publishers, attempt, remove, oldest;

  failure<outbox_errc> fail_rc(int rc, const std::string& what) const {
    return lift(db.fail_rc(rc, what));
  }
  failure<outbox_errc> fail(outbox_errc code, const std::string& what) const {
    return failure<outbox_errc>{code, db.prefix() + what};
  }

  opt_failure init() {
    if (auto e = db.open(path, outbox_schema)) {
      return lift(std::move(*e));
    }
    const char* totals = "SELECT count(*), coalesce(sum(length(blob)), 0) FROM outbox";
    stmt_ptr s;
    const int rc = db.step_once(totals, s);
    if (rc != SQLITE_ROW) {
      return fail_rc(rc, std::string("run ") + totals);
    }
    count = static_cast<size_t>(sqlite3_column_int64(s.get(), 0));
    total_bytes = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 1));
    if (auto e = db.prepare({
            {"SELECT epoch, sequence FROM outbox WHERE publisher = ?1 "
             "ORDER BY epoch DESC, sequence DESC LIMIT 1",
             &newest_of},
            {"INSERT INTO outbox(publisher, epoch, sequence, blob, commitment, layer, layer_height,"
             " stored_at_ms, retry_count, last_error) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0,"
             " NULL)",
             &insert},
            {"SELECT " DSDN_OUTBOX_COLS ", blob FROM outbox ORDER BY id LIMIT ?1", &peek},
            // Within a publisher, (epoch, sequence) order is id order (append enforces it), and
            // this order follows the unique index.
            {"SELECT " DSDN_OUTBOX_COLS ", blob FROM outbox WHERE publisher = ?1 "
             "ORDER BY epoch, sequence LIMIT ?2",
             &peek_publisher},
            {"SELECT " DSDN_OUTBOX_COLS ", length(blob) FROM outbox ORDER BY id LIMIT ?1", &list},
            {"SELECT publisher FROM outbox GROUP BY publisher ORDER BY min(id)", &publishers},
            {"UPDATE outbox SET retry_count = retry_count + 1, last_error = ?2 WHERE id = ?1 "
             "RETURNING retry_count",
             &attempt},
            {"DELETE FROM outbox WHERE id = ?1 RETURNING length(blob)", &remove},
            {"SELECT stored_at_ms FROM outbox ORDER BY id LIMIT 1", &oldest},
        })) {
      return lift(std::move(*e));
    }
    return std::nullopt;
  }

  // Reads one row of DSDN_OUTBOX_COLS (+ column 10: the blob when `blob` is set, else its length).
  opt_failure read_row(sqlite3_stmt* s, outbox_info& out, blob_bytes* blob) const {
    out.id = static_cast<uint64_t>(sqlite3_column_int64(s, 0));
    const std::string where = "entry " + std::to_string(out.id);
    const void* pub = sqlite3_column_blob(s, 1);
    const void* com = sqlite3_column_blob(s, 4);
    const auto* layer = reinterpret_cast<const char*>(sqlite3_column_text(s, 5));
    const auto parsed = layer ? holding_layer_from_string(layer) : std::nullopt;
    if (sqlite3_column_int64(s, 0) <= 0 || sqlite3_column_bytes(s, 1) != 32 || pub == nullptr ||
        sqlite3_column_bytes(s, 4) != 32 || com == nullptr || !parsed ||
        sqlite3_column_int64(s, 2) < 0 || sqlite3_column_int64(s, 3) < 0 ||
        sqlite3_column_int64(s, 6) < 0 || sqlite3_column_int64(s, 7) < 0 ||
        sqlite3_column_int64(s, 8) < 0 || sqlite3_column_int64(s, 8) > UINT32_MAX) {
      return fail(outbox_errc::corrupt, where + " is malformed");
    }
    std::memcpy(out.publisher.data(), pub, 32);
    out.epoch = static_cast<uint64_t>(sqlite3_column_int64(s, 2));
    out.sequence = static_cast<uint64_t>(sqlite3_column_int64(s, 3));
    std::memcpy(out.commitment.data(), com, 32);
    out.layer = *parsed;
    out.layer_height = static_cast<uint64_t>(sqlite3_column_int64(s, 6));
    out.stored_at_ms = static_cast<uint64_t>(sqlite3_column_int64(s, 7));
    out.retry_count = static_cast<uint32_t>(sqlite3_column_int64(s, 8));
    out.last_error.reset();
    if (const auto* err = reinterpret_cast<const char*>(sqlite3_column_text(s, 9))) {
      out.last_error = std::string(err, static_cast<size_t>(sqlite3_column_bytes(s, 9)));
    }
    if (blob != nullptr) {
      const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(s, 10));
      const int size = sqlite3_column_bytes(s, 10);
      if (data == nullptr || size <= 0) {
        return fail(outbox_errc::corrupt, where + " has an empty blob");
      }
      blob->assign(data, data + size);
      out.blob_size = static_cast<size_t>(size);
    } else {
      out.blob_size = static_cast<size_t>(sqlite3_column_int64(s, 10));
    }
    return std::nullopt;
  }

  // Steps `s` to the end, appending one T (outbox_entry or outbox_info) per row.
  template <class T>
  outbox_result<std::vector<T>> read_all(sqlite3_stmt* s) const {
    std::vector<T> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      T item;
      blob_bytes* blob = nullptr;
      if constexpr (std::is_same_v<T, outbox_entry>) {
        blob = &item.blob;
      }
      if (auto e = read_row(s, item, blob)) {
        return *e;
      }
      out.push_back(std::move(item));
    }
    if (rc != SQLITE_DONE) {
      return fail_rc(rc, "read entries");
    }
    return out;
  }

  // Steps `s` (bound already) to its end; the first column of its single row, or nothing when
  // it yields no row (for `... RETURNING x` and single-value queries).
  outbox_result<std::optional<int64_t>> step_int(sqlite3_stmt* s, const std::string& what) {
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
      return std::optional<int64_t>();
    }
    const int64_t v = sqlite3_column_int64(s, 0);
    if (rc != SQLITE_ROW || (rc = sqlite3_step(s)) != SQLITE_DONE) {
      return fail_rc(rc, what);
    }
    return std::optional<int64_t>(v);
  }

  // Runs a read of entries (or infos) with `bind` setting its parameters.
  template <class T, class Bind>
  outbox_result<std::vector<T>> query(sqlite3_stmt* s, Bind bind) const {
    std::lock_guard<std::mutex> lock(mutex);
    stmt_guard guard(s);
    bind(s);
    return read_all<T>(s);
  }
};

outbox::outbox(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
outbox::outbox(outbox&&) noexcept = default;
outbox& outbox::operator=(outbox&&) noexcept = default;
outbox::~outbox() = default;

outbox_result<outbox> outbox::open(const std::string& path, outbox_limits limits) {
  auto p = std::make_unique<impl>(path, limits);
  if (auto e = p->init()) {
    return *e;
  }
  return outbox(std::move(p));
}

outbox_result<uint64_t> outbox::append(const outbox_item& item) {
  impl& d = *impl_;
  const std::string what = "blob (publisher " + short_hex(item.publisher) + "…, epoch " +
                           std::to_string(item.epoch) + ", sequence " +
                           std::to_string(item.sequence) + ")";
  if (item.blob.empty() || item.blob.size() > max_blob_size) {
    return d.fail(outbox_errc::bad_request, what + " has " + std::to_string(item.blob.size()) +
                                                " bytes; 1.." + std::to_string(max_blob_size) +
                                                " are accepted");
  }
  if (item.epoch > max_sql_int || item.sequence > max_sql_int || item.layer_height > max_sql_int ||
      item.stored_at_ms > max_sql_int) {
    return d.fail(outbox_errc::bad_request, what + ": a value is beyond 2^63 - 1");
  }
  const da::commitment com =
      item.commitment ? *item.commitment : core::sha256(item.blob.data(), item.blob.size());
  std::lock_guard<std::mutex> lock(d.mutex);
  if (d.count + 1 > d.limits.max_entries || d.total_bytes + item.blob.size() > d.limits.max_bytes) {
    return d.fail(outbox_errc::full, "full: " + std::to_string(d.count) + " entries / " +
                                         std::to_string(d.total_bytes) + " bytes queued, cap " +
                                         std::to_string(d.limits.max_entries) + " entries / " +
                                         std::to_string(d.limits.max_bytes) + " bytes; " + what +
                                         " of " + std::to_string(item.blob.size()) +
                                         " bytes refused");
  }
  if (auto e = d.db.begin("begin the append transaction")) {
    return lift(std::move(*e));
  }
  {
    sqlite3_stmt* s = d.newest_of.get();
    stmt_guard guard(s);
    sqlite3_bind_blob(s, 1, item.publisher.data(), 32, SQLITE_STATIC);
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      const auto e = static_cast<uint64_t>(sqlite3_column_int64(s, 0));
      const auto q = static_cast<uint64_t>(sqlite3_column_int64(s, 1));
      if (std::make_pair(item.epoch, item.sequence) <= std::make_pair(e, q)) {
        d.db.rollback();
        const bool dup = item.epoch == e && item.sequence == q;
        return d.fail(
            dup ? outbox_errc::duplicate : outbox_errc::out_of_order,
            what + (dup ? " is already queued"
                        : " is older than the publisher's newest queued blob (epoch " +
                              std::to_string(e) + ", sequence " + std::to_string(q) + ")"));
      }
    } else if (rc != SQLITE_DONE) {
      auto err = d.fail_rc(rc, "read the publisher's newest entry");
      d.db.rollback();
      return err;
    }
  }
  {
    sqlite3_stmt* s = d.insert.get();
    stmt_guard guard(s);
    sqlite3_bind_blob(s, 1, item.publisher.data(), 32, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(item.epoch));
    sqlite3_bind_int64(s, 3, static_cast<sqlite3_int64>(item.sequence));
    sqlite3_bind_blob64(s, 4, item.blob.data(), item.blob.size(), SQLITE_STATIC);
    sqlite3_bind_blob(s, 5, com.data(), 32, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, to_string(item.layer), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, static_cast<sqlite3_int64>(item.layer_height));
    sqlite3_bind_int64(s, 8, static_cast<sqlite3_int64>(item.stored_at_ms));
    const int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
      auto err = d.fail_rc(rc, "insert " + what);
      d.db.rollback();
      return err;
    }
  }
  const auto id = static_cast<uint64_t>(sqlite3_last_insert_rowid(d.db.get()));
  if (auto e = d.db.commit("commit the append of " + what)) {
    d.db.rollback();
    return lift(std::move(*e));
  }
  d.count += 1;
  d.total_bytes += item.blob.size();
  return id;
}

outbox_result<std::vector<outbox_entry>> outbox::peek(size_t n) const {
  return impl_->query<outbox_entry>(impl_->peek.get(), [n](sqlite3_stmt* s) {
    sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(std::min<uint64_t>(n, max_sql_int)));
  });
}

outbox_result<std::vector<outbox_entry>> outbox::peek_for_publisher(
    const core::public_key& publisher, size_t n) const {
  return impl_->query<outbox_entry>(impl_->peek_publisher.get(), [&](sqlite3_stmt* s) {
    sqlite3_bind_blob(s, 1, publisher.data(), 32, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(std::min<uint64_t>(n, max_sql_int)));
  });
}

outbox_result<size_t> outbox::remove_many(const std::vector<uint64_t>& ids) {
  impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.mutex);
  if (auto e = d.db.begin("begin the remove transaction")) {
    return lift(std::move(*e));
  }
  size_t removed = 0;
  uint64_t bytes = 0;
  for (uint64_t id : ids) {
    stmt_guard guard(d.remove.get());
    sqlite3_bind_int64(d.remove.get(), 1, static_cast<sqlite3_int64>(std::min(id, max_sql_int)));
    auto r = d.step_int(d.remove.get(), "remove entry " + std::to_string(id));
    if (!r.ok()) {
      d.db.rollback();
      return r.error();
    }
    removed += r.value() ? 1 : 0;
    bytes += static_cast<uint64_t>(r.value().value_or(0));
  }
  if (auto e = d.db.commit("commit the removal of " + std::to_string(removed) + " entries")) {
    d.db.rollback();
    return lift(std::move(*e));
  }
  d.count -= std::min(removed, d.count);
  d.total_bytes -= std::min(bytes, d.total_bytes);
  return removed;
}

outbox_result<std::vector<outbox_info>> outbox::list(size_t limit) const {
  return impl_->query<outbox_info>(impl_->list.get(), [limit](sqlite3_stmt* s) {
    sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(std::min<uint64_t>(limit, max_sql_int)));
  });
}

outbox_result<std::vector<core::public_key>> outbox::publishers() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  sqlite3_stmt* s = impl_->publishers.get();
  stmt_guard guard(s);
  std::vector<core::public_key> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (sqlite3_column_bytes(s, 0) != 32 || sqlite3_column_blob(s, 0) == nullptr) {
      return impl_->fail(outbox_errc::corrupt, "a stored publisher is not 32 bytes");
    }
    core::public_key k;
    std::memcpy(k.data(), sqlite3_column_blob(s, 0), 32);
    out.push_back(k);
  }
  if (rc != SQLITE_DONE) {
    return impl_->fail_rc(rc, "read the publishers");
  }
  return out;
}

outbox_result<uint32_t> outbox::mark_attempt(uint64_t id, const std::string& error) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  sqlite3_stmt* s = impl_->attempt.get();
  stmt_guard guard(s);
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(std::min(id, max_sql_int)));
  sqlite3_bind_text64(s, 2, error.data(), error.size(), SQLITE_STATIC, SQLITE_UTF8);
  auto r = impl_->step_int(s, "record an attempt of entry " + std::to_string(id));
  if (!r.ok()) {
    return r.error();
  }
  if (!r.value()) {
    return impl_->fail(outbox_errc::not_found, "no entry " + std::to_string(id) + " to mark");
  }
  return static_cast<uint32_t>(*r.value());
}

outbox_result<bool> outbox::remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  sqlite3_stmt* s = impl_->remove.get();
  stmt_guard guard(s);
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(std::min(id, max_sql_int)));
  auto r = impl_->step_int(s, "remove entry " + std::to_string(id));
  if (!r.ok()) {
    return r.error();
  }
  if (!r.value()) {
    return impl_->fail(outbox_errc::not_found, "no entry " + std::to_string(id) + " to remove");
  }
  const auto size = static_cast<uint64_t>(*r.value());
  impl_->count -= 1;
  impl_->total_bytes -= std::min(size, impl_->total_bytes);
  return true;
}

size_t outbox::size() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->count;
}

uint64_t outbox::bytes() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->total_bytes;
}

outbox_result<uint64_t> outbox::oldest_age_ms(uint64_t now_ms) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  stmt_guard guard(impl_->oldest.get());
  auto r = impl_->step_int(impl_->oldest.get(), "read the oldest entry");
  if (!r.ok()) {
    return r.error();
  }
  const auto at = static_cast<uint64_t>(r.value().value_or(0));
  return r.value() && now_ms > at ? now_ms - at : 0;
}

const outbox_limits& outbox::limits() const {
  return impl_->limits;
}
const std::string& outbox::path() const {
  return impl_->path;
}

}  // namespace dsdn::da
