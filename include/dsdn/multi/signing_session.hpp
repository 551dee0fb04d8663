#pragma once
// The coordinator side of one FROST signing session as a pure state machine: no network, no
// clock (every call takes `now`, a monotonic time in milliseconds). The session actor owns one
// per message, sends what the returned steps ask for, feeds back what members answer, and
// calls on_tick when the deadline() passes.
//
//                    start(now)
//                        |
//                        v
//   +---------> collecting_commitments ---- T valid commitments ---> collecting_signatures
//   |            (attempt a: request          -> build the package,     (request shares
//   |             commitments from the          request shares           from the same T)
//   |             T lowest eligible ids)                                   |            |
//   |                    |                                                 |     T valid shares
//   |      invalid/reused commitment,              aggregate invalid:      |     -> aggregate
//   |      refusal or round timeout                invalid shares named,   |            |
//   |                    |                           refusal or timeout    |            |
//   |                    |                                                 |            v
//   |                    +------------> exclude the culprits <-------------+        completed
//   |                                            |                             (signature, signers)
//   +------- >= T eligible members left ---------+
//            (attempt a+1: a NEW round 1,         |
//             fresh commitments from everybody)   +--- fewer than T left ---> failed (reason)
//
// Eligible = connected committee members that are neither excluded by the caller (known bad)
// nor excluded during this session. A member that sends an undecodable commitment, a commitment
// with another identifier, a (D, E) already seen in this session, or a signature share that
// does not verify against its verifying share is a cheater: named in faults() and excluded. A
// member that refuses a request or does not answer within the round's timeout is excluded for
// this session only (not a cheater).
// Shares are checked lazily, as RFC 9591's identifiable abort allows: once T shares are in, the
// aggregate is verified once (one Ed25519 verification); only when it fails is every share
// checked against its signer's verifying share to name the culprits. Shares received before a
// round ends otherwise (a timeout, a refusal) are checked then, so a cheater is always named.
// Every attempt starts with a new round 1, so no commitment (nonce) is ever used in two
// signing packages; answers tagged with an older attempt are ignored.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dsdn/core/result.hpp"
#include "dsdn/multi/committee_files.hpp"
#include "dsdn/multi/keygen.hpp"
#include "dsdn/multi/nonce.hpp"
#include "dsdn/multi/sign.hpp"
#include "dsdn/multi/signing_package.hpp"

namespace dsdn::multi {

/// Where a session is (see the diagram above). completed and failed are terminal.
enum class session_state : uint8_t {
  collecting_commitments,
  collecting_signatures,
  completed,
  failed,
};
/// "collecting_commitments", "collecting_signatures", "completed", "failed".
const char* to_string(session_state s);

/// What a member did wrong in a session.
enum class fault_kind : uint8_t {
  invalid_commitment,  ///< undecodable, or carrying another member's identifier (cheating)
  reused_commitment,   ///< a nonce commitment already seen in this session (cheating)
  invalid_share,       ///< a signature share that does not verify (cheating)
  no_commitment,       ///< no commitment before the round-1 timeout
  no_share,            ///< no signature share before the round-2 timeout
  refused,             ///< answered the request with an error (or its link failed)
};
/// "invalid_commitment", ...
const char* to_string(fault_kind k);
/// True for the kinds that prove misbehaviour (not mere slowness).
bool is_cheating(fault_kind k);

/// One recorded fault: who, what, in which attempt, and a message naming it.
struct session_fault {
  std::string member;
  fault_kind kind;
  uint32_t attempt;
  std::string detail;
};

/// Why a session failed.
enum class session_failure : uint8_t {
  not_enough_members = 1,  ///< fewer than T eligible members at the start
  timeout,                 ///< non-responders were excluded and fewer than T remain
  cheating,                ///< a cheater was excluded and fewer than T remain
  aggregation,             ///< the package or the aggregate was refused (should not happen)
  refused,                 ///< members refused (or were unreachable) and fewer than T remain
};
/// "not_enough_members", "timeout", "cheating", "aggregation", "refused".
const char* to_string(session_failure f);

/// One entry of the state history: the state entered, in which attempt, when, and why.
struct session_record {
  session_state state;
  uint32_t attempt;
  std::chrono::milliseconds at;
  std::string note;
};

/// What the caller must do after an input.
enum class step_kind : uint8_t {
  waiting,              ///< nothing to do (on_tick before the deadline)
  ignored,              ///< the input was dropped (stale, duplicate, unsolicited); see note
  accepted,             ///< the input was recorded; more are needed
  request_commitments,  ///< ask `to` for fresh round-1 commitments tagged with `attempt`
  request_shares,       ///< send package() to `to` and ask for signature shares
  completed,            ///< signature() and signers() are ready
  failed,               ///< failure() and failure_reason() say why
};
/// "waiting", "ignored", ...
const char* to_string(step_kind k);

/// The result of one input.
struct session_step {
  step_kind kind = step_kind::waiting;
  uint32_t attempt = 0;         ///< the session's attempt after the input
  std::vector<std::string> to;  ///< request_*: the selected signers, ascending
  std::string note;             ///< why (ignored / retry / failed)
};

/// Construction parameters besides the committee and message.
struct session_options {
  std::chrono::milliseconds commitment_timeout{1000};  ///< round 1 deadline after its start
  std::chrono::milliseconds share_timeout{1000};       ///< round 2 deadline after its start
  std::vector<std::string> excluded;                   ///< known-bad members: never selected
};

/// Why a session could not be created.
enum class session_errc : uint8_t {
  invalid_argument = 1,  ///< unknown member id, zero timeout
  not_domain_message,    ///< the message is not "DSDN/v1/<kind>/..."
};

/// One signing session (coordinator side). Movable; not thread-safe (one actor owns it).
class signing_session {
 public:
  using ms = std::chrono::milliseconds;

