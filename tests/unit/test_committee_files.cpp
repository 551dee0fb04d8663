// Committee key files: trusted-dealer generation, durable 0600/0644 writing, and loading that
// refuses insecure modes, tampered or inconsistent keys and malformed files with clear errors.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "dsdn/multi/committee_files.hpp"
#include "dsdn/multi/frost.hpp"
#include "unit/da_test_support.hpp"

using namespace dsdn::multi;
using dsdn::da::test::temp_dir;
using json = nlohmann::json;

namespace {

const std::vector<member_spec> three = {
    {"coord-a", "127.0.0.1:7001"}, {"coord-b", "127.0.0.1:7002"}, {"coord-c", "127.0.0.1:7003"}};

committee_bundle make_ok(uint16_t t, const std::vector<member_spec>& members) {
  auto r = make_committee(t, members);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void put(const std::string& path, const std::string& text, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    REQUIRE(out.good());
  }
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

bool mentions(const std::string& message, const std::string& what) {
  return message.find(what) != std::string::npos;
}

// A committee written to a temp dir, with its paths.
struct written {
  temp_dir dir;
  committee_bundle bundle = make_ok(2, three);
  committee_paths paths;
  written() {
    auto r = write_committee(dir.path + "/keys", bundle);
    INFO((r.ok() ? std::string() : r.error().message));
    REQUIRE(r.ok());
    paths = r.value();
  }
  json committee_json() const { return json::parse(slurp(paths.committee_file)); }
  json member_json(size_t i) const { return json::parse(slurp(paths.member_files[i])); }
};

// Loads the committee text `doc` written to a fresh file; returns the failure.
dsdn::failure<committee_errc> committee_refusal(const written& w, const json& doc) {
  const std::string path = w.dir.path + "/edited-committee.json";
  put(path, doc.dump(), 0644);
  auto r = load_committee(path);
  REQUIRE(!r.ok());
  return r.error();
}

dsdn::failure<committee_errc> member_refusal(const written& w, const json& doc,
                                             const committee& c) {
  const std::string path = w.dir.path + "/edited-member.json";
  put(path, doc.dump(), 0600);
  auto r = load_member(path, c);
  REQUIRE(!r.ok());
  return r.error();
}

}  // namespace

TEST_CASE("committee: write and load round trip, with modes 0600 and 0644") {
  written w;
  CHECK(w.paths.committee_file == w.dir.path + "/keys/committee.json");
  REQUIRE(w.paths.member_files.size() == 3);
  CHECK(w.paths.member_files[1] == w.dir.path + "/keys/member-coord-b.json");
  CHECK(mode_of(w.paths.committee_file) == 0644);
  for (const auto& p : w.paths.member_files) {
    CHECK(mode_of(p) == 0600);
  }
  auto loaded = load_committee(w.paths.committee_file);
  INFO((loaded.ok() ? std::string() : loaded.error().message));
  REQUIRE(loaded.ok());
  const committee& c = loaded.value();
  CHECK(c.threshold == 2);
  CHECK(c.group_public_key == w.bundle.pub.group_public_key);
  CHECK(c.commitment == w.bundle.pub.commitment);
  REQUIRE(c.members.size() == 3);
  std::vector<key_package> keys;
  for (size_t i = 0; i < 3; ++i) {
    CHECK(c.members[i].id == three[i].id);
    CHECK(c.members[i].address == three[i].address);
    CHECK(c.members[i].frost_id == identifier::from_u64(i + 1).value());
    CHECK(c.members[i].verifying_share == w.bundle.pub.members[i].verifying_share);
    auto m = load_member(w.paths.member_files[i], c);
    INFO((m.ok() ? std::string() : m.error().message));
    REQUIRE(m.ok());
    CHECK(m->id == three[i].id);
    CHECK(m->key.signing_share == w.bundle.members[i].key.signing_share);
    CHECK(m->identity.public_key_bytes() == c.members[i].identity_public_key);
    keys.push_back(m->key);
  }
  // The loaded shares sign under the loaded group key.
  const std::vector<uint8_t> msg{'h', 'i'};
  round1_output r1 = commit(keys[0]);
  round1_output r3 = commit(keys[2]);
  auto pkg = signing_package::create({r1.commitments, r3.commitments}, msg);
  REQUIRE(pkg.ok());
  auto s1 = sign(pkg.value(), std::move(r1.nonces), keys[0]);
  auto s3 = sign(pkg.value(), std::move(r3.nonces), keys[2]);
  REQUIRE((s1.ok() && s3.ok()));
  auto sig = aggregate(pkg.value(), {s1.value(), s3.value()}, c.public_keys());
  REQUIRE(sig.ok());
  CHECK(verify_signature(c.group_public_key, msg.data(), msg.size(), sig.value()));
}

TEST_CASE("committee: a given rng makes keygen deterministic; identities are distinct") {
  auto rng_from = [](uint64_t seed) {
    return [x = seed](uint8_t* out, size_t n) mutable {
      for (size_t i = 0; i < n; ++i) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        out[i] = static_cast<uint8_t>(x >> 56);
      }
    };
  };
  auto a = make_committee(2, three, rng_from(7));
  auto b = make_committee(2, three, rng_from(7));
  auto c = make_committee(2, three, rng_from(8));
  REQUIRE((a.ok() && b.ok() && c.ok()));
  CHECK(committee_to_json(a->pub) == committee_to_json(b->pub));
  CHECK(member_to_json(a->members[0]) == member_to_json(b->members[0]));
  CHECK(committee_to_json(a->pub) != committee_to_json(c->pub));
  CHECK(a->pub.members[0].identity_public_key != a->pub.members[1].identity_public_key);
}

