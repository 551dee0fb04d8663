#pragma once
// One connection of the DA node's JSON-RPC server.

#include <memory>

#include <boost/asio/ip/tcp.hpp>

namespace dsdn::http::dn {

struct node_context;

/// Serves an accepted connection on its own strand: reads requests (body limit, read
/// timeout), checks the bearer token, runs the JSON-RPC body and writes the answer
/// (keep-alive). Past max_connections live connections, answers 503 and closes.
void start_node_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<node_context> ctx);

}  // namespace dsdn::http::dn
