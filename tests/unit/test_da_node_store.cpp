// The DA node's store: the genesis block and heights, mempool inclusion, square order and
// indexes, get / get_all, Celestia's validation and height messages, restart durability,
// corruption detection, and the validator role (signatures verified like QuorumDA does).

#include "dsdn/da/da_node_store.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "dsdn/da/quorum_proof.hpp"
#include "unit/da_test_support.hpp"

namespace dsdn::da {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::system_clock;
using test::make_blob;

const clock_type::time_point t0 = clock_type::time_point(1700000000s);

std::unique_ptr<da_node_store> open_ok(const std::string& dir, clock_type::time_point now = t0) {
  node_store_options o;
  o.data_dir = dir;
  auto r = da_node_store::open(o, now);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return std::move(r).value();
}

celestia_namespace ns_of(uint8_t last, uint8_t first_user = 1) {
  celestia_namespace ns;
  ns.id[namespace_v0_prefix_size] = first_user;  // a non-zero byte among the first 9 user bytes
  ns.id.back() = last;
  return ns;
}

node_blob_input input(const celestia_namespace& ns, std::vector<uint8_t> data) {
  node_blob_input in;
  in.ns = ns;
  in.data = std::move(data);
  return in;
}

std::vector<uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

commitment_bytes commitment_of(const celestia_namespace& ns, const std::vector<uint8_t>& data) {
  auto c = share_commitment(ns, data);
  REQUIRE(c.ok());
  return c.value();
}

std::vector<uint8_t> vec(const commitment_bytes& c) {
  return {c.begin(), c.end()};
}

TEST_CASE("da_node_store: a new chain starts with an empty genesis block at height 1") {
  test::temp_dir dir;
  auto store = open_ok(dir.path);
  const auto head = store->head();
  CHECK(head.height == 1);
  CHECK(head.blob_count == 0);
  CHECK(head.time_ns == std::chrono::nanoseconds(t0.time_since_epoch()).count());
  CHECK(head.last_hash == core::sha256_digest{});
  CHECK(head.hash == block_hash(1, head.time_ns, head.data_hash, head.last_hash));
  CHECK(core::verify_signature(store->validator_key(), head.hash.data(), head.hash.size(),
                               head.signature));
  CHECK(store->block(1).ok());

  auto zero = store->block(0);
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().code == node_errc::height_zero);
  CHECK(zero.error().message == "height is equal to 0");
  auto next = store->get_all(2, {ns_of(1)});
  REQUIRE_FALSE(next.ok());
  CHECK(next.error().code == node_errc::next_height);
  auto future = store->get(7, ns_of(1), std::vector<uint8_t>(32, 0));
  REQUIRE_FALSE(future.ok());
  CHECK(future.error().code == node_errc::future_height);
  CHECK(future.error().message ==
        "header: given height is from the future: networkHeight: 1, requestedHeight: 7");
}

TEST_CASE("da_node_store: one block per produce_block, empty or not, with increasing time") {
  test::temp_dir dir;
  auto store = open_ok(dir.path);
  auto prev = store->head();
  for (uint64_t h = 2; h <= 6; ++h) {
    // The clock stands still and then goes backwards: block time still increases.
    const auto now = h <= 3 ? t0 + 1s : t0 - 1h;
    auto b = store->produce_block(now);
    REQUIRE(b.ok());
    CHECK(b.value().height == h);
    CHECK(b.value().blob_count == 0);
    CHECK(b.value().time_ns > prev.time_ns);
    CHECK(b.value().last_hash == prev.hash);
    CHECK(store->head().height == h);
    auto all = store->get_all(h, {ns_of(1)});
    REQUIRE(all.ok());
    CHECK(all.value().empty());
    prev = b.value();
  }
  CHECK(store->block(3).value().time_ns ==
        std::chrono::nanoseconds((t0 + 1s).time_since_epoch()).count() + 1);
}

