// The durable outbox: publish order, per-publisher order, the cap, retry bookkeeping, reopen,
// survival of a SIGKILL mid-stream (in a forked child), the exclusive lock and the schema guard.

#include "dsdn/da/outbox.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "unit/da_test_support.hpp"

namespace dsdn::da {
namespace {

using test::make_blob;

core::public_key key_of(uint8_t tag) {
  core::public_key k{};
  k.fill(tag);
  return k;
}

// The i-th item of a stream: three publishers interleaved, sequences growing.
outbox_item item_for(uint64_t i) {
  outbox_item it;
  it.publisher = key_of(static_cast<uint8_t>(1 + i % 3));
  it.epoch = 1;
  it.sequence = i + 1;
  it.blob = make_blob(i, 1 + (i * 37) % 500);
  it.layer = i % 2 ? holding_layer::emergency : holding_layer::secondary;
  it.layer_height = i * 10;
  it.stored_at_ms = 1000 + i;
  return it;
}

outbox open_ok(const std::string& path, outbox_limits limits = {}) {
  auto r = outbox::open(path, limits);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return std::move(r).value();
}

uint64_t append_ok(outbox& box, const outbox_item& item) {
  auto r = box.append(item);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return r.value();
}

// Checks that `e` is exactly item_for(i) stored under id `id`.
void check_entry(const outbox_entry& e, uint64_t i, uint64_t id) {
  const outbox_item want = item_for(i);
  CAPTURE(i);
  CHECK(e.id == id);
  CHECK(e.publisher == want.publisher);
  CHECK(e.epoch == want.epoch);
  CHECK(e.sequence == want.sequence);
  CHECK(e.blob == want.blob);
  CHECK(e.blob_size == want.blob.size());
  CHECK(e.commitment == test::sha256_of(want.blob));
  CHECK(e.layer == want.layer);
  CHECK(e.layer_height == want.layer_height);
  CHECK(e.stored_at_ms == want.stored_at_ms);
}

TEST_CASE("outbox: append, peek and remove keep publish order; ids are never reused") {
  test::temp_dir dir;
  auto box = open_ok(dir.path + "/outbox.sqlite");
  CHECK(box.size() == 0);
  CHECK(box.bytes() == 0);
  CHECK(box.peek(10).value().empty());

  std::vector<uint64_t> ids;
  uint64_t total = 0;
  for (uint64_t i = 0; i < 6; ++i) {
    ids.push_back(append_ok(box, item_for(i)));
    total += item_for(i).blob.size();
    if (i > 0) {
      CHECK(ids[i] > ids[i - 1]);
    }
  }
  CHECK(box.size() == 6);
  CHECK(box.bytes() == total);

  auto first = box.peek(3);
  REQUIRE(first.ok());
  REQUIRE(first.value().size() == 3);
  for (uint64_t i = 0; i < 3; ++i) {
    check_entry(first.value()[i], i, ids[i]);
    CHECK(first.value()[i].retry_count == 0);
    CHECK_FALSE(first.value()[i].last_error.has_value());
  }
  CHECK(box.peek(100).value().size() == 6);
  CHECK(box.peek(0).value().empty());

  // Publisher 2 holds items 1 and 4, in that order.
  auto of2 = box.peek_for_publisher(key_of(2), 10);
  REQUIRE(of2.ok());
  REQUIRE(of2.value().size() == 2);
  check_entry(of2.value()[0], 1, ids[1]);
  check_entry(of2.value()[1], 4, ids[4]);
  CHECK(box.peek_for_publisher(key_of(2), 1).value().size() == 1);
  CHECK(box.peek_for_publisher(key_of(9), 10).value().empty());
  auto pubs = box.publishers();
  REQUIRE(pubs.ok());
  CHECK(pubs.value() == std::vector<core::public_key>{key_of(1), key_of(2), key_of(3)});

  // Remove the head, one in the middle and the newest.
  REQUIRE(box.remove(ids[0]).ok());
  REQUIRE(box.remove(ids[3]).ok());
  REQUIRE(box.remove(ids[5]).ok());
  total -= item_for(0).blob.size() + item_for(3).blob.size() + item_for(5).blob.size();
  CHECK(box.size() == 3);
  CHECK(box.bytes() == total);
  auto rest = box.peek(10).value();
  REQUIRE(rest.size() == 3);
  check_entry(rest[0], 1, ids[1]);
  check_entry(rest[1], 2, ids[2]);
  check_entry(rest[2], 4, ids[4]);
  CHECK(box.publishers().value() == std::vector<core::public_key>{key_of(2), key_of(3)});

  auto again = box.remove(ids[0]);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == outbox_errc::not_found);
  CHECK(box.size() == 3);

