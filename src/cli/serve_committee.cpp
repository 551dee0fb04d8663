// The committee side of `serve` (see include/dsdn/cli/serve_committee.hpp).

#include "dsdn/cli/serve_committee.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/send.hpp>

#include "dsdn/actors/logging.hpp"
#include "dsdn/cli/openssl_error_queue.hpp"
#include "dsdn/cli/options.hpp"

namespace dsdn::cli {

void add_committee_options(CLI::App& cmd, committee_options& o) {
  const std::string g = "Committee (FROST threshold signatures over CAF's middleman)";
  cmd.add_option("--committee", o.committee_file, "committee.json written by `keygen`")
      ->envname("DSDN_COMMITTEE")
      ->group(g);
  cmd.add_option("--member-key", o.member_key_file,
                 "This coordinator's member-<id>.json (mode 0600); needs --committee")
      ->envname("DSDN_MEMBER_KEY")
      ->group(g);
  cmd.add_option("--peer-tls-cert", o.peer_tls_cert, "PEM certificate for peer links (mutual TLS)")
      ->envname("DSDN_PEER_TLS_CERT")
      ->group(g);
  cmd.add_option("--peer-tls-key", o.peer_tls_key, "PEM private key of --peer-tls-cert")
      ->envname("DSDN_PEER_TLS_KEY")
      ->group(g);
  cmd.add_option("--peer-tls-ca", o.peer_tls_ca, "PEM CA that signed every member's certificate")
      ->envname("DSDN_PEER_TLS_CA")
      ->group(g);
}

result<std::optional<committee_plan>, int> load_committee_plan(const committee_options& o) {
  const bool any_tls =
      !o.peer_tls_cert.empty() || !o.peer_tls_key.empty() || !o.peer_tls_ca.empty();
  if (o.committee_file.empty()) {
    if (!o.member_key_file.empty() || any_tls)
      return {exit_usage, "--member-key and --peer-tls-* need --committee"};
    return std::optional<committee_plan>{};
  }
  if (o.member_key_file.empty())
    return {exit_usage, "--committee needs --member-key"};
  if (any_tls && (o.peer_tls_cert.empty() || o.peer_tls_key.empty() || o.peer_tls_ca.empty()))
    return {exit_usage, "--peer-tls-cert, --peer-tls-key and --peer-tls-ca go together"};
  for (const auto* f : {&o.peer_tls_cert, &o.peer_tls_key, &o.peer_tls_ca}) {
    std::error_code ec;
    if (!f->empty() && !std::filesystem::is_regular_file(*f, ec))
      return {exit_failure, "TLS file " + *f + " does not exist or is not a file"};
  }
  auto c = multi::load_committee(o.committee_file);
  if (!c)
    return {exit_failure, c.error().message};
  auto m = multi::load_member(o.member_key_file, c.value());
  if (!m)
    return {exit_failure, m.error().message};
  committee_plan plan{std::move(c).value(), std::move(m).value()};
  auto endpoint = multi::split_address(plan.member.address);
  if (!endpoint)
    return {exit_failure, "member address " + plan.member.address + " is not host:port"};
  plan.host = endpoint->host;
  plan.port = endpoint->port;
  plan.tls = any_tls;
  plan.tls_cert = o.peer_tls_cert;
  plan.tls_key = o.peer_tls_key;
  plan.tls_ca = o.peer_tls_ca;
  return std::optional<committee_plan>{std::move(plan)};
}

void apply_committee(const committee_plan& plan, coordinator_config& cfg) {
  cfg.identity = plan.member.identity;
  for (const auto& m : plan.committee.members)
    if (m.id != plan.member.id &&
        std::find(cfg.trusted_publishers.begin(), cfg.trusted_publishers.end(),
                  m.identity_public_key) == cfg.trusted_publishers.end())
      cfg.trusted_publishers.push_back(m.identity_public_key);
}

void configure_committee_system(const committee_plan& plan, caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.app-identifiers", std::vector<std::string>{committee_protocol});
  // Heartbeats let a half-open link (a peer host gone without a FIN) be noticed.
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds(1)});
  if (plan.tls) {
    if (!openssl_error_queue_guarded())
      log().warn(
          "committee_tls_unguarded (SSL_read is interposed by another library: a failed TLS "
          "handshake may drop other peer links)");
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = plan.tls_cert;
    cfg.openssl_key = plan.tls_key;
    cfg.openssl_cafile = plan.tls_ca;
  }
}

result<std::unique_ptr<committee_runtime>, int> committee_runtime::start(caf::actor_system& sys,
                                                                         const committee_plan& plan,
                                                                         coordinator& node) {
  std::unique_ptr<committee_runtime> rt(new committee_runtime);
  rt->relay_ = std::make_shared<hello_relay>();
  rt->peer_ = spawn_signing_peer(
      sys, signing_peer_config{plan.committee, plan.member, {}, node.state_machine()}, rt->relay_);
  auto published = plan.tls
                       ? caf::openssl::publish(rt->peer_, plan.port, plan.host.c_str(), true)
                       : sys.middleman().publish(rt->peer_, plan.port, plan.host.c_str(), true);
  if (!published) {
    auto why = sys.render(published.error());
    rt->stop();
    return {exit_failure, "cannot publish the signing peer on " + plan.member.address + ": " + why};
  }
  peer_manager_config cfg{plan.committee, plan.member};
  cfg.local_peer = rt->peer_;
  cfg.sm = node.state_machine();
  // Connects go through the middleman's (or the TLS manager's) actor: asynchronous for us.
  cfg.connector = plan.tls ? caf::actor_cast<caf::actor>(sys.openssl_manager().actor_handle())
                           : caf::actor_cast<caf::actor>(sys.middleman().actor_handle());
  rt->manager_ = spawn_peer_manager(sys, std::move(cfg));
  // From now on the members that dial this one (lower ids) are passed to the manager.
  rt->relay_->attach(rt->manager_);
  log().info("committee_started id={} peer_address={} tls={} threshold={} members={} protocol={}",
             plan.member.id, plan.member.address, plan.tls, plan.committee.threshold,
             plan.committee.members.size(), committee_protocol);
  return rt;
}

committee_runtime::~committee_runtime() {
  stop();
}

void committee_runtime::stop() {
  if (relay_)
    relay_->detach();
  if (manager_)
    caf::anon_send_exit(manager_, caf::exit_reason::user_shutdown);
  if (peer_)
    caf::anon_send_exit(peer_, caf::exit_reason::user_shutdown);
  manager_ = nullptr;
  peer_ = nullptr;
}

}  // namespace dsdn::cli