TEST_CASE("da_node_store: submitted blobs wait in the mempool and go into the next block") {
  test::temp_dir dir;
  auto store = open_ok(dir.path);
  const auto a = ns_of(0xaa), b = ns_of(0x0b);
  auto h = store->submit({input(a, bytes_of("a1")), input(b, bytes_of("b1"))});
  REQUIRE(h.ok());
  CHECK(h.value() == 2);
  auto h2 = store->submit({input(a, bytes_of("a2"))});
  REQUIRE(h2.ok());
  CHECK(h2.value() == 2);
  CHECK(store->mempool_size() == 3);
  // Not produced yet: height 2 is the next height, nothing readable.
  CHECK(store->get_all(2, {a}).error().code == node_errc::next_height);

  auto block = store->produce_block(t0 + 1s);
  REQUIRE(block.ok());
  CHECK(block.value().height == 2);
  CHECK(block.value().blob_count == 3);
  CHECK(block.value().share_count == 3);
  CHECK(block.value().square_size == 2);
  REQUIRE(block.value().min_ns.has_value());
  CHECK(*block.value().min_ns == b);  // namespace order: 0x0b before 0xaa
  CHECK(*block.value().max_ns == a);
  CHECK(store->mempool_size() == 0);

  // The order of the namespaces asked for, then square order (submission order per namespace).
  auto all = store->get_all(2, {a, b});
  REQUIRE(all.ok());
  REQUIRE(all.value().size() == 3);
  CHECK(all.value()[0].data == bytes_of("a1"));
  CHECK(all.value()[1].data == bytes_of("a2"));
  CHECK(all.value()[2].data == bytes_of("b1"));
  // Square order b1, a1, a2 over a 2 x 2 square: EDS indexes 0, 1, 4.
  CHECK(all.value()[2].index == 0);
  CHECK(all.value()[0].index == 1);
  CHECK(all.value()[1].index == 4);
  for (const auto& blob : all.value()) {
    CHECK(blob.height == 2);
    CHECK(blob.share_version == 0);
    CHECK_FALSE(blob.signer.has_value());
    CHECK(blob.commitment == commitment_of(blob.ns, blob.data));
  }
  auto only_b = store->get_all(2, {b});
  REQUIRE(only_b.ok());
  REQUIRE(only_b.value().size() == 1);
  CHECK(only_b.value()[0].ns == b);
  CHECK(store->get_all(2, {ns_of(0x77)}).value().empty());
  CHECK(store->get_all(1, {a, b}).value().empty());

  auto one = store->get(2, a, vec(commitment_of(a, bytes_of("a2"))));
  REQUIRE(one.ok());
  CHECK(one.value().data == bytes_of("a2"));
  CHECK(one.value().index == 4);
  auto wrong_ns = store->get(2, b, vec(commitment_of(a, bytes_of("a2"))));
  REQUIRE_FALSE(wrong_ns.ok());
  CHECK(wrong_ns.error().code == node_errc::not_found);
  CHECK(wrong_ns.error().message == "blob: not found");
  CHECK(store->get(2, a, {1, 2, 3}).error().message == "blob: not found");

  // The next block is empty again.
  auto empty = store->produce_block(t0 + 2s);
  REQUIRE(empty.ok());
  CHECK(empty.value().blob_count == 0);
  CHECK(store->get_all(3, {a, b}).value().empty());
}

TEST_CASE("da_node_store: the share commitment is Celestia's (EXAMPLES.md 1a)") {
  test::temp_dir dir;
  auto store = open_ok(dir.path);
  auto ns = namespace_from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=");
  REQUIRE(ns.ok());
  REQUIRE(store->submit({input(ns.value(), bytes_of("hello world"))}).ok());
  REQUIRE(store->produce_block(t0 + 1s).ok());
  auto all = store->get_all(2, {ns.value()});
  REQUIRE(all.ok());
  REQUIRE(all.value().size() == 1);
  CHECK(commitment_base64(all.value()[0].commitment) ==
        "D6fgf3g85iWdskQ6A8aRBaMimX1SbU6PPBJ/+pK9cMQ=");
}

