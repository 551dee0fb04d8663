#include "dsdn/multi/member_signer.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "dsdn/multi/domain.hpp"
#include "dsdn/multi/sign.hpp"
#include "dsdn/multi/signing_package.hpp"

namespace dsdn::multi {
namespace {

constexpr std::string_view share_request_context = "DSDN/committee/share-request/v1";
constexpr std::string_view hello_context = "DSDN/committee/hello/v1";

// The nonce store's key of a wire commitment id || D || E: D || E.
std::array<uint8_t, 64> nonce_key_of(const commitment_bytes& c) {
  std::array<uint8_t, 64> key{};
  std::memcpy(key.data(), c.data() + 32, 64);
  return key;
}

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void put_bytes(std::vector<uint8_t>& out, const uint8_t* data, size_t size) {
  put_u32(out, static_cast<uint32_t>(size));
  out.insert(out.end(), data, data + size);
}

void put_text(std::vector<uint8_t>& out, std::string_view s) {
  put_bytes(out, reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

const char* to_string(signer_errc e) {
  switch (e) {
    case signer_errc::unknown_requester:
      return "unknown_requester";
    case signer_errc::bad_request_signature:
      return "bad_request_signature";
    case signer_errc::not_signable:
      return "not_signable";
    case signer_errc::malformed_package:
      return "malformed_package";
    case signer_errc::unknown_commitment:
      return "unknown_commitment";
    case signer_errc::signing_failed:
      return "signing_failed";
  }
  return "unknown";
}

std::vector<uint8_t> share_request_bytes(std::string_view requester,
                                         const std::vector<uint8_t>& message,
                                         const std::vector<commitment_bytes>& commitments) {
  std::vector<uint8_t> out;
  out.reserve(share_request_context.size() + 16 + requester.size() + message.size() +
              commitments.size() * signing_commitments::encoded_size);
  put_text(out, share_request_context);
  put_text(out, requester);
  put_bytes(out, message.data(), message.size());
  put_u32(out, static_cast<uint32_t>(commitments.size()));
  for (const auto& c : commitments)
    out.insert(out.end(), c.begin(), c.end());
  return out;
}

std::vector<uint8_t> hello_bytes(const uint8_t* challenge32, std::string_view challenger,
                                 std::string_view responder) {
  std::vector<uint8_t> out;
  put_text(out, hello_context);
  put_bytes(out, challenge32, 32);
  put_text(out, challenger);
  put_text(out, responder);
  return out;
}

result<bool, signer_errc> check_signable(const std::vector<uint8_t>& message,
                                         const member_signer_limits& limits) {
  if (message.size() > limits.max_message_bytes)
    return {signer_errc::not_signable, "message of " + std::to_string(message.size()) +
                                           " bytes exceeds the limit of " +
                                           std::to_string(limits.max_message_bytes)};
  auto decoded = decode_domain_message(message);
  if (!decoded)
    return {signer_errc::not_signable,
            "not a domain-separated message: " + decoded.error().message};
  switch (decoded->kind) {
    case message_kind::operator_message:
      // An operator message is opaque bytes the operator vouches for with the API token; the
      // domain keeps it from ever passing for another kind.
      if (decoded->payload.empty())
        return {signer_errc::not_signable, "operator-message payload is empty"};
      return true;
    case message_kind::receipt:
      return {signer_errc::not_signable,
              "this member does not validate receipt payloads, so it signs none"};
  }
  return {signer_errc::not_signable, "unknown message kind"};
}

member_signer::member_signer(committee c, member_secret self, member_signer_limits limits)
    : committee_(std::move(c)), self_(std::move(self)), limits_(limits) {}

commitment_bytes member_signer::commit() {
  while (nonces_.size() >= limits_.max_pending_nonces && !order_.empty()) {
    nonces_.erase(order_.front());  // wiped by signing_nonces' destructor
    order_.pop_front();
  }
  round1_output r = multi::commit(self_.key);
  nonce_key key{};
  std::memcpy(key.data(), r.commitments.hiding.bytes().data(), 32);
  std::memcpy(key.data() + 32, r.commitments.binding.bytes().data(), 32);
  commitment_bytes out = r.commitments.encode();
  nonces_.emplace(key, std::move(r.nonces));
  order_.push_back(key);
  // Drop used keys from the front so the deque stays bounded by the live nonces.
  while (!order_.empty() && nonces_.find(order_.front()) == nonces_.end())
    order_.pop_front();
  return out;
}

result<signing_package, signer_errc> member_signer::decode_package(
    const std::vector<uint8_t>& message, const std::vector<commitment_bytes>& commitments) const {
  if (commitments.size() < committee_.threshold || commitments.size() > committee_.members.size())
    return {signer_errc::malformed_package,
            "the package lists " + std::to_string(commitments.size()) +
                " signers; the committee needs " + std::to_string(committee_.threshold) + " to " +
                std::to_string(committee_.members.size())};
  std::vector<signing_commitments> list;
  list.reserve(commitments.size());
  for (const auto& bytes : commitments) {
    if (std::memcmp(bytes.data(), self_.key.id.bytes().data(), 32) == 0) {
      // Our own (D, E) must be one we issued: take the validated points kept with the nonces
      // instead of decoding them again (two subgroup checks saved per request).
      auto it = nonces_.find(nonce_key_of(bytes));
      if (it == nonces_.end())
        return {signer_errc::unknown_commitment, "the commitment of " + self_.id +
                                                     " in the package was not issued or is "
                                                     "already used"};
      list.push_back(it->second.commitments());
      continue;
    }
    auto c = signing_commitments::decode(bytes.data());
    if (!c)
      return {signer_errc::malformed_package, c.error().message};
    if (!committee_.find(c->id))
      return {signer_errc::malformed_package,
              "participant " + c->id.to_string() + " is not a committee member"};
    list.push_back(c.value());
  }
  auto pkg = signing_package::create(std::move(list), message);
  if (!pkg)
    return {signer_errc::malformed_package, pkg.error().message};
  return std::move(pkg).value();
}

result<scalar::bytes_type, signer_errc> member_signer::sign(
    std::string_view requester, const std::vector<uint8_t>& message,
    const std::vector<commitment_bytes>& commitments, const core::signature& request_signature) {
  const committee_member* who = committee_.find(requester);
  if (!who)
    return {signer_errc::unknown_requester,
            "requester \"" + std::string(requester) + "\" is not a committee member"};
  auto signed_bytes = share_request_bytes(requester, message, commitments);
  if (!core::verify_signature(who->identity_public_key, signed_bytes.data(), signed_bytes.size(),
                              request_signature))
    return {signer_errc::bad_request_signature,
            "the request is not signed by the identity key of " + who->id};
  auto signable = check_signable(message, limits_);
  if (!signable)
    return signable.error();
  auto pkg = decode_package(message, commitments);
  if (!pkg)
    return pkg.error();
  const signing_commitments* mine = pkg->find(self_.key.id);
  if (!mine)
    return {signer_errc::malformed_package, "the package holds no commitment of " + self_.id};
  nonce_key key{};
  std::memcpy(key.data(), mine->hiding.bytes().data(), 32);
  std::memcpy(key.data() + 32, mine->binding.bytes().data(), 32);
  auto it = nonces_.find(key);  // found: decode_package took `mine` from this entry
  if (it == nonces_.end())
    return {signer_errc::unknown_commitment,
            "the commitment of " + self_.id + " in the package was not issued or is already used"};
  signing_nonces nonces = std::move(it->second);
  nonces_.erase(it);  // used once, whatever happens next
  auto share = multi::sign(pkg.value(), std::move(nonces), self_.key);
  if (!share)
    return {signer_errc::signing_failed, share.error().message};
  return share->encode();
}

core::signature member_signer::hello(const uint8_t* challenge32,
                                     std::string_view challenger) const {
  auto bytes = hello_bytes(challenge32, challenger, self_.id);
  return self_.identity.sign(bytes.data(), bytes.size());
}

}  // namespace dsdn::multi
