// libFuzzer target for decode_blob: no input may crash the decoder, both overloads must agree,
// and whatever the decoder accepts must re-encode to exactly the bytes it came from.
//
// Random bytes almost never carry a valid signature, so each input is also decoded a second
// time after being re-signed with the fuzz key (publisher field and trailing 64 bytes
// replaced). That takes the fuzzer past the signature check into the success path. The seed
// corpus in tests/fuzz/corpus/ is signed with the same key.

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "dsdn/core/codec.hpp"

using namespace dsdn::core;

namespace {

constexpr size_t publisher_at = 5;
constexpr size_t first_event_at = 65;
constexpr size_t event_prefix_size = 5;
constexpr size_t signature_size = 64;

/// The key the seed corpus is signed with: from_seed(32 x 0x5a).
const identity_key& fuzz_key() {
  static const identity_key key = [] {
    std::array<uint8_t, 32> seed{};
    seed.fill(0x5a);
    return identity_key::from_seed(seed);
  }();
  return key;
}

const trusted_publishers& fuzz_trusted() {
  static const trusted_publishers trusted({fuzz_key().public_key_bytes()});
  return trusted;
}

// A broken invariant is a finding: abort so libFuzzer saves the input.
void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

// Walks the events of an accepted blob and compares each type byte and payload with what
// encode_event_payload makes of the decoded event.
void check_payloads(const uint8_t* data, size_t size, const event_blob& blob) {
  size_t at = first_event_at;
  std::vector<uint8_t> payload;
  for (const event& e : blob.events) {
    require(at + event_prefix_size <= size);
    require(data[at] == static_cast<uint8_t>(type_of(e)));
    const uint32_t length = load_u32(data + at + 1);
    at += event_prefix_size;
    payload.clear();
    encode_event_payload(e, payload);
    require(payload.size() == length && at + length <= size);
    require(std::memcmp(payload.data(), data + at, length) == 0);
    at += length;
  }
  require(at + signature_size == size);
}

// Checks everything that must hold for one input, decoded with both overloads.
void check_input(const uint8_t* data, size_t size) {
  const decode_result plain = decode_blob(data, size);
  const decode_result trusted = decode_blob(data, size, fuzz_trusted());

  if (!trusted.ok() && trusted.error().code == codec_error::untrusted_publisher) {
    require(plain.ok() || plain.error().code != codec_error::untrusted_publisher);
  } else {
    // Past the publisher check the two overloads are the same decoder.
    require(plain.ok() == trusted.ok());
    if (!plain.ok()) {
      require(plain.error().code == trusted.error().code);
      require(plain.error().message == trusted.error().message);
    }
  }
  require(plain.ok() || !plain.error().message.empty());
  if (!plain.ok()) {
    return;
  }

  const event_blob& blob = plain.value();
  require(!blob.events.empty() && blob.events.size() <= max_events_per_blob);
  require(blob.header.epoch != 0 && blob.header.sequence != 0);
  check_payloads(data, size, blob);
  if (blob.header.publisher == fuzz_key().public_key_bytes()) {
    // The format is canonical and Ed25519 deterministic: re-encoding gives the same bytes.
    const std::vector<uint8_t> again = encode_blob(blob.header, blob.events, fuzz_key());
    require(again.size() == size && std::memcmp(again.data(), data, size) == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_input(data, size);

  if (size < first_event_at + signature_size || size > max_blob_size) {
    return 0;
  }
  std::vector<uint8_t> resigned(data, data + size);
  const public_key& pub = fuzz_key().public_key_bytes();
  std::memcpy(resigned.data() + publisher_at, pub.data(), pub.size());
  const size_t signed_size = size - signature_size;
  const signature sig = fuzz_key().sign(resigned.data(), signed_size);
  std::memcpy(resigned.data() + signed_size, sig.data(), sig.size());

  const decode_result r = decode_blob(resigned.data(), resigned.size());
  // The signature is valid by construction, so any refusal must be a structural one.
  require(r.ok() || r.error().code != codec_error::bad_signature);
  check_input(resigned.data(), resigned.size());
  return 0;
}