TEST_CASE("da_node_store: multi-share blobs get EDS indexes over a k x k square") {
  test::temp_dir dir;
  auto store = open_ok(dir.path);
  const auto ns = ns_of(5);
  // 478 bytes = 1 share, 1000 bytes = 3 shares, 10 bytes = 1 share: 5 shares, k = 4.
  REQUIRE(store
              ->submit({input(ns, make_blob(1, 478)), input(ns, make_blob(2, 1000)),
                        input(ns, make_blob(3, 10))})
              .ok());
  auto block = store->produce_block(t0 + 1s);
  REQUIRE(block.ok());
  CHECK(block.value().share_count == 5);
  CHECK(block.value().square_size == 4);
  auto all = store->get_all(2, {ns});
  REQUIRE(all.value().size() == 3);
  CHECK(all.value()[0].index == 0);
  CHECK(all.value()[1].index == 1);
  CHECK(all.value()[2].index == 8);  // original position 4 = row 1, column 0; EDS width 8
}

TEST_CASE("da_node_store: Celestia's validation messages, and a bad submit takes nothing") {
  test::temp_dir dir;
  auto store = open_ok(dir.path);
  auto reserved = namespace_from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE=");
  REQUIRE(reserved.ok());
  auto message = [&](std::vector<node_blob_input> blobs) {
    auto r = store->submit(std::move(blobs));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == node_errc::invalid);
    return r.error().message;
  };
  CHECK(message({}) == "state: no blobs provided");
  CHECK(message({input(reserved.value(), bytes_of("x"))}) ==
        "invalid user namespace: invalid data namespace("
        "0000000000000000000000000000000000000000000000000000000001): reserved data is forbidden");
  CHECK(message({input(ns_of(1), bytes_of("ok")), input(ns_of(1), {})}) == "data can not be empty");
  auto signed_v0 = input(ns_of(1), bytes_of("x"));
  signed_v0.signer = signer_bytes{};
  CHECK(message({signed_v0}) == "share version 0 does not support signer");
  auto v1 = input(ns_of(1), bytes_of("x"));
  v1.share_version = 1;
  CHECK(message({v1}) == "share version 1 requires signer of size 20 bytes");
  auto v9 = input(ns_of(1), bytes_of("x"));
  v9.share_version = 9;
  CHECK(message({v9}) == "share version 9 not supported. Please use 0, 1, or 2");
  CHECK(store->mempool_size() == 0);

  // A share version 1 blob with a signer is accepted and read back with it.
  v1.signer = signer_bytes{};
  v1.signer->fill(0x42);
  REQUIRE(store->submit({v1}).ok());
  REQUIRE(store->produce_block(t0 + 1s).ok());
  auto all = store->get_all(2, {ns_of(1)});
  REQUIRE(all.value().size() == 1);
  CHECK(all.value()[0].share_version == 1);
  REQUIRE(all.value()[0].signer.has_value());
  CHECK(*all.value()[0].signer == *v1.signer);
}

TEST_CASE("da_node_store: submission and mempool limits") {
  test::temp_dir dir;
  node_store_options o;
  o.data_dir = dir.path;
  o.max_submit_bytes = 100;
  o.max_mempool_bytes = 150;
  auto store = std::move(da_node_store::open(o, t0)).value();
  auto big = store->submit({input(ns_of(1), make_blob(1, 60)), input(ns_of(1), make_blob(2, 41))});
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().code == node_errc::too_large);
  REQUIRE(store->submit({input(ns_of(1), make_blob(3, 100))}).ok());
  auto full = store->submit({input(ns_of(1), make_blob(4, 60))});
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == node_errc::busy);
  REQUIRE(store->produce_block(t0 + 1s).ok());
  CHECK(store->submit({input(ns_of(1), make_blob(4, 60))}).ok());
}

