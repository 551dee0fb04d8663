#pragma once
// Test clients: an asynchronous Beast client (many connections, keep-alive, deadlines) for
// ordinary requests, and a raw POSIX socket for requests no well-behaved client sends.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dsdn::http_test {

/// One request to send.
struct request {
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  std::string content_type = "application/json";  // not sent when empty
  std::string token;                              // Authorization: Bearer when non-empty
  std::vector<std::pair<std::string, std::string>> headers;
};

/// POST with a JSON body.
request post(std::string target, std::string body, std::string token = {});
/// GET.
request get(std::string target);

/// One response (status 0 and `error` set when the exchange failed).
struct response {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  bool keep_alive = false;
  std::string error;

  /// The header's value or "".
  std::string header(const std::string& name) const;
};

/// Runs `connections` in parallel, each a sequence of requests on one keep-alive connection
/// to `address`:`port`; returns the responses per connection. Each exchange has `timeout`.
std::vector<std::vector<response>> run_connections(
    uint16_t port, const std::vector<std::vector<request>>& connections,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(30000), unsigned threads = 2,
    const std::string& address = "127.0.0.1");

/// One request on a new connection.
response fetch(uint16_t port, const request& r, const std::string& address = "127.0.0.1");

/// A raw TCP connection to 127.0.0.1 with poll()-based deadlines.
class raw_socket {
 public:
  explicit raw_socket(uint16_t port);
  ~raw_socket();
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  bool connected() const { return fd_ >= 0; }
  /// Sends everything (false on error, e.g. the peer reset the connection).
  bool send_all(const std::string& data, std::chrono::milliseconds timeout);
  /// Reads one HTTP response (head + Content-Length body) or "" on timeout/close first.
  std::string read_response(std::chrono::milliseconds timeout);
  /// Waits until the peer closes (EOF or reset); true when it did within `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string pending_;  // bytes read past the last response
};

/// The status code of a raw response ("HTTP/1.1 413 ..." -> 413), 0 if none.
int status_of(const std::string& raw_response);

}  // namespace dsdn::http_test