  // The id of the removed newest entry is not handed out again.
  const uint64_t next = append_ok(box, item_for(6));
  CHECK(next > ids[5]);

  // A confirmed batch goes in one transaction; ids no longer queued are skipped.
  auto batch = box.remove_many({ids[1], ids[0], ids[4]});
  REQUIRE(batch.ok());
  CHECK(batch.value() == 2);
  CHECK(box.size() == 2);
  CHECK(box.bytes() == item_for(2).blob.size() + item_for(6).blob.size());
  auto left = box.peek(10).value();
  REQUIRE(left.size() == 2);
  check_entry(left[0], 2, ids[2]);
  check_entry(left[1], 6, next);
  CHECK(box.remove_many({}).value() == 0);
}

TEST_CASE("outbox: commitment, per-publisher order and bad input") {
  test::temp_dir dir;
  auto box = open_ok(dir.path + "/outbox.sqlite");
  outbox_item a = item_for(0);
  commitment layer_commitment{};
  layer_commitment.fill(0xcc);
  a.commitment = layer_commitment;
  const uint64_t id = append_ok(box, a);
  CHECK(box.peek(1).value().at(0).commitment == layer_commitment);
  CHECK(box.peek(1).value().at(0).id == id);

  outbox_item same = item_for(0);
  same.blob = make_blob(77, 5);
  auto dup = box.append(same);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == outbox_errc::duplicate);

  outbox_item later = item_for(0);
  later.sequence = 10;
  append_ok(box, later);
  outbox_item older = item_for(0);
  older.sequence = 5;  // below the newest queued (epoch 1, sequence 10) of that publisher
  auto ooo = box.append(older);
  REQUIRE_FALSE(ooo.ok());
  CHECK(ooo.error().code == outbox_errc::out_of_order);
  CHECK(ooo.error().message.find("sequence 10") != std::string::npos);
  older.epoch = 2;  // a new epoch restarts the sequences
  older.sequence = 1;
  append_ok(box, older);
  outbox_item other = item_for(1);  // another publisher is independent
  other.sequence = 1;
  append_ok(box, other);

  outbox_item empty = item_for(50);
  empty.blob.clear();
  CHECK(box.append(empty).error().code == outbox_errc::bad_request);
  outbox_item huge = item_for(51);
  huge.blob.assign(max_blob_size + 1, 1);
  CHECK(box.append(huge).error().code == outbox_errc::bad_request);
  outbox_item wide = item_for(52);
  wide.sequence = uint64_t{1} << 63;
  CHECK(box.append(wide).error().code == outbox_errc::bad_request);
  CHECK(box.size() == 4);
}

TEST_CASE("outbox: the cap refuses with `full` and stores nothing") {
  test::temp_dir dir;
  outbox_limits limits;
  limits.max_entries = 3;
  limits.max_bytes = 1000;
  auto box = open_ok(dir.path + "/outbox.sqlite", limits);
  CHECK(box.limits().max_entries == 3);
  std::vector<uint64_t> ids;
  for (uint64_t i = 0; i < 3; ++i) {
    outbox_item it = item_for(i);
    it.blob = make_blob(i, 100);
    ids.push_back(append_ok(box, it));
  }
  outbox_item fourth = item_for(3);
  fourth.blob = make_blob(3, 10);
  auto full = box.append(fourth);
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == outbox_errc::full);
  CHECK(full.error().message.find("full") != std::string::npos);
  CHECK(box.size() == 3);
  CHECK(box.bytes() == 300);

  REQUIRE(box.remove(ids[0]).ok());
  append_ok(box, fourth);  // room again
  outbox_item big = item_for(4);
  big.blob = make_blob(4, 1000 - 110 + 1);  // queued: 100 + 10; one byte past max_bytes
  REQUIRE(box.remove(ids[1]).ok());
  auto too_many_bytes = box.append(big);
  REQUIRE_FALSE(too_many_bytes.ok());
  CHECK(too_many_bytes.error().code == outbox_errc::full);
  big.blob.pop_back();  // exactly max_bytes
  append_ok(box, big);
  CHECK(box.bytes() == 1000);
  CHECK(box.size() == 3);
}

