#pragma once
// The committee of coordinators over CAF's middleman: every message it exchanges, its
// configuration and spawn functions.
//
//   coordinator A                                  coordinator B
//   peer_manager --connect (middleman actor)----->  signing_peer (published on B's peer port)
//       |        --hello(challenge) / ping ------->     |  member_signer (nonces in memory)
//       | sign(message)                                 |
//       v                                               |
//   signing_session (one per message) --commit / sign-->+   (and to A's own signing_peer)
//
// Wire messages (those a signing_peer accepts) carry only built-in types (strings as byte
// strings, integers), so nothing but atoms needs registering on either node,
// and every byte received is checked before it is used. The other structs never leave the
// process (CAF_ALLOW_UNSAFE_MESSAGE_TYPE below).

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>

#include "dsdn/actors/interfaces.hpp"
#include "dsdn/multi/committee_files.hpp"
#include "dsdn/multi/member_signer.hpp"
#include "dsdn/multi/signer_reputation.hpp"

namespace dsdn::atom {
// Committee atoms. Their texts ("hello", "commit", "sign") appear nowhere in interfaces.hpp's
// list or among CAF's own atoms, so they are distinct types.
using hello = caf::atom_constant<caf::atom("hello")>;
constexpr hello hello_v{};
using commit = caf::atom_constant<caf::atom("commit")>;
constexpr commit commit_v{};
using sign = caf::atom_constant<caf::atom("sign")>;
constexpr sign sign_v{};
// A member that dialed this coordinator said hello (signing_peer -> its own peer manager).
using introduce = caf::atom_constant<caf::atom("introduce")>;
constexpr introduce introduce_v{};
}  // namespace dsdn::atom

namespace dsdn {

/// `middleman.app-identifiers`: nodes speaking another committee protocol refuse the link.
/// (2: only the member with the lower id dials; the other proves itself by a hello back.)
inline constexpr const char* committee_protocol = "dsdn-committee/2";

/// Published on a member's peer port; other members' peer managers and signing sessions (and
/// the member's own) talk to it.
using signing_peer_actor = caf::typed_actor<
    // Hello: (challenger id, 32-byte challenge) -> (own id, Ed25519 signature of hello_bytes).
    caf::replies_to<atom::hello, std::string, std::string>::with<std::string, std::string>,
    // Liveness and state agreement: nonce -> (nonce, applied height, state checksum hex).
    caf::replies_to<caf::ping_atom, uint64_t>::with<uint64_t, uint64_t, std::string>,
    // FROST round 1: a fresh commitment id || D || E (96 bytes); nonces stay in memory.
    caf::replies_to<atom::commit>::with<std::string>,
    // FROST round 2: (requester id, message, the commitment list as n x 96 bytes, request
    // signature of 64 bytes) -> the 32-byte signature share. Errors: dsdn invalid_argument
    // naming the refusal. (One byte string, not a vector: CAF 0.17's middleman delivered
    // std::vector<std::string> arguments empty in our tests.)
    caf::replies_to<atom::sign, std::string, std::string, std::string,
                    std::string>::with<std::string>>;

/// One committee member as the peer manager sees it (GET /committee/status).
struct member_status {
  std::string id;
  std::string address;
  bool self = false;
  bool connected = false;     // linked and the hello proved its identity key
  uint64_t last_seen_ms = 0;  // Unix ms of the last answer (0: never)
  uint64_t rtt_ms = 0;        // of the last ping
  uint64_t applied_height = 0;
  std::string state_checksum;  // hex; empty until known
  /// Same applied height and checksum as this coordinator.
  bool agrees = false;
  /// "agrees", "diverges" (same height, other checksum), "behind", "ahead" or "unknown".
  std::string agreement = "unknown";
  uint32_t failed_attempts = 0;  // connection attempts failed in a row
  /// Sessions that named this member a cheater (multi::signer_reputation strikes).
  uint64_t cheating_faults = 0;
  /// Left out of new sessions for its cheating cool-down (while enough members remain).
  bool excluded = false;
  uint64_t excluded_for_ms = 0;  // cool-down left
  std::string last_error;
};

/// The whole committee view.
struct committee_status {
  std::string coordinator_id;
  uint16_t threshold = 0;
  std::string group_public_key;  // hex
  std::vector<member_status> members;
  uint64_t sessions_completed = 0;
  uint64_t sessions_failed = 0;
};

/// One entry of a session's state history.
struct session_state_entry {
  std::string state;  // "collecting_commitments", ...
  uint32_t attempt = 0;
  uint64_t at_ms = 0;  // since the session started
  std::string note;
};

/// How a signing session ended.
struct signing_outcome {
  bool ok = false;
  std::array<uint8_t, 64> signature{};  // Ed25519 signature of `message` (when ok)
  std::string message;                  // the exact bytes signed (domain-separated)
  std::string group_public_key;         // hex of the key the signature verifies under
  std::vector<std::string> signers;     // ascending ids (when ok)
  std::vector<session_state_entry> states;
  std::vector<std::string> cheaters;  // members whose commitment or share was invalid
  std::string failure;                // "not_enough_members", "timeout", "cheating", ...
  std::string reason;                 // names the cheaters or non-responders
};

/// Links to the other members, proves and checks identities, tracks the links and the
/// state agreement, and runs signing sessions. Of two members only the one with the lower id
/// dials: under caf::openssl (0.17.6) a second dial between two already connected nodes
/// breaks their existing link (remote_link_unreachable), so crossing dials never settled.
/// The other member learns the link from the dialer's hello and checks the dialer's identity
/// by a hello back over that same connection.
using peer_manager_actor = caf::typed_actor<
    // Timer: pings the connected members and refreshes this coordinator's own state.
    caf::reacts_to<atom::tick>,
    // Backoff timer: a connection attempt (or a hello back) to member `id` is due.
    caf::reacts_to<atom::retry, std::string>,
    // The committee view.
    caf::replies_to<atom::status>::with<committee_status>,
    // Signs a domain-separated message with the connected members (a failed session is an
    // outcome with ok = false, not an error).
    caf::replies_to<atom::sign, std::string>::with<signing_outcome>,
    // From this coordinator's signing_peer: member `id` (a lower id, which dials us) said hello;
    // the actor is the sender of that hello, the member's peer manager.
    caf::reacts_to<atom::introduce, std::string, caf::strong_actor_ptr>,
    // Wire, from a member we dialed: (challenger id, 32-byte challenge) -> (own id, Ed25519
    // signature of hello_bytes, this coordinator's signing_peer). The dialed member links to
    // the dialer only through this answer, over the one connection the dialer opened.
    caf::replies_to<atom::hello, std::string, std::string>::with<std::string, std::string,
                                                                 caf::strong_actor_ptr>>;

/// Passes the hellos a signing_peer answers to its coordinator's peer manager (atom::introduce).
/// The peer is published before the manager exists, so the manager is attached afterwards;
/// hellos before that (or after detach) are not passed on. Thread-safe.
class hello_relay {
 public:
  void attach(peer_manager_actor manager);
  void detach();
  /// Tells the attached manager that member `id` said hello from `sender`.
  void introduce(const std::string& id, const caf::strong_actor_ptr& sender) const;