TEST_CASE("da_node_store: blocks, blobs, validator blobs and the key survive a restart") {
  test::temp_dir dir;
  core::public_key key{};
  node_block head;
  sign_receipt signed_blob;
  const auto ns = ns_of(9);
  {
    auto store = open_ok(dir.path);
    key = store->validator_key();
    REQUIRE(store->submit({input(ns, bytes_of("kept"))}).ok());
    REQUIRE(store->produce_block(t0 + 1s).ok());
    REQUIRE(store->produce_block(t0 + 2s).ok());
    signed_blob = store->store_and_sign(bytes_of("validator blob")).value();
    REQUIRE(store->submit({input(ns, bytes_of("lost"))}).ok());  // no block: not durable
    head = store->head();
    // The data dir is locked while the store is open.
    node_store_options o;
    o.data_dir = dir.path;
    auto second = da_node_store::open(o, t0);
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().code == node_errc::locked);
  }
  auto store = open_ok(dir.path, t0 + 1h);  // no second genesis
  CHECK(store->validator_key() == key);
  CHECK(store->head().height == 3);
  CHECK(store->head().hash == head.hash);
  CHECK(store->head().time_ns == head.time_ns);
  CHECK(store->mempool_size() == 0);
  auto all = store->get_all(2, {ns});
  REQUIRE(all.ok());
  REQUIRE(all.value().size() == 1);
  CHECK(all.value()[0].data == bytes_of("kept"));
  auto data = store->get_by_commitment(vec(signed_blob.commitment));
  REQUIRE(data.ok());
  CHECK(data.value() == bytes_of("validator blob"));
  auto next = store->produce_block(t0 + 3s);
  REQUIRE(next.ok());
  CHECK(next.value().height == 4);
  CHECK(next.value().last_hash == head.hash);
  CHECK(next.value().blob_count == 0);
}

TEST_CASE("da_node_store: a blob altered on disk is reported as corrupt") {
  test::temp_dir dir;
  const auto ns = ns_of(3);
  {
    auto store = open_ok(dir.path);
    REQUIRE(store->submit({input(ns, bytes_of("original"))}).ok());
    REQUIRE(store->produce_block(t0 + 1s).ok());
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir.path + "/" + node_database_file).c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE blobs SET data = X'6576696c'", nullptr, nullptr, nullptr) ==
          SQLITE_OK);
  sqlite3_close(db);
  auto store = open_ok(dir.path);
  auto all = store->get_all(2, {ns});
  REQUIRE_FALSE(all.ok());
  CHECK(all.error().code == node_errc::corrupt);
}

TEST_CASE("da_node_store: store_and_sign signs SHA-256(blob) as QuorumDA verifies it") {
  test::temp_dir dir;
  auto store = open_ok(dir.path);
  const auto blob = make_blob(42, 5000);
  auto r = store->store_and_sign(blob);
  REQUIRE(r.ok());
  CHECK(r.value().newly_stored);
  CHECK(r.value().commitment == core::sha256(blob.data(), blob.size()));
  CHECK(r.value().validator_key == store->validator_key());

  // verify_proof: the read-side check of a stored QuorumDA proof.
  quorum_proof proof;
  proof.signatures.push_back(quorum_signature{0, r.value().signature});
  auto verified = verify_proof(blob.data(), blob.size(), {store->validator_key()}, 100, proof);
  INFO((verified.ok() ? std::string() : verified.error().message));
  CHECK(verified.ok());
  auto other = make_blob(43, 5000);
  CHECK_FALSE(verify_proof(other.data(), other.size(), {store->validator_key()}, 100, proof).ok());
  // signature_collector: the write-side check.
  auto collector = signature_collector::create({store->validator_key()}, 100,
                                               quorum_message(blob.data(), blob.size()));
  REQUIRE(collector.ok());
  CHECK(collector.value().add_signature(0, r.value().signature) == response_verdict::accepted);
  CHECK(collector.value().state() == collect_state::succeeded);

  // Again: same signature (Ed25519 is deterministic), not stored twice.
  auto again = store->store_and_sign(blob);
  REQUIRE(again.ok());
  CHECK_FALSE(again.value().newly_stored);
  CHECK(again.value().signature == r.value().signature);

  auto back = store->get_by_commitment(vec(r.value().commitment));
  REQUIRE(back.ok());
  CHECK(back.value() == blob);
  auto missing = store->get_by_commitment(std::vector<uint8_t>(32, 7));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == node_errc::not_found);
  CHECK(missing.error().message == "blob: not found");
  auto empty = store->store_and_sign({});
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().code == node_errc::invalid);
  CHECK(empty.error().message == "data can not be empty");
  // Validator blobs are not chain blobs.
  CHECK(store->mempool_size() == 0);
}

}  // namespace
}  // namespace dsdn::da
