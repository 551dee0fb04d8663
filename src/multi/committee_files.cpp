#include "dsdn/multi/committee_files.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <utility>

#include "committee_json.hpp"
#include "dsdn/multi/scalar.hpp"
#include "key_file_io.hpp"

namespace dsdn::multi {
namespace {

using detail::fail;
using detail::wipe;

scalar random_scalar(const random_source& rng) {
  if (!rng) {
    return scalar::random();
  }
  for (;;) {
    uint8_t wide[64];
    rng(wide, sizeof wide);
    const scalar s = scalar::reduce_wide(wide);
    sodium_memzero(wide, sizeof wide);
    if (!s.is_zero()) {
      return s;
    }
  }
}

core::identity_key random_identity(const random_source& rng) {
  if (!rng) {
    return core::identity_key::generate();
  }
  std::array<uint8_t, 32> seed{};
  rng(seed.data(), seed.size());
  core::identity_key key = core::identity_key::from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

}  // namespace

const char* to_string(committee_errc e) {
  switch (e) {
    case committee_errc::invalid_argument:
      return "invalid_argument";
    case committee_errc::io_error:
      return "io_error";
    case committee_errc::insecure_permissions:
      return "insecure_permissions";
    case committee_errc::malformed:
      return "malformed";
    case committee_errc::invalid_key:
      return "invalid_key";
    case committee_errc::mismatch:
      return "mismatch";
    case committee_errc::already_exists:
      return "already_exists";
  }
  return "unknown";
}

std::optional<peer_endpoint> split_address(std::string_view address) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) {
    return std::nullopt;
  }
  uint32_t port = 0;
  for (char c : address.substr(colon + 1)) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    port = port * 10 + static_cast<uint32_t>(c - '0');
    if (port > 65535) {
      return std::nullopt;
    }
  }
  std::string_view host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (port == 0) {
    return std::nullopt;
  }
  return peer_endpoint{std::string(host), static_cast<uint16_t>(port)};
}

const committee_member* committee::find(std::string_view id) const {
  for (const auto& m : members) {
    if (m.id == id) {
      return &m;
    }
  }
  return nullptr;
}

const committee_member* committee::find(const identifier& id) const {
  for (const auto& m : members) {
    if (m.frost_id == id) {
      return &m;
    }
  }
  return nullptr;
}

public_key_package committee::public_keys() const {
  public_key_package pkg;
  pkg.group_key = group_public_key;
  pkg.min_signers = threshold;
  for (const auto& m : members) {
    pkg.verifying_shares.emplace_back(m.frost_id, m.verifying_share);
  }
  return pkg;
}

std::string member_file_name(std::string_view id) {
  return "member-" + std::string(id) + ".json";
}

committee_result<committee_bundle> make_committee(uint16_t threshold,
                                                  const std::vector<member_spec>& members,
                                                  const random_source& rng) {
  if (threshold < 2 || threshold > members.size() || members.size() > UINT16_MAX) {
    return fail(committee_errc::invalid_argument,
                "threshold must be in 2..n (the number of members), got threshold " +
                    std::to_string(threshold) + " for " + std::to_string(members.size()) +
                    " members");
  }
  const scalar secret = random_scalar(rng);
  std::vector<scalar> coefficients;
  for (uint16_t k = 1; k < threshold; ++k) {
    coefficients.push_back(random_scalar(rng));
  }
  std::vector<identifier> ids;
  for (size_t i = 1; i <= members.size(); ++i) {
    ids.push_back(identifier::from_u64(i).value());
  }
  auto dealt = secret_share_shard(secret, coefficients, ids);
  if (!dealt) {
    return fail(committee_errc::invalid_argument, dealt.error().message);
  }
  committee_bundle out;
  out.pub.threshold = threshold;
  out.pub.group_public_key = dealt->public_keys.group_key;
  out.pub.commitment = dealt->shares[0].commitment;
  for (size_t i = 0; i < members.size(); ++i) {
    auto key = key_package::from_secret_share(dealt->shares[i]);
    if (!key) {
      return fail(committee_errc::invalid_key, key.error().message);
    }
    core::identity_key identity = random_identity(rng);
    out.pub.members.push_back(committee_member{members[i].id, members[i].address, ids[i],
                                               identity.public_key_bytes(), key->verifying_share});
    out.members.push_back(
        member_secret{members[i].id, members[i].address, std::move(key.value()), identity});
  }
  if (auto e = detail::validate_committee(out.pub, "committee")) {
    return *e;
  }
  return out;
}

committee_result<committee_paths> write_committee(const std::string& dir,
                                                  const committee_bundle& bundle) {
  if (auto e = detail::validate_committee(bundle.pub, "committee")) {
    return *e;
  }
  committee_paths paths{dir + "/" + std::string(committee_file_name), {}};
  for (const member_secret& m : bundle.members) {
    paths.member_files.push_back(dir + "/" + member_file_name(m.id));
  }
  for (const std::string& p : paths.member_files) {
    if (detail::exists(p)) {
      return fail(committee_errc::already_exists,
                  p + " already exists; refusing to overwrite key material");
    }
  }
  if (detail::exists(paths.committee_file)) {
    return fail(committee_errc::already_exists,
                paths.committee_file + " already exists; refusing to overwrite it");
  }
  if (auto e = detail::make_dirs(dir)) {
    return *e;
  }
  for (const member_secret& m : bundle.members) {
    std::string text = member_to_json(m);
    auto e = detail::write_new_file(dir, member_file_name(m.id), text, 0600);
    wipe(text);
    if (e) {
      return *e;
    }
  }
  if (auto e =
          detail::write_new_file(dir, committee_file_name, committee_to_json(bundle.pub), 0644)) {
    return *e;
  }
  if (auto e = detail::fsync_dir(dir)) {
    return *e;
  }
  return paths;
}

committee_result<committee> load_committee(const std::string& path) {
  auto text = detail::read_mode_checked(path, "committee file", 022, "write", "644");
  if (!text) {
    return text.error();
  }
  return parse_committee(text.value(), "committee file " + path);
}

committee_result<member_secret> load_member(const std::string& path, const committee& c) {
  auto text = detail::read_mode_checked(path, "member key file", 077, "access", "600");
  if (!text) {
    return text.error();
  }
  auto m = parse_member(text.value(), "member key file " + path, c);
  wipe(text.value());
  return m;
}

}  // namespace dsdn::multi