TEST_CASE("outbox: list and oldest age") {
  test::temp_dir dir;
  auto box = open_ok(dir.path + "/outbox.sqlite");
  CHECK(box.oldest_age_ms(5000).value() == 0);
  CHECK(box.list(10).value().empty());
  for (uint64_t i = 0; i < 4; ++i) {
    append_ok(box, item_for(i));
  }
  auto listed = box.list(3);
  REQUIRE(listed.ok());
  REQUIRE(listed.value().size() == 3);
  const auto peeked = box.peek(3).value();
  for (size_t i = 0; i < 3; ++i) {
    CHECK(listed.value()[i].id == peeked[i].id);
    CHECK(listed.value()[i].blob_size == item_for(i).blob.size());
    CHECK(listed.value()[i].commitment == peeked[i].commitment);
    CHECK(listed.value()[i].layer == item_for(i).layer);
    CHECK(listed.value()[i].stored_at_ms == 1000 + i);
  }
  CHECK(box.oldest_age_ms(1500).value() == 500);  // item 0, stored at 1000
  CHECK(box.oldest_age_ms(10).value() == 0);      // clock behind the stamp
  REQUIRE(box.remove(listed.value()[0].id).ok());
  CHECK(box.oldest_age_ms(1500).value() == 499);
  CHECK(std::string(to_string(holding_layer::emergency)) == "emergency");
  CHECK(holding_layer_from_string("secondary") == holding_layer::secondary);
  CHECK_FALSE(holding_layer_from_string("primary").has_value());
}

TEST_CASE("outbox: retry bookkeeping survives reopen") {
  test::temp_dir dir;
  const std::string path = dir.path + "/outbox.sqlite";
  uint64_t id = 0;
  {
    auto box = open_ok(path);
    id = append_ok(box, item_for(0));
    append_ok(box, item_for(1));
    CHECK(box.mark_attempt(id, "primary: timeout").value() == 1);
    CHECK(box.mark_attempt(id, "primary: connection refused").value() == 2);
    auto e = box.peek(1).value().at(0);
    CHECK(e.retry_count == 2);
    REQUIRE(e.last_error.has_value());
    CHECK(*e.last_error == "primary: connection refused");
    CHECK(box.peek(2).value().at(1).retry_count == 0);
    auto missing = box.mark_attempt(id + 100, "x");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == outbox_errc::not_found);
  }
  auto box = open_ok(path);
  auto e = box.peek(1).value().at(0);
  CHECK(e.id == id);
  CHECK(e.retry_count == 2);
  CHECK(e.last_error.value_or("") == "primary: connection refused");
}

TEST_CASE("outbox: reopen after close returns the same entries in order") {
  test::temp_dir dir;
  const std::string path = dir.path + "/outbox.sqlite";
  std::vector<uint64_t> ids;
  uint64_t total = 0;
  {
    auto box = open_ok(path);
    for (uint64_t i = 0; i < 20; ++i) {
      ids.push_back(append_ok(box, item_for(i)));
      total += item_for(i).blob.size();
    }
    REQUIRE(box.remove(ids[0]).ok());
    REQUIRE(box.remove_many({ids[5], ids[6]}).value() == 2);
    total -= item_for(0).blob.size() + item_for(5).blob.size() + item_for(6).blob.size();
  }
  auto box = open_ok(path);
  CHECK(box.size() == 17);
  CHECK(box.bytes() == total);
  auto all = box.peek(100).value();
  REQUIRE(all.size() == 17);
  size_t at = 0;
  for (uint64_t i = 1; i < 20; ++i) {
    if (i != 5 && i != 6) {
      check_entry(all.at(at++), i, ids[i]);
    }
  }
  CHECK(append_ok(box, item_for(20)) > ids.back());
}