  /// A session for `message` (already domain-separated; refused otherwise) under committee
  /// `c` with threshold c.threshold, selecting among `connected` (coordinator ids, all in `c`).
  static result<signing_session, session_errc> create(const committee& c,
                                                      std::vector<uint8_t> message,
                                                      const std::vector<std::string>& connected,
                                                      session_options options = {});

  /// Starts attempt 1: request_commitments, or failed when fewer than T are eligible. Only the
  /// first call acts; inputs before it are ignored.
  session_step start(ms now);
  /// A round-1 commitment (id || D || E, 96 bytes) from `from` for `attempt`.
  session_step on_commitment(std::string_view from, uint32_t attempt, const uint8_t* data,
                             size_t size, ms now);
  /// A signature share (32 bytes) from `from` for `attempt`.
  session_step on_share(std::string_view from, uint32_t attempt, const uint8_t* data, size_t size,
                        ms now);
  /// `from` answered the current round's request for `attempt` with an error (`why`), or its
  /// link failed: it is excluded for this session (fault refused) and the session retries at once
  /// instead of waiting for the round timeout.
  session_step on_refusal(std::string_view from, uint32_t attempt, const std::string& why, ms now);
  /// Applies the round timeout when `now` >= deadline(): the non-responders are excluded and
  /// the session retries (request_commitments) or fails. Every input also checks it first.
  session_step on_tick(ms now);

  /// The current state.
  session_state state() const { return state_; }
  /// True once completed or failed.
  bool finished() const;
  /// The current attempt (1 after start; +1 per retry).
  uint32_t attempt() const { return attempt_; }
  /// The T members selected for the current attempt, ascending.
  const std::vector<std::string>& selected() const { return selected_; }
  /// When the current round times out; nullopt before start and once finished.
  std::optional<ms> deadline() const;
  /// The domain-separated message being signed.
  const std::vector<uint8_t>& message() const { return message_; }
  /// The current attempt's signing package (set in collecting_signatures and completed).
  const std::optional<signing_package>& package() const { return package_; }
  /// Every fault recorded, in order.
  const std::vector<session_fault>& faults() const { return faults_; }
  /// The members named as cheaters (fault kinds with is_cheating), in order, no repeats.
  std::vector<std::string> cheaters() const;
  /// Every state entered, in order: collecting_commitments of attempt 1 first (or only failed,
  /// attempt 0, when fewer than T were eligible at the start).
  const std::vector<session_record>& history() const { return history_; }
  /// The aggregate signature once completed (a standard Ed25519 signature of message()).
  const std::optional<frost_signature>& signature() const { return signature_; }
  /// The members whose shares made the signature (ascending), once completed.
  const std::vector<std::string>& signers() const { return signers_; }
  /// Why the session failed, once failed.
  std::optional<session_failure> failure() const { return failure_; }
  /// A message naming the cause (the cheaters or non-responders), once failed.
  const std::string& failure_reason() const { return failure_reason_; }

 private:
  struct member {
    identifier frost_id;
    element verifying_share;
  };
  signing_session() = default;

  session_step begin_attempt(ms now, session_failure if_short, const std::string& why);
  session_step fault(const std::string& who, fault_kind kind, std::string detail, ms now);
  session_step finish_failed(ms now, session_failure why, std::string reason);
  std::optional<session_step> expire(ms now);
  std::vector<std::string> expose_invalid_shares();
  std::optional<session_step> screen(std::string_view from, uint32_t attempt,
                                     session_state expected, bool duplicate) const;
  session_step all_commitments_in(ms now);
  session_step all_shares_in(ms now);
  void enter(session_state s, ms now, std::string note);
  session_step step(step_kind kind, std::string note = {}) const;

  std::map<std::string, member, std::less<>> members_;  // the committee, by coordinator id
  public_key_package keys_;
  uint16_t threshold_ = 0;
  std::vector<uint8_t> message_;
  session_options options_;
  std::set<std::string> connected_;
  std::set<std::string, std::less<>> excluded_;

  bool started_ = false;
  session_state state_ = session_state::collecting_commitments;
  uint32_t attempt_ = 0;
  std::vector<std::string> selected_;
  ms deadline_{0};
  std::map<std::string, signing_commitments, std::less<>> commitments_;
  std::set<element::bytes_type> seen_nonce_points_;  // every D and E of this session
  std::optional<signing_package> package_;
  std::optional<signing_context> context_;
  std::map<std::string, signature_share, std::less<>> shares_;

  std::vector<session_fault> faults_;
  std::vector<session_record> history_;
  std::optional<frost_signature> signature_;
  std::vector<std::string> signers_;
  std::optional<session_failure> failure_;
  std::string failure_reason_;
};

}  // namespace dsdn::multi