TEST_CASE("committee: make_committee refuses bad thresholds, ids and addresses") {
  auto t1 = make_committee(1, three);
  REQUIRE(!t1.ok());
  CHECK(t1.error().code == committee_errc::invalid_argument);
  CHECK(mentions(t1.error().message, "threshold"));
  CHECK(!make_committee(4, three).ok());
  CHECK(!make_committee(2, {three[0]}).ok());

  auto dup = make_committee(2, {three[0], three[1], {"coord-a", "127.0.0.1:7009"}});
  REQUIRE(!dup.ok());
  CHECK(mentions(dup.error().message, "\"coord-a\" appears twice"));
  auto dup_addr = make_committee(2, {three[0], three[1], {"coord-x", "127.0.0.1:7001"}});
  REQUIRE(!dup_addr.ok());
  CHECK(mentions(dup_addr.error().message, "127.0.0.1:7001"));
  auto bad_id = make_committee(2, {three[0], three[1], {"coord c", "127.0.0.1:7009"}});
  REQUIRE(!bad_id.ok());
  CHECK(mentions(bad_id.error().message, "member id"));
  auto bad_addr = make_committee(2, {three[0], three[1], {"coord-x", "localhost"}});
  REQUIRE(!bad_addr.ok());
  CHECK(mentions(bad_addr.error().message, "host:port"));
}

TEST_CASE("committee: write_committee never overwrites key files") {
  written w;
  auto again = write_committee(w.dir.path + "/keys", w.bundle);
  REQUIRE(!again.ok());
  CHECK(again.error().code == committee_errc::already_exists);
  // The existing keys are intact.
  CHECK(load_member(w.paths.member_files[0], load_committee(w.paths.committee_file).value()).ok());
}

