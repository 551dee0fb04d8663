#include "dsdn/multi/signing_session.hpp"

#include <algorithm>
#include <utility>

#include "dsdn/multi/domain.hpp"

namespace dsdn::multi {
namespace {

std::string join(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const std::string& item : items) {
    out += (out.empty() ? "" : separator) + item;
  }
  return out;
}

}  // namespace

const char* to_string(session_state s) {
  switch (s) {
    case session_state::collecting_commitments:
      return "collecting_commitments";
    case session_state::collecting_signatures:
      return "collecting_signatures";
    case session_state::completed:
      return "completed";
    case session_state::failed:
      return "failed";
  }
  return "unknown";
}

const char* to_string(fault_kind k) {
  switch (k) {
    case fault_kind::invalid_commitment:
      return "invalid_commitment";
    case fault_kind::reused_commitment:
      return "reused_commitment";
    case fault_kind::invalid_share:
      return "invalid_share";
    case fault_kind::no_commitment:
      return "no_commitment";
    case fault_kind::no_share:
      return "no_share";
    case fault_kind::refused:
      return "refused";
  }
  return "unknown";
}

bool is_cheating(fault_kind k) {
  return k == fault_kind::invalid_commitment || k == fault_kind::reused_commitment ||
         k == fault_kind::invalid_share;
}

const char* to_string(session_failure f) {
  switch (f) {
    case session_failure::not_enough_members:
      return "not_enough_members";
    case session_failure::timeout:
      return "timeout";
    case session_failure::cheating:
      return "cheating";
    case session_failure::aggregation:
      return "aggregation";
    case session_failure::refused:
      return "refused";
  }
  return "unknown";
}

const char* to_string(step_kind k) {
  switch (k) {
    case step_kind::waiting:
      return "waiting";
    case step_kind::ignored:
      return "ignored";
    case step_kind::accepted:
      return "accepted";
    case step_kind::request_commitments:
      return "request_commitments";
    case step_kind::request_shares:
      return "request_shares";
    case step_kind::completed:
      return "completed";
    case step_kind::failed:
      return "failed";
  }
  return "unknown";
}

result<signing_session, session_errc> signing_session::create(
    const committee& c, std::vector<uint8_t> message, const std::vector<std::string>& connected,
    session_options options) {
  if (auto decoded = decode_domain_message(message); !decoded) {
    return {session_errc::not_domain_message,
            "refusing to sign a message outside the signing domain: " + decoded.error().message};
  }
  if (options.commitment_timeout.count() <= 0 || options.share_timeout.count() <= 0) {
    return {session_errc::invalid_argument, "session round timeouts must be positive"};
  }
  if (c.threshold < 2 || c.threshold > c.members.size()) {
    return {session_errc::invalid_argument,
            "committee threshold " + std::to_string(c.threshold) + " is not in 2..n"};
  }
  signing_session s;
  for (const committee_member& m : c.members) {
    s.members_.emplace(m.id, member{m.frost_id, m.verifying_share});
  }
  for (const std::vector<std::string>* list : {&connected, &std::as_const(options.excluded)}) {
    for (const std::string& id : *list) {
      if (s.members_.count(id) == 0) {
        return {session_errc::invalid_argument,
                "\"" + id + "\" (connected or excluded) is not a committee member"};
      }
    }
  }
  s.keys_ = c.public_keys();
  s.threshold_ = c.threshold;
  s.message_ = std::move(message);
  s.connected_.insert(connected.begin(), connected.end());
  s.excluded_.insert(options.excluded.begin(), options.excluded.end());
  s.options_ = std::move(options);
  return s;
}

bool signing_session::finished() const {
  return state_ == session_state::completed || state_ == session_state::failed;
}

std::optional<signing_session::ms> signing_session::deadline() const {
  if (!started_ || finished()) {
    return std::nullopt;
  }
  return deadline_;
}

std::vector<std::string> signing_session::cheaters() const {
  std::vector<std::string> out;
  for (const session_fault& f : faults_) {
    if (is_cheating(f.kind) && std::find(out.begin(), out.end(), f.member) == out.end()) {
      out.push_back(f.member);
    }
  }
  return out;
}

session_step signing_session::start(ms now) {
  if (started_) {
    return step(step_kind::ignored, "session already started");
  }
  started_ = true;
  return begin_attempt(now, session_failure::not_enough_members, "");
}

