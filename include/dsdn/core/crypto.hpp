#pragma once
// Ed25519 identities (libsodium) and SHA-256 (OpenSSL EVP, SHA-NI where the CPU has it).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dsdn::core {

using public_key = std::array<uint8_t, 32>;
using signature = std::array<uint8_t, 64>;
using sha256_digest = std::array<uint8_t, 32>;

/// Initialises libsodium once; safe to call from any thread, any number of times.
void crypto_init();

/// An Ed25519 key pair. The secret key is wiped when the object dies.
class identity_key {
 public:
  /// A fresh random key pair.
  static identity_key generate();
  /// The key pair for a 32-byte seed (deterministic; for tests and benchmarks).
  static identity_key from_seed(const std::array<uint8_t, 32>& seed);
  /// The key pair from libsodium's 64-byte secret key (seed || public key); checks consistency.
  static bool from_secret(const uint8_t* secret64, identity_key& out);

  identity_key() = default;
  identity_key(const identity_key&);
  identity_key& operator=(const identity_key&);
  ~identity_key();

  const public_key& public_key_bytes() const { return public_; }
  /// The 64-byte libsodium secret key (seed || public key), for persisting.
  const std::array<uint8_t, 64>& secret_bytes() const { return secret_; }
  /// Ed25519 signature over `data`.
  signature sign(const uint8_t* data, size_t size) const;

 private:
  std::array<uint8_t, 64> secret_{};
  public_key public_{};
};

/// True when `sig` is a valid Ed25519 signature of `data` under `key`.
bool verify_signature(const public_key& key, const uint8_t* data, size_t size,
                      const signature& sig);

/// SHA-256 of a byte range.
sha256_digest sha256(const uint8_t* data, size_t size);

/// Incremental SHA-256 (OpenSSL EVP); used by the state checksum over a canonical encoding.
class sha256_hasher {
 public:
  /// A hasher with nothing hashed yet.
  sha256_hasher();
  ~sha256_hasher();
  sha256_hasher(const sha256_hasher&) = delete;
  sha256_hasher& operator=(const sha256_hasher&) = delete;
  /// Appends `size` bytes to the hashed input.
  void update(const uint8_t* data, size_t size);
  /// Appends the bytes of `s`.
  void update(std::string_view s) { update(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
  /// The digest of everything appended since construction or the previous finish(); the hasher
  /// then starts over, empty.
  sha256_digest finish();

 private:
  void* ctx_;
};

/// Lower-case hex of a byte range.
std::string to_hex(const uint8_t* data, size_t size);
template <size_t N>
std::string to_hex(const std::array<uint8_t, N>& a) {
  return to_hex(a.data(), N);
}
/// Parses exactly `N` bytes of hex (either case); false on any other input.
bool from_hex(std::string_view hex, uint8_t* out, size_t n);

}  // namespace dsdn::core
