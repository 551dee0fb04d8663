// Ed25519 identities, SHA-256 and the hex helpers (dsdn/core/crypto.hpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dsdn/core/crypto.hpp"

using namespace dsdn::core;

namespace {

std::array<uint8_t, 32> seed_of(uint8_t fill) {
  std::array<uint8_t, 32> seed{};
  seed.fill(fill);
  return seed;
}

template <size_t N>
std::array<uint8_t, N> hex_array(std::string_view hex) {
  std::array<uint8_t, N> out{};
  REQUIRE(from_hex(hex, out.data(), N));
  return out;
}

std::string sha256_hex(std::string_view s) {
  return to_hex(sha256(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

const uint8_t* bytes_of(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

}  // namespace

TEST_CASE("sha256 matches the FIPS 180-2 vectors") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(to_hex(sha256(nullptr, 0)) == sha256_hex(""));
}

TEST_CASE("sha256_hasher incremental equals one-shot") {
  std::vector<uint8_t> data(10'000);
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<uint8_t>(i * 131 + (i >> 8));
  }
  const sha256_digest expected = sha256(data.data(), data.size());

  for (size_t chunk : {size_t{1}, size_t{7}, size_t{63}, size_t{64}, size_t{65}, size_t{4096}}) {
    CAPTURE(chunk);
    sha256_hasher h;
    for (size_t off = 0; off < data.size(); off += chunk) {
      h.update(data.data() + off, std::min(chunk, data.size() - off));
    }
    CHECK(h.finish() == expected);
  }

  SUBCASE("finish starts over") {
    sha256_hasher h;
    h.update("ab");
    h.update(std::string_view("c"));
    CHECK(to_hex(h.finish()) == sha256_hex("abc"));
    CHECK(to_hex(h.finish()) == sha256_hex(""));
    h.update("abc");
    CHECK(to_hex(h.finish()) == sha256_hex("abc"));
  }

  SUBCASE("one million 'a'") {
    const std::string block(1000, 'a');
    sha256_hasher h;
    for (int i = 0; i < 1000; ++i) {
      h.update(block);
    }
    CHECK(to_hex(h.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }
}

TEST_CASE("identity_key matches the RFC 8032 Ed25519 test vector 1") {
  const auto seed =
      hex_array<32>("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  const identity_key key = identity_key::from_seed(seed);
  CHECK(to_hex(key.public_key_bytes()) ==
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const signature sig = key.sign(nullptr, 0);
  CHECK(to_hex(sig) ==
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
        "1cf9b46bd25bf5f0595bbe24655141438e7a100b");
  CHECK(verify_signature(key.public_key_bytes(), nullptr, 0, sig));
}

TEST_CASE("identity_key signs and verifies") {
  const identity_key key = identity_key::from_seed(seed_of(1));
  const identity_key other = identity_key::from_seed(seed_of(2));
  const std::string msg = "blob bytes";
  const signature sig = key.sign(bytes_of(msg), msg.size());

  CHECK(verify_signature(key.public_key_bytes(), bytes_of(msg), msg.size(), sig));
  CHECK_FALSE(verify_signature(other.public_key_bytes(), bytes_of(msg), msg.size(), sig));
  CHECK_FALSE(verify_signature(key.public_key_bytes(), bytes_of(msg), msg.size() - 1, sig));

  std::string changed = msg;
  changed[0] ^= 0x01;
  CHECK_FALSE(verify_signature(key.public_key_bytes(), bytes_of(changed), changed.size(), sig));

  for (size_t bit = 0; bit < sig.size() * 8; bit += 37) {
    signature bad = sig;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    CHECK_FALSE(verify_signature(key.public_key_bytes(), bytes_of(msg), msg.size(), bad));
  }
}

TEST_CASE("identity_key::from_seed is deterministic") {
  const identity_key a = identity_key::from_seed(seed_of(7));
  const identity_key b = identity_key::from_seed(seed_of(7));
  const identity_key c = identity_key::from_seed(seed_of(8));
  CHECK(a.public_key_bytes() == b.public_key_bytes());
  CHECK(a.secret_bytes() == b.secret_bytes());
  CHECK(a.public_key_bytes() != c.public_key_bytes());
  // libsodium's secret key is seed || public key.
  CHECK(std::equal(a.secret_bytes().begin(), a.secret_bytes().begin() + 32, seed_of(7).begin()));
  CHECK(std::equal(a.secret_bytes().begin() + 32, a.secret_bytes().end(),
                   a.public_key_bytes().begin()));
  const std::string msg = "same signature";
  CHECK(a.sign(bytes_of(msg), msg.size()) == b.sign(bytes_of(msg), msg.size()));
}

TEST_CASE("identity_key::generate gives distinct working keys") {
  const identity_key a = identity_key::generate();
  const identity_key b = identity_key::generate();
  CHECK(a.public_key_bytes() != b.public_key_bytes());
  const std::string msg = "hello";
  CHECK(verify_signature(a.public_key_bytes(), bytes_of(msg), msg.size(),
                         a.sign(bytes_of(msg), msg.size())));
}

TEST_CASE("identity_key::from_secret round-trips and rejects a mismatched public half") {
  const identity_key key = identity_key::from_seed(seed_of(3));

  identity_key loaded;
  REQUIRE(identity_key::from_secret(key.secret_bytes().data(), loaded));
  CHECK(loaded.public_key_bytes() == key.public_key_bytes());
  CHECK(loaded.secret_bytes() == key.secret_bytes());

  // Seed of key 3, public half of key 4.
  const identity_key other = identity_key::from_seed(seed_of(4));
  std::array<uint8_t, 64> mixed = key.secret_bytes();
  std::copy(other.public_key_bytes().begin(), other.public_key_bytes().end(), mixed.begin() + 32);
  identity_key untouched = identity_key::from_seed(seed_of(5));
  CHECK_FALSE(identity_key::from_secret(mixed.data(), untouched));
  CHECK(untouched.public_key_bytes() == identity_key::from_seed(seed_of(5)).public_key_bytes());

  // A single flipped bit in the public half is enough.
  std::array<uint8_t, 64> flipped = key.secret_bytes();
  flipped[63] ^= 0x80;
  CHECK_FALSE(identity_key::from_secret(flipped.data(), untouched));

  CHECK_FALSE(identity_key::from_secret(nullptr, untouched));
}

TEST_CASE("identity_key copies") {
  const identity_key a = identity_key::from_seed(seed_of(9));
  identity_key b(a);
  CHECK(b.secret_bytes() == a.secret_bytes());
  identity_key c = identity_key::from_seed(seed_of(10));
  c = a;
  CHECK(c.public_key_bytes() == a.public_key_bytes());
  CHECK(c.secret_bytes() == a.secret_bytes());
  const identity_key& alias = c;
  c = alias;
  CHECK(c.secret_bytes() == a.secret_bytes());
}

TEST_CASE("to_hex and from_hex") {
  const std::array<uint8_t, 5> bytes = {0x00, 0x01, 0xab, 0x7f, 0xff};
  CHECK(to_hex(bytes) == "0001ab7fff");
  CHECK(to_hex(bytes.data(), 0).empty());

  std::array<uint8_t, 5> back{};
  REQUIRE(from_hex("0001ab7fff", back.data(), back.size()));
  CHECK(back == bytes);
  REQUIRE(from_hex("0001AB7fFF", back.data(), back.size()));
  CHECK(back == bytes);

  std::vector<uint8_t> all(256);
  for (size_t i = 0; i < all.size(); ++i) {
    all[i] = static_cast<uint8_t>(i);
  }
  std::vector<uint8_t> parsed(256);
  REQUIRE(from_hex(to_hex(all.data(), all.size()), parsed.data(), parsed.size()));
  CHECK(parsed == all);

  std::array<uint8_t, 2> out = {0x11, 0x22};
  CHECK_FALSE(from_hex("abc", out.data(), 2));     // odd length
  CHECK_FALSE(from_hex("abcde", out.data(), 2));   // odd length
  CHECK_FALSE(from_hex("ab", out.data(), 2));      // too short
  CHECK_FALSE(from_hex("abcdef", out.data(), 2));  // too long
  CHECK_FALSE(from_hex("abcg", out.data(), 2));    // not hex
  CHECK_FALSE(from_hex("ab d", out.data(), 2));
  CHECK_FALSE(from_hex("0x12", out.data(), 2));
  CHECK_FALSE(from_hex(std::string_view("ab\0d", 4), out.data(), 2));
  CHECK(out == std::array<uint8_t, 2>{0x11, 0x22});  // untouched by rejected input
  CHECK(from_hex("", out.data(), 0));
}