session_step signing_session::on_commitment(std::string_view from, uint32_t attempt,
                                            const uint8_t* data, size_t size, ms now) {
  if (auto s = expire(now)) {
    return *s;
  }
  if (auto s = screen(from, attempt, session_state::collecting_commitments,
                      commitments_.count(from) != 0)) {
    return *s;
  }
  const std::string who(from);
  if (data == nullptr || size != signing_commitments::encoded_size) {
    return fault(who, fault_kind::invalid_commitment,
                 who + " sent a commitment of " + std::to_string(size) + " bytes, not 96", now);
  }
  auto decoded = signing_commitments::decode(data);
  if (!decoded) {
    return fault(who, fault_kind::invalid_commitment,
                 who + " sent an invalid commitment: " + decoded.error().message, now);
  }
  const member& m = members_.find(from)->second;
  if (decoded->id != m.frost_id) {
    return fault(who, fault_kind::invalid_commitment,
                 who + " sent a commitment for identifier " + decoded->id.to_string() +
                     ", its own is " + m.frost_id.to_string(),
                 now);
  }
  for (const element* p : {&decoded->hiding, &decoded->binding}) {
    if (seen_nonce_points_.count(p->bytes()) != 0) {
      return fault(who, fault_kind::reused_commitment,
                   who + " sent a nonce commitment already used in this session", now);
    }
  }
  seen_nonce_points_.insert(decoded->hiding.bytes());
  seen_nonce_points_.insert(decoded->binding.bytes());
  commitments_.emplace(who, decoded.value());
  if (commitments_.size() < threshold_) {
    return step(step_kind::accepted);
  }
  return all_commitments_in(now);
}

session_step signing_session::on_share(std::string_view from, uint32_t attempt, const uint8_t* data,
                                       size_t size, ms now) {
  if (auto s = expire(now)) {
    return *s;
  }
  if (auto s =
          screen(from, attempt, session_state::collecting_signatures, shares_.count(from) != 0)) {
    return *s;
  }
  const std::string who(from);
  const member& m = members_.find(from)->second;
  if (data == nullptr || size != scalar::size) {
    return fault(who, fault_kind::invalid_share,
                 who + " sent a signature share of " + std::to_string(size) + " bytes, not 32",
                 now);
  }
  auto share = signature_share::decode(m.frost_id, data);
  if (!share) {
    return fault(who, fault_kind::invalid_share,
                 who + " sent an invalid signature share: " + share.error().message, now);
  }
  // Checked against its verifying share only if the aggregate fails (see the header).
  shares_.emplace(who, share.value());
  if (shares_.size() < threshold_) {
    return step(step_kind::accepted);
  }
  return all_shares_in(now);
}

session_step signing_session::on_refusal(std::string_view from, uint32_t attempt,
                                         const std::string& why, ms now) {
  if (auto s = expire(now)) {
    return *s;
  }
  const bool round1 = state_ == session_state::collecting_commitments;
  if (auto s = screen(from, attempt, state_,
                      round1 ? commitments_.count(from) != 0 : shares_.count(from) != 0)) {
    return *s;
  }
  const std::string who(from);
  return fault(
      who, fault_kind::refused,
      who + " refused the " + (round1 ? "commitment" : "signature share") + " request: " + why,
      now);
}

session_step signing_session::on_tick(ms now) {
  if (!started_) {
    return step(step_kind::ignored, "session not started");
  }
  if (finished()) {
    return step(step_kind::ignored, std::string("session is ") + to_string(state_));
  }
  if (auto s = expire(now)) {
    return *s;
  }
  return step(step_kind::waiting);
}

// Drops inputs that do not belong to the current round: returns the `ignored` step, or nullopt
// when `from` is a selected signer answering the current attempt for the first time.
std::optional<session_step> signing_session::screen(std::string_view from, uint32_t attempt,
                                                    session_state expected, bool duplicate) const {
  if (!started_) {
    return step(step_kind::ignored, "session not started");
  }
  if (finished()) {
    return step(step_kind::ignored, std::string("session is ") + to_string(state_));
  }
  if (attempt != attempt_) {
    return step(step_kind::ignored, "answer for attempt " + std::to_string(attempt) +
                                        ", the session is at attempt " + std::to_string(attempt_));
  }
  if (state_ != expected) {
    return step(step_kind::ignored, std::string("unexpected answer while ") + to_string(state_));
  }
  if (std::find(selected_.begin(), selected_.end(), from) == selected_.end()) {
    return step(step_kind::ignored, "\"" + std::string(from) + "\" is not a selected signer");
  }
  if (duplicate) {
    return step(step_kind::ignored, "duplicate answer from " + std::string(from));
  }
  return std::nullopt;
}

std::optional<session_step> signing_session::expire(ms now) {
  if (!started_ || finished() || now < deadline_) {
    return std::nullopt;
  }
  const bool round1 = state_ == session_state::collecting_commitments;
  std::vector<std::string> silent;
  for (const std::string& id : selected_) {
    if (round1 ? commitments_.count(id) == 0 : shares_.count(id) == 0) {
      silent.push_back(id);
    }
  }
  std::vector<std::string> cheated = round1 ? std::vector<std::string>{} : expose_invalid_shares();
  for (const std::string& id : silent) {
    faults_.push_back(session_fault{
        id, round1 ? fault_kind::no_commitment : fault_kind::no_share, attempt_,
        id + " sent no " + (round1 ? "commitment" : "signature share") + " before the timeout"});
    excluded_.insert(id);
  }
  cheated.insert(cheated.begin(), std::string(round1 ? "round 1" : "round 2") + " of attempt " +
                                      std::to_string(attempt_) + " timed out waiting for " +
                                      join(silent));
  return begin_attempt(now,
                       cheated.size() > 1 ? session_failure::cheating : session_failure::timeout,
                       join(cheated, "; "));
}