TEST_CASE("committee: a member file readable by group or others is refused") {
  written w;
  const committee c = load_committee(w.paths.committee_file).value();
  for (const mode_t mode : {0644, 0640, 0604, 0660}) {
    CAPTURE(mode);
    REQUIRE(::chmod(w.paths.member_files[0].c_str(), mode) == 0);
    auto r = load_member(w.paths.member_files[0], c);
    REQUIRE(!r.ok());
    CHECK(r.error().code == committee_errc::insecure_permissions);
    CHECK(mentions(r.error().message, "chmod 600"));
  }
  REQUIRE(::chmod(w.paths.member_files[0].c_str(), 0400) == 0);
  CHECK(load_member(w.paths.member_files[0], c).ok());
  // The committee file is public but must not be writable by others.
  REQUIRE(::chmod(w.paths.committee_file.c_str(), 0666) == 0);
  auto r = load_committee(w.paths.committee_file);
  REQUIRE(!r.ok());
  CHECK(r.error().code == committee_errc::insecure_permissions);
}

TEST_CASE("committee: a tampered signing share is refused against the VSS commitment") {
  written w;
  const committee c = load_committee(w.paths.committee_file).value();
  json doc = w.member_json(1);
  // Another canonical scalar: the share of member 1 plus one.
  const scalar tampered = w.bundle.members[1].key.signing_share + scalar::from_u64(1);
  doc["signing_share"] = dsdn::core::to_hex(tampered.bytes());
  auto e = member_refusal(w, doc, c);
  CHECK(e.code == committee_errc::invalid_key);
  CHECK(mentions(e.message, "does not match the committee's VSS commitment"));
  // Another member's (valid) share under this member's identifier is refused the same way.
  doc["signing_share"] = dsdn::core::to_hex(w.bundle.members[0].key.signing_share.bytes());
  CHECK(member_refusal(w, doc, c).code == committee_errc::invalid_key);
  // A non-canonical scalar (>= L).
  doc["signing_share"] = std::string(64, 'f');
  CHECK(member_refusal(w, doc, c).code == committee_errc::invalid_key);
}

TEST_CASE("committee: a verifying share that does not match the commitment is refused") {
  written w;
  json doc = w.committee_json();
  doc["members"][2]["verifying_share"] = doc["members"][0]["verifying_share"];
  auto e = committee_refusal(w, doc);
  CHECK(e.code == committee_errc::invalid_key);
  CHECK(mentions(e.message, "\"coord-c\"'s verifying share does not match the VSS commitment"));
}

TEST_CASE("committee: duplicate ids, addresses, identifiers and identity keys are refused") {
  written w;
  const json base = w.committee_json();
  json doc = base;
  doc["members"][1]["id"] = "coord-a";
  CHECK(mentions(committee_refusal(w, doc).message, "\"coord-a\" appears twice"));
  doc = base;
  doc["members"][1]["address"] = base["members"][0]["address"];
  CHECK(mentions(committee_refusal(w, doc).message, "address 127.0.0.1:7001"));
  doc = base;
  doc["members"][1]["identifier"] = base["members"][0]["identifier"];
  CHECK(mentions(committee_refusal(w, doc).message, "FROST identifier 1"));
  doc = base;
  doc["members"][1]["identity_public_key"] = base["members"][0]["identity_public_key"];
  CHECK(mentions(committee_refusal(w, doc).message, "identity public key of another member"));
  doc = base;
  doc["members"][1]["id"] = "bad id";
  CHECK(mentions(committee_refusal(w, doc).message, "member id"));
  doc = base;
  doc["members"][1]["address"] = "no-port";
  CHECK(mentions(committee_refusal(w, doc).message, "host:port"));
}

TEST_CASE("committee: a threshold outside 2..n is refused") {
  written w;
  for (const int t : {0, 1, 4, 70000}) {
    CAPTURE(t);
    json doc = w.committee_json();
    doc["threshold"] = t;
    auto e = committee_refusal(w, doc);
    CHECK(mentions(e.message, "threshold"));
  }
  json doc = w.committee_json();
  doc["threshold"] = -2;
  CHECK(committee_refusal(w, doc).code == committee_errc::malformed);
  // A commitment of the wrong length for the threshold.
  doc = w.committee_json();
  doc["vss_commitment"].push_back(doc["vss_commitment"][1]);
  doc["threshold"] = 3;
  CHECK(mentions(committee_refusal(w, doc).message, "VSS commitment"));
}

