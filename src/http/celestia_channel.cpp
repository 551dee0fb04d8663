#include "celestia_channel.hpp"

#include <algorithm>
#include <utility>

#include "dsdn/actors/logging.hpp"

namespace dsdn::da::celestia {

namespace {

/// The class of a failure of the HTTP exchange itself. A timeout may strike after the
/// request left, so it is ambiguous; resolve/connect/TLS failures mean nothing was sent.
error_class transport_class(http::client_errc e) {
  switch (e) {
    case http::client_errc::bad_url:
      return error_class::node_config;
    case http::client_errc::resolve:
    case http::client_errc::connect:
    case http::client_errc::tls:
      return error_class::unreachable;
    case http::client_errc::timeout:
      return error_class::timed_out;
    case http::client_errc::io:
      return error_class::transport;
  }
  return error_class::transport;
}

}  // namespace

std::chrono::milliseconds backoff(const retry_policy& p, unsigned retry) {
  auto wait = p.delay;
  for (unsigned i = 1; i < retry && wait < p.cap; ++i) {
    wait *= 2;
  }
  return std::min(wait, p.cap);
}

channel::channel(http::url url, std::string token)
    : url_(std::move(url)), token_(std::move(token)) {
  // The whole URL path is the endpoint (celestia-node serves "/", proxies may add a prefix).
  target_ = url_.base_path.empty() ? "/" : url_.base_path;
  url_.base_path.clear();
}

rpc_result<std::pair<int, std::string>> channel::post(const std::string& body,
                                                      std::chrono::milliseconds timeout) {
  requests_.fetch_add(1);
  http::request_options options;
  options.timeout = timeout;
  options.bearer_token = token_;
  options.content_type = "application/json";
  auto r = http::send(url_, "POST", target_, body, options);
  if (!r) {
    return failure<rpc_fault>{rpc_fault{transport_class(r.error().code), 0, std::nullopt},
                              r.error().message};
  }
  return std::make_pair(r.value().status, std::move(r.value().body));
}

void channel::log_retry(std::string_view method, const failure<rpc_fault>& f, unsigned retry,
                        std::chrono::milliseconds wait) {
  log().warn("celestia_retry method={} retry={} wait_ms={} class={} http={} error=\"{}\"", method,
             retry, wait.count(), to_string(f.code.cls), f.code.http_status, f.message);
}

}  // namespace dsdn::da::celestia