// Identifiable abort: checks each share received in this attempt against its signer's verifying
// share, records every invalid one as a cheater (excluded) and returns the fault details.
std::vector<std::string> signing_session::expose_invalid_shares() {
  std::vector<std::string> details;
  if (!package_ || !context_) {
    return details;
  }
  for (const auto& [id, share] : shares_) {
    const member& m = members_.find(id)->second;
    if (verify_signature_share(share, m.verifying_share, *package_, *context_)) {
      continue;
    }
    details.push_back(id +
                      " sent a signature share that does not verify against its verifying share");
    faults_.push_back(session_fault{id, fault_kind::invalid_share, attempt_, details.back()});
    excluded_.insert(id);
  }
  return details;
}

session_step signing_session::fault(const std::string& who, fault_kind kind, std::string detail,
                                    ms now) {
  faults_.push_back(session_fault{who, kind, attempt_, detail});
  excluded_.insert(who);
  // The round ends here: the shares already received are checked now or never.
  std::vector<std::string> details{std::move(detail)};
  if (state_ == session_state::collecting_signatures) {
    for (std::string& d : expose_invalid_shares()) {
      details.push_back(std::move(d));
    }
  }
  const bool cheating = is_cheating(kind) || details.size() > 1;
  return begin_attempt(now, cheating ? session_failure::cheating : session_failure::refused,
                       join(details, "; "));
}

// A new round 1 with the T lowest eligible ids (`why` says what ended the previous attempt).
session_step signing_session::begin_attempt(ms now, session_failure if_short,
                                            const std::string& why) {
  std::vector<std::string> eligible;
  for (const std::string& id : connected_) {  // std::set: ascending
    if (excluded_.count(id) == 0) {
      eligible.push_back(id);
    }
  }
  if (eligible.size() < threshold_) {
    std::string reason = "only " + std::to_string(eligible.size()) + " of the " +
                         std::to_string(threshold_) +
                         " required signers are connected and not excluded";
    return finish_failed(now, if_short, why.empty() ? reason : why + "; " + reason);
  }
  ++attempt_;
  selected_.assign(eligible.begin(), eligible.begin() + threshold_);
  commitments_.clear();
  shares_.clear();
  package_.reset();
  context_.reset();
  deadline_ = now + options_.commitment_timeout;
  const std::string note = why.empty() ? "" : "retry: " + why;
  enter(session_state::collecting_commitments, now, note);
  session_step s = step(step_kind::request_commitments, note);
  s.to = selected_;
  return s;
}

session_step signing_session::all_commitments_in(ms now) {
  std::vector<signing_commitments> list;
  for (const auto& entry : commitments_) {
    list.push_back(entry.second);
  }
  auto package = signing_package::create(std::move(list), message_);
  if (!package) {
    return finish_failed(now, session_failure::aggregation,
                         "cannot build the signing package: " + package.error().message);
  }
  auto context = make_signing_context(keys_.group_key, package.value());
  if (!context) {
    return finish_failed(now, session_failure::aggregation,
                         "cannot build the signing package: " + context.error().message);
  }
  package_ = std::move(package.value());
  context_ = std::move(context.value());
  deadline_ = now + options_.share_timeout;
  enter(session_state::collecting_signatures, now, "");
  session_step s = step(step_kind::request_shares);
  s.to = selected_;
  return s;
}

session_step signing_session::all_shares_in(ms now) {
  std::vector<signature_share> shares;
  for (const auto& entry : shares_) {
    shares.push_back(entry.second);
  }
  auto signature = aggregate(*package_, shares, keys_, *context_);
  if (!signature) {
    std::vector<std::string> cheated = expose_invalid_shares();
    if (!cheated.empty()) {
      return begin_attempt(now, session_failure::cheating, join(cheated, "; "));
    }
    return finish_failed(now, session_failure::aggregation,
                         "aggregation failed: " + signature.error().message);
  }
  signature_ = signature.value();
  signers_ = selected_;
  enter(session_state::completed, now, "signed by " + join(signers_));
  return step(step_kind::completed);
}

session_step signing_session::finish_failed(ms now, session_failure why, std::string reason) {
  failure_ = why;
  failure_reason_ = std::move(reason);
  package_.reset();
  context_.reset();
  enter(session_state::failed, now, failure_reason_);
  return step(step_kind::failed, failure_reason_);
}

void signing_session::enter(session_state s, ms now, std::string note) {
  state_ = s;
  history_.push_back(session_record{s, attempt_, now, std::move(note)});
}

session_step signing_session::step(step_kind kind, std::string note) const {
  session_step s;
  s.kind = kind;
  s.attempt = attempt_;
  s.note = std::move(note);
  return s;
}

}  // namespace dsdn::multi