// Writes all of `data` to `fd`; false on failure.
bool write_all(int fd, const void* data, size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// A child appends forever, acknowledging each id on a pipe after append returned; it is killed
// with SIGKILL after `kill_after` acknowledgements. Returns every id acknowledged.
std::vector<uint64_t> append_until_killed(const std::string& path, size_t kill_after) {
  int acks[2];
  REQUIRE(::pipe(acks) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(acks[0]);
    ::alarm(30);
    auto box = outbox::open(path);
    if (!box.ok()) {
      ::_exit(2);
    }
    for (uint64_t i = 0;; ++i) {
      auto id = box.value().append(item_for(i));
      if (!id.ok() || !write_all(acks[1], &id.value(), sizeof(uint64_t))) {
        ::_exit(3);
      }
    }
  }
  ::close(acks[1]);
  std::vector<uint64_t> acked;
  for (;;) {
    uint64_t id = 0;
    size_t got = 0;
    while (got < sizeof id) {
      const ssize_t r = ::read(acks[0], reinterpret_cast<char*>(&id) + got, sizeof id - got);
      if (r < 0 && errno == EINTR) {
        continue;
      }
      if (r <= 0) {
        break;
      }
      got += static_cast<size_t>(r);
    }
    if (got < sizeof id) {
      break;  // EOF: the child is gone
    }
    acked.push_back(id);
    if (acked.size() == kill_after) {
      REQUIRE(::kill(pid, SIGKILL) == 0);  // mid-stream, probably inside an append
    }
  }
  ::close(acks[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  REQUIRE(acked.size() >= kill_after);
  return acked;
}

TEST_CASE("outbox: what was acknowledged survives a SIGKILL mid-stream") {
  // Several kill points, so an implementation that acknowledges before its commit is durable
  // (e.g. commits in batches) is caught whatever the batch boundaries.
  for (size_t kill_after : {23u, 40u, 57u, 61u}) {
    CAPTURE(kill_after);
    test::temp_dir dir;
    const std::string path = dir.path + "/outbox.sqlite";
    const auto acked = append_until_killed(path, kill_after);
    auto box = open_ok(path);
    auto all = box.peek(SIZE_MAX).value();
    INFO("acknowledged " << acked.size() << ", stored " << all.size());
    // Everything acknowledged is there, in order; at most one committed append was not
    // acknowledged before the kill.
    REQUIRE(all.size() >= acked.size());
    CHECK(all.size() <= acked.size() + 1);
    CHECK(box.size() == all.size());
    for (size_t i = 0; i < all.size(); ++i) {
      check_entry(all[i], i, i < acked.size() ? acked[i] : all[i].id);
    }
    CHECK(append_ok(box, item_for(all.size())) > all.back().id);
  }
}

TEST_CASE("outbox: one opener only; foreign files and other schema versions are refused") {
  test::temp_dir dir;
  const std::string path = dir.path + "/outbox.sqlite";
  {
    auto box = open_ok(path);
    append_ok(box, item_for(0));
    auto second = outbox::open(path);
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().code == outbox_errc::locked);
    CHECK(second.error().message.find(path) != std::string::npos);
  }
  auto reopened = open_ok(path);  // released on close
  CHECK(reopened.size() == 1);
  reopened = open_ok(dir.path + "/other.sqlite");  // move-assign releases the first file
  open_ok(path);

  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE meta SET value = 99 WHERE key = 'schema_version'", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto wrong_version = outbox::open(path);
  REQUIRE_FALSE(wrong_version.ok());
  CHECK(wrong_version.error().code == outbox_errc::corrupt);
  CHECK(wrong_version.error().message.find("schema version 99") != std::string::npos);

  const std::string foreign = dir.path + "/foreign.sqlite";
  REQUIRE(sqlite3_open(foreign.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  CHECK(outbox::open(foreign).error().code == outbox_errc::corrupt);

  const std::string garbage = dir.path + "/garbage.sqlite";
  std::ofstream(garbage) << std::string(4096, 'x');
  CHECK(outbox::open(garbage).error().code == outbox_errc::corrupt);
}

}  // namespace
}  // namespace dsdn::da
