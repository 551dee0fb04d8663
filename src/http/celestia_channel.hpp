#pragma once
// The JSON-RPC channel to one celestia-node: POSTs a request through the blocking HTTP
// client, classifies transport failures like node failures, and retries retryable ones with
// exponential backoff. Used by the Celestia DA client only.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "dsdn/da/celestia_rpc.hpp"
#include "dsdn/http/client.hpp"

namespace dsdn::da::celestia {

/// How often and how patiently a call is repeated.
struct retry_policy {
  unsigned retries = 3;                   // after the first attempt
  std::chrono::milliseconds delay{1000};  // before the first retry; doubles
  std::chrono::milliseconds cap{30000};   // no wait is longer
};

/// The policy of a client configuration.
inline retry_policy policy_of(const celestia_config& cfg) {
  return retry_policy{cfg.retry_count, cfg.retry_delay, cfg.retry_delay_cap};
}

/// The wait before retry number `retry` (1-based): delay * 2^(retry-1), at most `cap`.
std::chrono::milliseconds backoff(const retry_policy& p, unsigned retry);

/// The endpoint, the token and the counters shared by every call to one node.
class channel {
 public:
  /// `url` is the parsed rpc_url; requests go to its path (or "/").
  channel(http::url url, std::string token);

  /// Sends `body` once within `timeout`: the node's status and body, or a transport fault.
  rpc_result<std::pair<int, std::string>> post(const std::string& body,
                                               std::chrono::milliseconds timeout);

  /// A fresh request id (for correlating the node's logs; replies are not matched by id).
  uint64_t next_id() { return next_id_.fetch_add(1) + 1; }

  /// One call of `method`: `make(id)` builds the request, `parse(status, body)` reads the
  /// reply. Retryable failures are retried per `policy`; `attempts` receives the count.
  template <class T>
  rpc_result<T> call(std::string_view method, const std::function<std::string(uint64_t)>& make,
                     rpc_result<T> (*parse)(int, std::string_view),
                     std::chrono::milliseconds timeout, const retry_policy& policy,
                     unsigned& attempts);

  /// Requests sent (including retries) and retries made, for the client's stats.
  uint64_t requests() const { return requests_.load(); }
  uint64_t retries() const { return retries_.load(); }
  /// Counts a retry made outside call() (the submit loop's own).
  void note_retry() { retries_.fetch_add(1); }

 private:
  void log_retry(std::string_view method, const failure<rpc_fault>& f, unsigned retry,
                 std::chrono::milliseconds wait);

  http::url url_;
  std::string target_;
  std::string token_;
  std::atomic<uint64_t> next_id_{0};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> retries_{0};
};

template <class T>
rpc_result<T> channel::call(std::string_view method,
                            const std::function<std::string(uint64_t)>& make,
                            rpc_result<T> (*parse)(int, std::string_view),
                            std::chrono::milliseconds timeout, const retry_policy& policy,
                            unsigned& attempts) {
  attempts = 0;
  for (;;) {
    ++attempts;
    auto sent = post(make(next_id()), timeout);
    std::optional<failure<rpc_fault>> fault;
    if (sent) {
      auto parsed = parse(sent.value().first, sent.value().second);
      if (parsed) {
        return parsed;
      }
      fault = parsed.error();
    } else {
      fault = sent.error();
    }
    if (!is_retryable(fault->code.cls) || attempts > policy.retries) {
      return *fault;
    }
    auto wait = backoff(policy, attempts);
    log_retry(method, *fault, attempts, wait);
    retries_.fetch_add(1);
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace dsdn::da::celestia