 private:
  mutable std::mutex mtx_;
  peer_manager_actor manager_;
};

/// One signing session: started once, answers once, then quits.
using signing_session_actor = caf::typed_actor<
    // Runs the session; replies with its outcome.
    caf::replies_to<atom::start>::with<signing_outcome>,
    // Round deadline timer (stale generations are ignored).
    caf::reacts_to<atom::tick, uint64_t>>;

/// A signing_peer's configuration.
struct signing_peer_config {
  multi::committee committee;
  multi::member_secret self;
  multi::member_signer_limits limits;
  state_machine_actor sm;  // answers pings with its height and checksum; may be null
};
/// Spawns the member-side signer (to publish on the peer port); every hello it answers is
/// passed to `relay` when one is given.
signing_peer_actor spawn_signing_peer(caf::actor_system& sys, signing_peer_config cfg,
                                      std::shared_ptr<hello_relay> relay = nullptr);
/// The behavior of a signing_peer around `signer` (tests wrap it to inject faults); every
/// answered hello is passed to `relay` when one is given.
signing_peer_actor::behavior_type signing_peer_behavior(
    signing_peer_actor::pointer self, std::shared_ptr<multi::member_signer> signer,
    state_machine_actor sm, std::shared_ptr<hello_relay> relay = nullptr);

/// Timings of the peer manager and its sessions.
struct committee_timing {
  caf::timespan ping_interval = std::chrono::seconds(1);
  caf::timespan ping_timeout = std::chrono::seconds(2);
  caf::timespan connect_timeout = std::chrono::seconds(5);
  caf::timespan hello_timeout = std::chrono::seconds(3);
  caf::timespan backoff_min = std::chrono::milliseconds(100);
  caf::timespan backoff_max = std::chrono::seconds(5);
  caf::timespan commitment_timeout = std::chrono::seconds(2);
  caf::timespan share_timeout = std::chrono::seconds(2);
};

/// A peer manager's configuration.
struct peer_manager_config {
  peer_manager_config(multi::committee c, multi::member_secret s)
      : committee(std::move(c)), self(std::move(s)) {}
  multi::committee committee;
  multi::member_secret self;      // its id names this coordinator; identity signs requests
  signing_peer_actor local_peer;  // this coordinator's own signer (always connected)
  state_machine_actor sm;         // this coordinator's state, for agreement; may be null
  /// Answers (connect_atom, host, port) -> (node_id, strong_actor_ptr, std::set<std::string>)
  /// like the middleman's actor (or the openssl manager's); null = connect to nobody.
  caf::actor connector;
  committee_timing timing;
  /// Round-1 commitments prefetched per member so sessions can skip round 1 (0: none).
  size_t commitment_pool = 16;
  /// How long a member named as a cheater stays out of later sessions.
  multi::signer_reputation::policy reputation;
};
/// Spawns the peer manager; it starts connecting at once.
peer_manager_actor spawn_peer_manager(caf::actor_system& sys, peer_manager_config cfg);

/// What a signing session needs.
struct signing_session_config {
  multi::committee committee;
  std::string own_id;
  core::identity_key identity;                      // signs the round-2 requests
  std::string message;                              // domain-separated
  std::map<std::string, signing_peer_actor> links;  // connected members (incl. this one)
  caf::timespan commitment_timeout = std::chrono::seconds(2);
  caf::timespan share_timeout = std::chrono::seconds(2);
  /// Members this session must not select (known cheaters in their cool-down).
  std::vector<std::string> excluded;
  /// Round-1 commitments (id || D || E) fetched ahead, by member: used instead of asking the
  /// member in the first attempt that selects it, each at most once.
  std::map<std::string, std::string> precommitted;
};
/// Spawns a session; send it atom::start once.
signing_session_actor spawn_signing_session(caf::actor_system& sys, signing_session_config cfg);

}  // namespace dsdn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::committee_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::signing_outcome)
