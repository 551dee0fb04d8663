#pragma once
// One HTTP connection (BEAST.md section 2).

#include <memory>

#include <boost/asio/ip/tcp.hpp>

namespace dsdn::http {

struct server_context;

/// Starts serving an accepted connection on the socket's own strand. The session keeps
/// itself alive while an operation or an actor request is pending.
void start_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<server_context> ctx);

}  // namespace dsdn::http
