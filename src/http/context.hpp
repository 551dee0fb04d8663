#pragma once
// What every connection of one server shares: the actor handles, the configuration, the
// metrics, and the registry of live sessions used by the graceful stop.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/fwd.hpp>

#include "dsdn/actors/actors.hpp"
#include "dsdn/actors/committee.hpp"
#include "dsdn/http/server.hpp"
#include "metrics.hpp"

namespace boost::asio {
class io_context;
}

namespace dsdn::http {

/// A connection the graceful stop can ask to finish.
class closable {
 public:
  virtual ~closable() = default;
  /// Closes at once when idle, else right after the response in progress (thread-safe).
  virtual void close_when_idle() = 0;
};

/// The live sessions of a server; counts them so stop() can wait until all are gone.
class session_registry {
 public:
  /// Registers a new session; false once stopping (the caller drops the connection).
  bool add(const closable* key, std::weak_ptr<closable> s);
  /// Unregisters a session (from its destructor).
  void remove(const closable* key);
  /// Marks the server as stopping and returns the sessions alive now.
  std::vector<std::shared_ptr<closable>> begin_stop();
  /// Waits until no session is left or `timeout` passed; true when none is left.
  bool wait_empty(std::chrono::milliseconds timeout);
  /// True once begin_stop() ran: new responses carry Connection: close.
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  /// How many sessions are alive.
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable empty_;
  std::unordered_map<const closable*, std::weak_ptr<closable>> live_;
  std::atomic<bool> stopping_{false};
};

/// Shared by every connection of one server. Outlives the io_context's handlers.
struct server_context {
  server_context(caf::actor_system& system, server_config config) : sys(system), cfg(config) {}

  caf::actor_system& sys;
  const server_config cfg;
  registry_actor registry;
  state_machine_actor sm;
  event_publisher_actor publisher;
  da_consumer_actor consumer;
  da_actor da;
  /// Every DA layer (null handles for unconfigured fallback layers), for live probes.
  da_layer_set layers;
  da_router_actor router;
  health_monitor_actor monitor;
  /// Null when the coordinator has no outbox (single DA layer).
  reconciliation_engine_actor reconciler;
  consistency_checker_actor checker;
  /// Null when the coordinator is not a committee member.
  peer_manager_actor committee;
  std::string da_layer;
  std::string data_dir;
  std::string publisher_id_hex;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  /// Weak: asks lock it to keep the io_context alive until their answer is posted.
  std::weak_ptr<boost::asio::io_context> io;
  http_metrics metrics;
  session_registry sessions;
};

}  // namespace dsdn::http