TEST_CASE("committee: a member file that disagrees with the committee file is refused") {
  written w;
  const committee c = load_committee(w.paths.committee_file).value();
  const json base = w.member_json(0);
  json doc = base;
  doc["group_public_key"] = dsdn::core::to_hex(w.bundle.pub.members[1].verifying_share.bytes());
  auto e = member_refusal(w, doc, c);
  CHECK(e.code == committee_errc::mismatch);
  CHECK(mentions(e.message, "group public key differs"));
  doc = base;
  doc["id"] = "coord-z";
  CHECK(mentions(member_refusal(w, doc, c).message, "no member \"coord-z\""));
  doc = base;
  doc["identifier"] = w.member_json(1)["identifier"];
  CHECK(mentions(member_refusal(w, doc, c).message, "FROST identifier 2 differs"));
  doc = base;
  doc["address"] = "127.0.0.1:9999";
  CHECK(member_refusal(w, doc, c).code == committee_errc::mismatch);
  doc = base;
  doc["min_signers"] = 3;
  CHECK(mentions(member_refusal(w, doc, c).message, "min_signers 3"));
  doc = base;
  doc["identity_secret_key"] = w.member_json(1)["identity_secret_key"];
  CHECK(mentions(member_refusal(w, doc, c).message, "identity key differs"));
  // A whole member file of another committee.
  written other;
  auto foreign = load_member(other.paths.member_files[0], c);
  REQUIRE(!foreign.ok());
  CHECK(foreign.error().code == committee_errc::mismatch);
}

TEST_CASE("committee: malformed JSON, hex, lengths and fields are refused") {
  written w;
  const committee c = load_committee(w.paths.committee_file).value();
  const std::string path = w.dir.path + "/bad.json";
  put(path, "{\"format\": ", 0644);
  auto syntax = load_committee(path);
  REQUIRE(!syntax.ok());
  CHECK(syntax.error().code == committee_errc::malformed);
  CHECK(mentions(syntax.error().message, "not valid JSON"));
  put(path, "[]", 0644);
  CHECK(load_committee(path).error().code == committee_errc::malformed);

  const json base = w.committee_json();
  json doc = base;
  doc["group_public_key"] = "zz" + base["group_public_key"].get<std::string>().substr(2);
  CHECK(mentions(committee_refusal(w, doc).message, "\"group_public_key\" must be 64 hex"));
  doc = base;
  doc["members"][0]["verifying_share"] = "abcd";
  CHECK(committee_refusal(w, doc).code == committee_errc::malformed);
  doc = base;
  doc.erase("members");
  CHECK(mentions(committee_refusal(w, doc).message, "lacks \"members\""));
  doc = base;
  doc["extra"] = 1;
  CHECK(mentions(committee_refusal(w, doc).message, "unknown field \"extra\""));
  doc = base;
  doc["format"] = "something-else";
  CHECK(mentions(committee_refusal(w, doc).message, "not a committee file"));
  doc = base;
  doc["vss_commitment"][1] = std::string(64, '0');  // not a valid point
  CHECK(committee_refusal(w, doc).code == committee_errc::invalid_key);
  // A repeated key would otherwise be resolved silently.
  std::string text = base.dump();
  text.insert(1, "\"threshold\": 3, ");
  put(path, text, 0644);
  CHECK(mentions(load_committee(path).error().message, "repeats the key \"threshold\""));

  json m = w.member_json(0);
  m["identity_secret_key"] = "00";
  CHECK(mentions(member_refusal(w, m, c).message, "\"identity_secret_key\" must be 128 hex"));
  m = w.member_json(0);
  m["min_signers"] = "2";
  CHECK(member_refusal(w, m, c).code == committee_errc::malformed);
}
