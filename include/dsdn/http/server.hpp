#pragma once
// The coordinator's HTTP API (Boost.Beast, asynchronous, on its own io_context threads).
// Handlers turn requests into asynchronous actor requests and complete on the connection's
// strand; no handler blocks. Routes, JSON shapes and status codes: README "HTTP API".

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "dsdn/core/result.hpp"

namespace dsdn {
class coordinator;
}

namespace dsdn::http {

/// Listener and connection settings.
struct server_config {
  std::string host = "127.0.0.1";  // a hostname is resolved; the first address is used
  uint16_t port = 45831;           // 0 = any free port (see http_server::port())
  unsigned threads = 2;            // io_context threads
  std::string api_token;           // when set, state-changing requests need Bearer auth
  size_t body_limit = 2 * 1024 * 1024;
  size_t header_limit = 16 * 1024;
  std::chrono::milliseconds read_timeout{30000};     // idle keep-alive / slow clients
  std::chrono::milliseconds request_timeout{60000};  // actor round trips
  std::chrono::milliseconds write_timeout{30000};    // a client that does not read its answer
  std::chrono::milliseconds health_timeout{5000};    // the DA liveness probe behind /health
  std::chrono::milliseconds shutdown_grace{5000};    // stop(): in-flight requests may finish
  caf::actor committee;  // the peer_manager (/committee/*); null without a committee
};

enum class server_errc : uint8_t { resolve = 1, bind };

/// A running HTTP server. Stop it (or destroy it) before the actor system goes away.
class http_server {
 public:
  /// Resolves, binds, listens and starts the io_context threads. `node` must outlive the
  /// server.
  static result<std::unique_ptr<http_server>, server_errc> start(caf::actor_system& sys,
                                                                 coordinator& node,
                                                                 server_config cfg);
  virtual ~http_server() = default;

  /// The bound port (useful with port 0).
  virtual uint16_t port() const = 0;
  /// Stops accepting, lets in-flight requests finish (bounded grace), joins the threads.
  virtual void stop() = 0;
};

}  // namespace dsdn::http
