// The blocking HTTP/1.1 client: Boost.Beast over plain TCP or TLS (OpenSSL), one request per
// connection, one total deadline per request.
//
// Beast's stream timeouts only apply to asynchronous operations, so every step (connect, TLS
// handshake, write, read) is started asynchronously on a private io_context and run to
// completion before the next one: blocking for the caller, bounded by the deadline inside.
// Name resolution (getaddrinfo) cannot be cancelled, so it runs on a detached thread that is
// abandoned when the deadline passes.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <openssl/x509.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "dsdn/http/client.hpp"

namespace dsdn::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
using error_code = boost::system::error_code;

/// Responses bigger than this are refused (the CLI's largest answer is a node list).
constexpr uint64_t response_body_limit = 256ull * 1024 * 1024;

using send_result = result<response, client_errc>;

bool has_control_chars(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

std::string authority(const url& base) {
  bool v6 = base.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + base.host + "]" : base.host;
  uint16_t default_port = base.tls ? 443 : 80;
  return base.port == default_port ? host : host + ":" + std::to_string(base.port);
}

std::string where(const url& base) {
  return (base.host.find(':') != std::string::npos ? "[" + base.host + "]" : base.host) + ":" +
         std::to_string(base.port);
}

std::string ms_text(std::chrono::milliseconds ms) {
  return std::to_string(ms.count()) + " ms";
}

/// Resolves the host before `deadline` (`timeout` is only for the message); an IP literal
/// needs no lookup.
result<tcp::resolver::results_type, client_errc> resolve(const url& base,
                                                         clock_type::time_point deadline,
                                                         std::chrono::milliseconds timeout) {
  error_code ec;
  auto address = net::ip::make_address(base.host, ec);
  if (!ec) {
    return tcp::resolver::results_type::create(tcp::endpoint{address, base.port}, base.host,
                                               std::to_string(base.port));
  }
  struct outcome {
    tcp::resolver::results_type results;
    error_code ec;
  };
  auto promise = std::make_shared<std::promise<outcome>>();
  auto future = promise->get_future();
  std::string host = base.host;
  std::string port = std::to_string(base.port);
  try {
    std::thread([promise, host, port] {
      net::io_context ioc;
      tcp::resolver resolver{ioc};
      outcome out;
      out.results = resolver.resolve(host, port, out.ec);
      promise->set_value(std::move(out));
    }).detach();
  } catch (const std::exception& e) {
    return {client_errc::resolve, "cannot resolve '" + host + "': " + e.what()};
  }
  if (future.wait_until(deadline) != std::future_status::ready)
    return {client_errc::timeout,
            "resolving '" + host + "' did not finish within " + ms_text(timeout)};
  auto out = future.get();
  if (out.ec)
    return {client_errc::resolve, "cannot resolve '" + host + "': " + out.ec.message()};
  if (out.results.empty())
    return {client_errc::resolve, "cannot resolve '" + host + "': no addresses"};
  return out.results;
}

/// Starts one asynchronous operation and runs the io_context until it completes (the stream's
/// expiry bounds it). Returns the operation's error.
template <class Start>
error_code run_one(net::io_context& ioc, Start start) {
  error_code result = net::error::would_block;
  start([&result](error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

bool is_timeout(const error_code& ec) {
  return ec == beast::error::timeout || ec == net::error::timed_out;
}

/// Writes the request and reads the response on a connected (and, for TLS, handshaken) stream.
template <class Stream>
send_result exchange(net::io_context& ioc, Stream& stream, beast::tcp_stream& lowest,
                     bhttp::request<bhttp::string_body>& req, const url& base,
                     clock_type::time_point deadline, std::chrono::milliseconds timeout) {
  lowest.expires_at(deadline);
  auto ec = run_one(ioc, [&](auto handler) { bhttp::async_write(stream, req, handler); });
  if (ec) {
    if (is_timeout(ec))
      return {client_errc::timeout, "sending the request to " + where(base) +
                                        " did not finish within " + ms_text(timeout)};
    return {client_errc::io, "sending the request to " + where(base) + " failed: " + ec.message()};
  }

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(response_body_limit);
  if (req.method() == bhttp::verb::head)
    parser.skip(true);
  lowest.expires_at(deadline);
  ec = run_one(ioc, [&](auto handler) { bhttp::async_read(stream, buffer, parser, handler); });
  if (ec) {
    if (is_timeout(ec))
      return {client_errc::timeout,
              "no complete response from " + where(base) + " within " + ms_text(timeout)};
    if (ec == bhttp::error::end_of_stream)
      return {client_errc::io, where(base) + " closed the connection before sending a response"};
    return {client_errc::io,
            "reading the response from " + where(base) + " failed: " + ec.message()};
  }

  auto& msg = parser.get();
  response out;
  out.status = static_cast<int>(msg.result_int());
  out.reason = std::string(msg.reason());
  if (out.reason.empty())
    out.reason = std::string(bhttp::obsolete_reason(msg.result()));
  out.body = std::move(msg.body());
  for (const auto& field : msg) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto [it, inserted] = out.headers.emplace(name, std::string(field.value()));
    if (!inserted)
      it->second += ", " + std::string(field.value());
  }
  return out;
}

/// Connects to the first endpoint that accepts within the deadline.
result<bool, client_errc> connect(net::io_context& ioc, beast::tcp_stream& stream,
                                  const tcp::resolver::results_type& endpoints, const url& base,
                                  clock_type::time_point deadline,
                                  std::chrono::milliseconds timeout) {
  stream.expires_at(deadline);
  auto ec = run_one(ioc, [&](auto handler) { stream.async_connect(endpoints, handler); });
  if (!ec)
    return true;
  if (is_timeout(ec))
    return {client_errc::timeout,
            "connecting to " + where(base) + " did not finish within " + ms_text(timeout)};
  return {client_errc::connect, "cannot connect to " + where(base) + ": " + ec.message()};
}

send_result send_plain(net::io_context& ioc, const tcp::resolver::results_type& endpoints,
                       bhttp::request<bhttp::string_body>& req, const url& base,
                       clock_type::time_point deadline, std::chrono::milliseconds timeout) {
  beast::tcp_stream stream{ioc};
  auto connected = connect(ioc, stream, endpoints, base, deadline, timeout);
  if (!connected)
    return connected.error();
  auto out = exchange(ioc, stream, stream, req, base, deadline, timeout);
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return out;
}

send_result send_tls(net::io_context& ioc, const tcp::resolver::results_type& endpoints,
                     bhttp::request<bhttp::string_body>& req, const url& base,
                     clock_type::time_point deadline, std::chrono::milliseconds timeout) {
  ssl::context ctx{ssl::context::tls_client};
  error_code ec;
  ctx.set_default_verify_paths(ec);  // honours SSL_CERT_FILE / SSL_CERT_DIR
  if (ec)
    return {client_errc::tls, "cannot load the system CA certificates: " + ec.message()};
  ctx.set_verify_mode(ssl::verify_peer);

  beast::ssl_stream<beast::tcp_stream> stream{ioc, ctx};
  stream.set_verify_callback(ssl::host_name_verification(base.host));
  net::ip::make_address(base.host, ec);
  bool is_ip = !ec;
  // SNI carries host names only (RFC 6066 forbids IP literals).
  if (!is_ip && !SSL_set_tlsext_host_name(stream.native_handle(), base.host.c_str()))
    return {client_errc::tls, "cannot set the TLS server name '" + base.host + "'"};

  auto& lowest = beast::get_lowest_layer(stream);
  auto connected = connect(ioc, lowest, endpoints, base, deadline, timeout);
  if (!connected)
    return connected.error();
  lowest.expires_at(deadline);
  ec = run_one(ioc,
               [&](auto handler) { stream.async_handshake(ssl::stream_base::client, handler); });
  if (ec) {
    if (is_timeout(ec))
      return {client_errc::timeout,
              "TLS handshake with " + where(base) + " did not finish within " + ms_text(timeout)};
    std::string detail = ec.message();
    long verify = SSL_get_verify_result(stream.native_handle());
    if (verify != X509_V_OK)
      detail += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    return {client_errc::tls, "TLS handshake with " + where(base) + " failed: " + detail};
  }
  auto out = exchange(ioc, stream, lowest, req, base, deadline, timeout);
  // No TLS close_notify: the request said Connection: close, and waiting for the peer's
  // shutdown could only delay the answer we already have.
  error_code ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return out;
}

}  // namespace

result<response, client_errc> send(const url& base, const std::string& method,
                                   const std::string& target, const std::string& body,
                                   const request_options& options) {
  const auto timeout = options.timeout;
  const auto deadline = clock_type::now() + timeout;
  if (base.host.empty())
    return {client_errc::bad_url, "the URL has no host"};
  auto verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown)
    return {client_errc::bad_url, "unknown HTTP method '" + method + "'"};
  if (target.empty() || target.front() != '/')
    return {client_errc::bad_url, "request target '" + target + "' must start with '/'"};
  if (has_control_chars(target) || has_control_chars(base.base_path))
    return {client_errc::bad_url, "request target contains control characters"};
  if (has_control_chars(options.bearer_token) || has_control_chars(options.content_type))
    return {client_errc::bad_url, "API token or content type contains control characters"};
  if (timeout.count() <= 0)
    return {client_errc::timeout, "the timeout must be positive"};

  try {
    auto endpoints = resolve(base, deadline, timeout);
    if (!endpoints)
      return endpoints.error();

    bhttp::request<bhttp::string_body> req{verb, base.base_path + target, 11};
    req.set(bhttp::field::host, authority(base));
    req.set(bhttp::field::user_agent, "dsdn-coordinator");
    req.set(bhttp::field::accept, "application/json");
    req.set(bhttp::field::connection, "close");
    if (!options.bearer_token.empty())
      req.set(bhttp::field::authorization, "Bearer " + options.bearer_token);
    bool has_body = !body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put ||
                    verb == bhttp::verb::patch;
    if (has_body) {
      if (!options.content_type.empty())
        req.set(bhttp::field::content_type, options.content_type);
      req.body() = body;
    }
    req.prepare_payload();

    net::io_context ioc;
    if (base.tls)
      return send_tls(ioc, endpoints.value(), req, base, deadline, timeout);
    return send_plain(ioc, endpoints.value(), req, base, deadline, timeout);
  } catch (const std::exception& e) {
    // Asio reports some setup failures (e.g. an SSL context it cannot create) by throwing.
    return {base.tls ? client_errc::tls : client_errc::io,
            "request to " + where(base) + " failed: " + e.what()};
  }
}

}  // namespace dsdn::http
