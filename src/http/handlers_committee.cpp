// The committee endpoints: GET /committee/status (links, RTT, state agreement) and
// POST /committee/sign, which signs {"message_hex"} as an operator-message, the only kind a
// client may ask for: the bytes signed are "DSDN/v1/operator-message/" || message, returned as
// signed_message_hex. It needs an API token (403 when the coordinator has none). Without a
// committee both answer 404 with a JSON error.

#include "dsdn/multi/domain.hpp"
#include "handlers.hpp"
#include "handlers_common.hpp"

namespace dsdn::http {

namespace {

/// The longest operator message accepted (members refuse longer domain messages).
constexpr size_t max_message_bytes = 60 * 1024;

bool without_committee(const call& c) {
  if (c.ctx->committee)
    return false;
  send_failure(c, 404,
               "this coordinator runs without a committee (serve --committee FILE "
               "--member-key FILE)");
  return true;
}

json states_json(const std::vector<session_state_entry>& states) {
  json out = json::array();
  for (const auto& s : states)
    out.push_back(
        json{{"state", s.state}, {"attempt", s.attempt}, {"at_ms", s.at_ms}, {"note", s.note}});
  return out;
}

json status_json(const committee_status& s) {
  json members = json::array();
  for (const auto& m : s.members) {
    json j{{"id", m.id},
           {"address", m.address},
           {"self", m.self},
           {"connected", m.connected},
           {"last_seen_ms", m.last_seen_ms},
           {"rtt_ms", m.rtt_ms},
           {"applied_height", m.applied_height},
           {"state_checksum", m.state_checksum},
           {"agrees", m.agrees},
           {"agreement", m.agreement},
           // Cheater memory: sessions that named it, and its cool-down out of new sessions.
           {"cheating_faults", m.cheating_faults},
           {"excluded", m.excluded},
           {"excluded_for_ms", m.excluded_for_ms}};
    if (!m.self) {
      j["failed_attempts"] = m.failed_attempts;
      j["last_error"] = m.last_error.empty() ? json(nullptr) : json(m.last_error);
    }
    members.push_back(std::move(j));
  }
  return json{
      {"coordinator_id", s.coordinator_id},     {"threshold", s.threshold},
      {"group_public_key", s.group_public_key}, {"sessions_completed", s.sessions_completed},
      {"sessions_failed", s.sessions_failed},   {"members", std::move(members)}};
}

}  // namespace

void get_committee_status(const call& c) {
  if (without_committee(c))
    return;
  ask<committee_status>(
      c, c.ctx->committee, [c](committee_status s) { send_json(c, 200, status_json(s)); },
      atom::status_v);
}

void post_committee_sign(const call& c) {
  if (without_committee(c))
    return;
  // The router already checked the bearer token when one is set; signing needs one set.
  if (c.ctx->cfg.api_token.empty())
    return send_failure(c, 403, "committee signing needs the coordinator to run with --api-token");
  json_body body(c.in->body);
  std::string hex;
  if (!body.read_string("message_hex", hex))
    return send_input_error(c, *body.error());
  if (hex.empty() || hex.size() % 2 != 0 || hex.size() / 2 > max_message_bytes)
    return send_failure(c, 400,
                        "message_hex must be an even number of hex digits, 2 to " +
                            std::to_string(2 * max_message_bytes),
                        "message_hex");
  std::vector<uint8_t> payload(hex.size() / 2);
  if (!core::from_hex(hex, payload.data(), payload.size()))
    return send_failure(c, 400, "message_hex is not hex", "message_hex");
  auto signed_message =
      multi::encode_domain_message(multi::message_kind::operator_message, payload);
  ask<signing_outcome>(
      c, c.ctx->committee,
      [c](signing_outcome o) {
        if (!o.ok) {
          // Not enough honest, reachable members right now: a retry may succeed.
          send_failure(c, 503, "signing failed: " + o.reason, "",
                       json{{"failure", o.failure},
                            {"cheaters", o.cheaters},
                            {"states", states_json(o.states)}});
          return;
        }
        const auto* m = reinterpret_cast<const uint8_t*>(o.message.data());
        send_json(c, 200,
                  json{{"signature", core::to_hex(o.signature)},
                       {"group_public_key", o.group_public_key},
                       {"signed_message_hex", core::to_hex(m, o.message.size())},
                       {"signers", o.signers},
                       {"cheaters", o.cheaters},
                       {"states", states_json(o.states)}});
      },
      atom::sign_v, std::string(signed_message.begin(), signed_message.end()));
}

}  // namespace dsdn::http
