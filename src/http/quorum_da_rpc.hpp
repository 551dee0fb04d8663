#pragma once
// The validator side of QuorumDA: one validator endpoint, its three JSON-RPC calls (single
// attempt, one deadline each; the round decides what a failure means) and the threads the
// concurrent requests run on. Private to src/http (quorum_da*.cpp).

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "dsdn/core/crypto.hpp"
#include "dsdn/core/result.hpp"
#include "dsdn/da/da_backend.hpp"
#include "dsdn/http/client.hpp"
#include "dsdn/http/quorum_da.hpp"

namespace dsdn::da {

/// A failure worded for an error message ("connection refused", "code 1: ...").
using rpc_failure = failure<da_errc>;

struct quorum_da::validator {
  size_t index = 0;
  std::string text;  ///< the URL as configured, for messages
  http::url url;
  core::public_key key{};

  /// "validator 1 (http://...)".
  std::string name() const;
};

/// What dsdn.StoreAndSign answered.
struct store_reply {
  commitment digest{};
  core::signature sig{};
  core::public_key key{};
};

/// The calls, each one POST with `timeout` as its whole deadline and `token` as bearer.
result<store_reply, da_errc> store_and_sign(const quorum_da::validator& v, const blob_bytes& data,
                                            const std::string& token,
                                            std::chrono::milliseconds timeout);
result<blob_bytes, da_errc> get_by_commitment(const quorum_da::validator& v, const commitment& c,
                                              const std::string& token,
                                              std::chrono::milliseconds timeout);
result<core::public_key, da_errc> validator_key(const quorum_da::validator& v,
                                                const std::string& token,
                                                std::chrono::milliseconds timeout);

/// The request threads: a round starts one per validator and returns once it is decided, so a
/// slow request may outlive its round. Each thread owns what it uses (shared state), is joined
/// when it has finished (reaped at the next spawn) and at the latest by the destructor, which
/// waits for at most one request deadline.
struct quorum_da::workers {
  ~workers();
  /// Runs `task` on a new thread.
  void spawn(std::function<void()> task);
  /// Threads not yet joined.
  size_t live();

 private:
  struct entry {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  void reap_locked();
  std::mutex mutex_;
  std::list<entry> threads_;
};

}  // namespace dsdn::da
