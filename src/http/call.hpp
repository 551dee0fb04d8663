#pragma once
// One HTTP request as the handlers see it: the parsed request, the server's shared context,
// and the connection that takes the answer. No Beast types here, so handler files stay light.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

namespace dsdn::http {

struct server_context;

/// A response before it is put on the wire.
struct reply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";  // not sent when empty
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // Connection: close after this response
};

/// The parts of a request a handler needs (path parameters and query already decoded).
struct incoming {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::string> params;  // path parameters, in pattern order
  std::string body;

  /// The first query value named `name`, or nullptr.
  const std::string* query_value(const std::string& name) const {
    for (auto& [k, v] : query)
      if (k == name)
        return &v;
    return nullptr;
  }
};

/// The connection a request came in on. respond() must be called once, on executor().
class responder {
 public:
  virtual ~responder() = default;
  /// The connection's strand.
  virtual boost::asio::any_io_executor executor() const = 0;
  /// Sends the response; later calls for the same request are ignored.
  virtual void respond(reply r) = 0;
};

/// A request in flight. Cheap to copy (three shared pointers): continuations capture it.
struct call {
  std::shared_ptr<server_context> ctx;
  std::shared_ptr<const incoming> in;
  std::shared_ptr<responder> out;

  /// The i-th path parameter.
  const std::string& param(size_t i) const { return in->params[i]; }
  /// Sends `r` on the connection (call on the connection's strand).
  void send(reply r) const { out->respond(std::move(r)); }
};

}  // namespace dsdn::http
