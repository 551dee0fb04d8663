#include "committee_json.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

#include "dsdn/core/validation.hpp"
#include "dsdn/multi/scalar.hpp"
#include "key_file_io.hpp"

namespace dsdn::multi {
namespace {

using json = nlohmann::json;
using detail::fail;
using detail::fail_t;
using detail::wipe;

constexpr const char* committee_format = "dsdn-committee/v1";
constexpr const char* member_format = "dsdn-committee-member/v1";

// Parses JSON, refusing syntax errors and objects with a repeated key (nlohmann would keep the
// last one silently).
committee_result<json> parse_json(std::string_view text, const std::string& source) {
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  auto cb = [&](int, json::parse_event_t ev, json& value) {
    if (ev == json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (ev == json::parse_event_t::object_end && !keys.empty()) {
      keys.pop_back();
    } else if (ev == json::parse_event_t::key && !keys.empty() &&
               !keys.back().insert(value.get<std::string>()).second && duplicate.empty()) {
      duplicate = value.get<std::string>();
    }
    return true;
  };
  json doc = json::parse(text.begin(), text.end(), cb, false);
  if (doc.is_discarded()) {
    return fail(committee_errc::malformed, source + " is not valid JSON");
  }
  if (!duplicate.empty()) {
    return fail(committee_errc::malformed, source + " repeats the key \"" + duplicate + "\"");
  }
  if (!doc.is_object()) {
    return fail(committee_errc::malformed, source + " is not a JSON object");
  }
  return doc;
}

// Reads the fields of one JSON object; the first problem is kept and later reads return
// defaults, so a parser reads everything and checks `error` once.
class fields {
 public:
  fields(const json& obj, std::string where, std::optional<fail_t>& error)
      : obj_(obj), where_(std::move(where)), error_(error) {
    if (!obj_.is_object()) {
      set(committee_errc::malformed, where_ + " is not a JSON object");
    }
  }
  // Refuses any key outside `allowed`.
  void only(std::initializer_list<const char*> allowed) {
    if (!obj_.is_object()) {
      return;
    }
    for (const auto& item : obj_.items()) {
      bool known = false;
      for (const char* k : allowed) {
        known = known || item.key() == k;
      }
      if (!known) {
        set(committee_errc::malformed, where_ + " has an unknown field \"" + item.key() + "\"");
      }
    }
  }
  const json* get(const char* key, bool (json::*is_type)() const, const char* type) {
    if (error_ || !obj_.is_object()) {
      return nullptr;
    }
    const auto it = obj_.find(key);
    if (it == obj_.end() || !((*it).*is_type)()) {
      set(committee_errc::malformed,
          where_ + (it == obj_.end() ? " lacks \"" : " has a non-" + std::string(type) + " \"") +
              key + "\"");
      return nullptr;
    }
    return &*it;
  }
  std::string str(const char* key) {
    const json* v = get(key, &json::is_string, "string");
    return v ? v->get<std::string>() : std::string();
  }
  uint64_t number(const char* key) {
    const json* v = get(key, &json::is_number_unsigned, "unsigned integer");
    return v ? v->get<uint64_t>() : 0;
  }
  template <size_t N>
  std::array<uint8_t, N> hex(const char* key) {
    std::array<uint8_t, N> out{};
    const json* v = get(key, &json::is_string, "string");
    if (v != nullptr) {
      hex_of(v->get_ref<const std::string&>(), key, out.data(), N);
    }
    return out;
  }
  void hex_of(const std::string& text, const std::string& what, uint8_t* out, size_t n) {
    if (!error_ && !core::from_hex(text, out, n)) {
      set(committee_errc::malformed,
          where_ + " field \"" + what + "\" must be " + std::to_string(2 * n) + " hex characters");
    }
  }
  const std::string& where() const { return where_; }
  void set(committee_errc c, std::string m) {
    if (!error_) {
      error_ = fail(c, std::move(m));
    }
  }
  bool failed() const { return error_.has_value(); }

 private:
  const json& obj_;
  std::string where_;
  std::optional<fail_t>& error_;
};

// A point from 32 bytes, or a recorded invalid_key error naming `what`.
element point(fields& f, const element::bytes_type& b, const std::string& what) {
  if (f.failed()) {
    return element();
  }
  auto e = element::from_bytes(b);
  if (!e) {
    f.set(committee_errc::invalid_key,
          f.where() + " " + what + " is invalid: " + e.error().message);
    return element();
  }
  return e.value();
}

identifier frost_identifier(fields& f, const scalar::bytes_type& b) {
  auto id = identifier::from_bytes(b.data());
  if (!id) {
    f.set(committee_errc::invalid_key, f.where() + " identifier is invalid: " + id.error().message);
    return identifier::from_u64(1).value();
  }
  return id.value();
}

}  // namespace

namespace detail {

// Every committee-wide rule; `source` names the committee in messages.
std::optional<fail_t> validate_committee(const committee& c, const std::string& source) {
  const size_t n = c.members.size();
  if (n < 2 || n > UINT16_MAX || c.threshold < 2 || c.threshold > n) {
    return fail(committee_errc::invalid_argument,
                source + ": threshold must be in 2..n (the number of members), got threshold " +
                    std::to_string(c.threshold) + " for " + std::to_string(n) + " members");
  }
  if (c.commitment.size() != c.threshold) {
    return fail(committee_errc::invalid_key,
                source + ": the VSS commitment has " + std::to_string(c.commitment.size()) +
                    " entries, the threshold needs " + std::to_string(c.threshold));
  }
  if (c.commitment[0] != c.group_public_key) {
    return fail(committee_errc::invalid_key,
                source + ": the group public key is not the VSS commitment's first entry");
  }
  std::set<std::string> ids, addresses, identity_keys;
  std::vector<identifier> frost_ids;
  for (const committee_member& m : c.members) {
    const std::string who = source + ": member \"" + m.id + "\"";
    if (auto e = core::check_node_id(m.id, "member id")) {
      return fail(committee_errc::invalid_argument, source + ": " + e->message);
    }
    if (auto e = core::check_addr(m.address, "address")) {
      return fail(committee_errc::invalid_argument, who + ": " + e->message);
    }
    if (!ids.insert(m.id).second) {
      return fail(committee_errc::invalid_argument, who + " appears twice");
    }
    if (!addresses.insert(m.address).second) {
      return fail(committee_errc::invalid_argument,
                  who + " has the address " + m.address + " of another member");
    }
    for (const identifier& other : frost_ids) {
      if (other == m.frost_id) {
        return fail(
            committee_errc::invalid_argument,
            who + " has the FROST identifier " + m.frost_id.to_string() + " of another member");
      }
    }
    frost_ids.push_back(m.frost_id);
    if (!identity_keys.insert(core::to_hex(m.identity_public_key)).second) {
      return fail(committee_errc::invalid_argument,
                  who + " has the identity public key of another member");
    }
    if (!element::from_bytes(m.identity_public_key.data())) {
      return fail(committee_errc::invalid_key, who + " has an invalid identity public key");
    }
    if (vss_evaluate(c.commitment, m.frost_id) != m.verifying_share) {
      return fail(committee_errc::invalid_key,
                  who + "'s verifying share does not match the VSS commitment");
    }
  }
  return std::nullopt;
}

}  // namespace detail

std::string committee_to_json(const committee& c) {
  json doc = {{"format", committee_format},
              {"threshold", c.threshold},
              {"group_public_key", core::to_hex(c.group_public_key.bytes())},
              {"vss_commitment", json::array()},
              {"members", json::array()}};
  for (const element& e : c.commitment) {
    doc["vss_commitment"].push_back(core::to_hex(e.bytes()));
  }
  for (const committee_member& m : c.members) {
    doc["members"].push_back({{"id", m.id},
                              {"address", m.address},
                              {"identifier", core::to_hex(m.frost_id.bytes())},
                              {"identity_public_key", core::to_hex(m.identity_public_key)},
                              {"verifying_share", core::to_hex(m.verifying_share.bytes())}});
  }
  return doc.dump(2) + "\n";
}

std::string member_to_json(const member_secret& m) {
  json doc = {{"format", member_format},
              {"id", m.id},
              {"address", m.address},
              {"identifier", core::to_hex(m.key.id.bytes())},
              {"signing_share", core::to_hex(m.key.signing_share.bytes())},
              {"verifying_share", core::to_hex(m.key.verifying_share.bytes())},
              {"group_public_key", core::to_hex(m.key.group_key.bytes())},
              {"min_signers", m.key.min_signers},
              {"identity_secret_key", core::to_hex(m.identity.secret_bytes())}};
  std::string text = doc.dump(2) + "\n";
  wipe(doc["signing_share"].get_ref<std::string&>());
  wipe(doc["identity_secret_key"].get_ref<std::string&>());
  return text;
}

committee_result<committee> parse_committee(std::string_view text, const std::string& source) {
  auto doc = parse_json(text, source);
  if (!doc) {
    return doc.error();
  }
  std::optional<fail_t> error;
  fields f(doc.value(), source, error);
  f.only({"format", "threshold", "group_public_key", "vss_commitment", "members"});
  if (f.str("format") != committee_format && !error) {
    return fail(committee_errc::malformed,
                source + " is not a committee file (format is not \"dsdn-committee/v1\")");
  }
  committee c;
  const uint64_t threshold = f.number("threshold");
  if (threshold > UINT16_MAX) {
    f.set(committee_errc::invalid_argument,
          source + ": threshold " + std::to_string(threshold) + " is out of range");
  }
  c.threshold = static_cast<uint16_t>(threshold);
  c.group_public_key = point(f, f.hex<32>("group_public_key"), "group_public_key");
  if (const json* list = f.get("vss_commitment", &json::is_array, "array")) {
    for (size_t k = 0; k < list->size() && !error; ++k) {
      const std::string what = "vss_commitment[" + std::to_string(k) + "]";
      element::bytes_type b{};
      if (!(*list)[k].is_string()) {
        f.set(committee_errc::malformed, source + " field \"" + what + "\" is not a string");
      } else {
        f.hex_of((*list)[k].get<std::string>(), what, b.data(), b.size());
      }
      c.commitment.push_back(point(f, b, what));
    }
  }
  if (const json* list = f.get("members", &json::is_array, "array")) {
    for (size_t i = 0; i < list->size() && !error; ++i) {
      fields m((*list)[i], source + " members[" + std::to_string(i) + "]", error);
      m.only({"id", "address", "identifier", "identity_public_key", "verifying_share"});
      committee_member entry{m.str("id"), m.str("address"),
                             frost_identifier(m, m.hex<32>("identifier")),
                             m.hex<32>("identity_public_key"), element()};
      entry.verifying_share = point(m, m.hex<32>("verifying_share"), "verifying_share");
      c.members.push_back(std::move(entry));
    }
  }
  if (error) {
    return *error;
  }
  if (auto e = detail::validate_committee(c, source)) {
    return *e;
  }
  return c;
}

committee_result<member_secret> parse_member(std::string_view text, const std::string& source,
                                             const committee& c) {
  auto doc = parse_json(text, source);
  if (!doc) {
    return doc.error();
  }
  struct wipe_secrets {  // the parsed document holds the secrets' hex until it dies
    json& doc;
    ~wipe_secrets() {
      for (const char* key : {"signing_share", "identity_secret_key"}) {
        const auto it = doc.find(key);
        if (it != doc.end() && it->is_string()) {
          wipe(it->get_ref<std::string&>());
        }
      }
    }
  } wiper{doc.value()};
  std::optional<fail_t> error;
  fields f(doc.value(), source, error);
  f.only({"format", "id", "address", "identifier", "signing_share", "verifying_share",
          "group_public_key", "min_signers", "identity_secret_key"});
  if (f.str("format") != member_format && !error) {
    return fail(committee_errc::malformed,
                source + " is not a member file (format is not \"dsdn-committee-member/v1\")");
  }
  const std::string id = f.str("id");
  const std::string address = f.str("address");
  const identifier frost_id = frost_identifier(f, f.hex<32>("identifier"));
  auto share_bytes = f.hex<32>("signing_share");
  const element verifying = point(f, f.hex<32>("verifying_share"), "verifying_share");
  const element group = point(f, f.hex<32>("group_public_key"), "group_public_key");
  const uint64_t min_signers = f.number("min_signers");
  auto secret = f.hex<64>("identity_secret_key");
  auto share = scalar::from_bytes(share_bytes);
  sodium_memzero(share_bytes.data(), share_bytes.size());
  core::identity_key identity;
  const bool identity_ok = core::identity_key::from_secret(secret.data(), identity);
  sodium_memzero(secret.data(), secret.size());
  if (error) {
    return *error;
  }
  const committee_member* entry = c.find(id);
  const std::string who = source + " (member \"" + id + "\")";
  if (entry == nullptr) {
    return fail(committee_errc::mismatch, who + ": the committee has no member \"" + id + "\"");
  }
  if (entry->address != address) {
    return fail(committee_errc::mismatch,
                who + ": address " + address + " differs from the committee's " + entry->address);
  }
  if (entry->frost_id != frost_id) {
    return fail(committee_errc::mismatch, who + ": FROST identifier " + frost_id.to_string() +
                                              " differs from the committee's " +
                                              entry->frost_id.to_string());
  }
  if (group != c.group_public_key) {
    return fail(committee_errc::mismatch, who + ": group public key differs from the committee's");
  }
  if (min_signers != c.threshold) {
    return fail(committee_errc::mismatch, who + ": min_signers " + std::to_string(min_signers) +
                                              " differs from the committee's threshold " +
                                              std::to_string(c.threshold));
  }
  if (!share) {
    return fail(committee_errc::invalid_key, who + ": signing_share is not a canonical scalar");
  }
  auto key = key_package::from_secret_share(secret_share{frost_id, share.value(), c.commitment});
  if (!key) {
    return fail(committee_errc::invalid_key,
                who + ": signing share does not match the committee's VSS commitment");
  }
  if (key->verifying_share != verifying || entry->verifying_share != verifying) {
    return fail(committee_errc::mismatch,
                who + ": verifying_share does not match the signing share and the committee");
  }
  if (!identity_ok) {
    return fail(committee_errc::invalid_key,
                who + ": identity_secret_key is inconsistent (public half does not match seed)");
  }
  if (identity.public_key_bytes() != entry->identity_public_key) {
    return fail(committee_errc::mismatch,
                who + ": identity key differs from the committee's identity_public_key");
  }
  return member_secret{id, address, std::move(key.value()), identity};
}

}  // namespace dsdn::multi
