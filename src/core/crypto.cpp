#include "dsdn/core/crypto.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>

namespace dsdn::core {
namespace {

static_assert(crypto_sign_PUBLICKEYBYTES == std::tuple_size_v<public_key>);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(crypto_sign_SEEDBYTES == 32);
static_assert(crypto_sign_BYTES == std::tuple_size_v<signature>);

// libsodium wants a valid pointer even for an empty message.
const uint8_t* non_null(const uint8_t* data) {
  static const uint8_t empty = 0;
  return data != nullptr ? data : &empty;
}

// Fetched once: the implicit fetch behind EVP_sha256() takes a lock on every digest in
// OpenSSL 3, which shows up when hashing millions of small inputs.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) {
    throw std::runtime_error("OpenSSL: SHA-256 is not available");
  }
  return md;
}

EVP_MD_CTX* as_ctx(void* p) {
  return static_cast<EVP_MD_CTX*>(p);
}

void init_digest(EVP_MD_CTX* ctx) {
  if (EVP_DigestInit_ex(ctx, sha256_md(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL: EVP_DigestInit_ex(SHA-256) failed");
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

void crypto_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      throw std::runtime_error("libsodium: sodium_init failed");
    }
  });
}

identity_key identity_key::generate() {
  crypto_init();
  identity_key key;
  crypto_sign_keypair(key.public_.data(), key.secret_.data());
  return key;
}

identity_key identity_key::from_seed(const std::array<uint8_t, 32>& seed) {
  crypto_init();
  identity_key key;
  crypto_sign_seed_keypair(key.public_.data(), key.secret_.data(), seed.data());
  return key;
}

bool identity_key::from_secret(const uint8_t* secret64, identity_key& out) {
  if (secret64 == nullptr) {
    return false;
  }
  crypto_init();
  identity_key derived;
  crypto_sign_seed_keypair(derived.public_.data(), derived.secret_.data(), secret64);
  // A secret whose public half is not the seed's public key would sign under one key and
  // claim another.
  if (std::memcmp(derived.public_.data(), secret64 + 32, 32) != 0) {
    return false;
  }
  out = derived;
  return true;
}

identity_key::identity_key(const identity_key& other)
    : secret_(other.secret_), public_(other.public_) {}

identity_key& identity_key::operator=(const identity_key& other) {
  if (this != &other) {
    sodium_memzero(secret_.data(), secret_.size());
    secret_ = other.secret_;
    public_ = other.public_;
  }
  return *this;
}

identity_key::~identity_key() {
  sodium_memzero(secret_.data(), secret_.size());
}

signature identity_key::sign(const uint8_t* data, size_t size) const {
  crypto_init();
  signature sig{};
  crypto_sign_detached(sig.data(), nullptr, non_null(data), size, secret_.data());
  return sig;
}

bool verify_signature(const public_key& key, const uint8_t* data, size_t size,
                      const signature& sig) {
  crypto_init();
  return crypto_sign_verify_detached(sig.data(), non_null(data), size, key.data()) == 0;
}

sha256_digest sha256(const uint8_t* data, size_t size) {
  sha256_digest out{};
  unsigned int len = 0;
  if (EVP_Digest(non_null(data), size, out.data(), &len, sha256_md(), nullptr) != 1 ||
      len != out.size()) {
    throw std::runtime_error("OpenSSL: EVP_Digest(SHA-256) failed");
  }
  return out;
}

sha256_hasher::sha256_hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) {
    throw std::bad_alloc();
  }
  try {
    init_digest(as_ctx(ctx_));
  } catch (...) {
    EVP_MD_CTX_free(as_ctx(ctx_));
    throw;
  }
}

sha256_hasher::~sha256_hasher() {
  EVP_MD_CTX_free(as_ctx(ctx_));
}

void sha256_hasher::update(const uint8_t* data, size_t size) {
  if (EVP_DigestUpdate(as_ctx(ctx_), non_null(data), size) != 1) {
    throw std::runtime_error("OpenSSL: EVP_DigestUpdate(SHA-256) failed");
  }
}

sha256_digest sha256_hasher::finish() {
  sha256_digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(as_ctx(ctx_), out.data(), &len) != 1 || len != out.size()) {
    throw std::runtime_error("OpenSSL: EVP_DigestFinal_ex(SHA-256) failed");
  }
  init_digest(as_ctx(ctx_));
  return out;
}

std::string to_hex(const uint8_t* data, size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(size * 2, '\0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0x0f];
  }
  return out;
}

bool from_hex(std::string_view hex, uint8_t* out, size_t n) {
  if (hex.size() % 2 != 0 || hex.size() / 2 != n) {
    return false;
  }
  // Validate everything first so a rejected input leaves `out` untouched.
  for (char c : hex) {
    if (hex_value(c) < 0) {
      return false;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    out[i] = static_cast<uint8_t>(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
  }
  return true;
}

}  // namespace dsdn::core
