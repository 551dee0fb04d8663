#pragma once
// `serve --committee FILE --member-key FILE [--peer-tls-cert F --peer-tls-key F
// --peer-tls-ca F]`: loads and checks the key files, makes the member's identity key the
// coordinator's publisher key and the other members' keys trusted publishers, configures CAF's
// middleman (protocol version in app-identifiers; libcaf-openssl with mutual TLS when the
// certificate flags are given), publishes the signing_peer on the member's peer address and
// starts the peer_manager.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <caf/fwd.hpp>

#include "dsdn/actors/committee.hpp"
#include "dsdn/actors/coordinator.hpp"
#include "dsdn/core/result.hpp"
#include "dsdn/multi/committee_files.hpp"

namespace CLI {
class App;
}

namespace dsdn::cli {

/// The committee flags of `serve`.
struct committee_options {
  std::string committee_file;
  std::string member_key_file;
  std::string peer_tls_cert;
  std::string peer_tls_key;
  std::string peer_tls_ca;
};

/// Registers the committee flags (env DSDN_COMMITTEE, DSDN_MEMBER_KEY, DSDN_PEER_TLS_*).
void add_committee_options(CLI::App& cmd, committee_options& o);

/// What a committee member runs with, from valid files.
struct committee_plan {
  committee_plan(multi::committee c, multi::member_secret m)
      : committee(std::move(c)), member(std::move(m)) {}
  multi::committee committee;
  multi::member_secret member;
  std::string host;  // the member's peer address
  uint16_t port = 0;
  bool tls = false;
  std::string tls_cert, tls_key, tls_ca;
};

/// Loads the committee and member files (every check of committee_files.hpp) and the TLS
/// flags (all three or none). nullopt when --committee is not given; the message names the
/// bad flag or file.
result<std::optional<committee_plan>, int> load_committee_plan(const committee_options& o);

/// The member's identity key becomes the publisher key; the other members' keys are trusted.
void apply_committee(const committee_plan& plan, coordinator_config& cfg);

/// Loads the middleman (and the openssl manager with TLS) with the committee protocol version.
void configure_committee_system(const committee_plan& plan, caf::actor_system_config& cfg);

/// The running committee side of a coordinator.
class committee_runtime {
 public:
  /// Publishes the signing_peer on the member's address and starts the peer_manager. Blocks
  /// briefly (the publish); call from main, after the coordinator is open.
  static result<std::unique_ptr<committee_runtime>, int> start(caf::actor_system& sys,
                                                               const committee_plan& plan,
                                                               coordinator& node);
  ~committee_runtime();
  /// The peer manager (for the HTTP API).
  const peer_manager_actor& manager() const { return manager_; }
  /// Stops both actors (unpublishing the peer). Idempotent.
  void stop();

 private:
  committee_runtime() = default;
  signing_peer_actor peer_;
  peer_manager_actor manager_;
  std::shared_ptr<hello_relay> relay_;  // peer_ -> manager_: who dialed this member
};

}  // namespace dsdn::cli
