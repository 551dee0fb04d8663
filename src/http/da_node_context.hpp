#pragma once
// What every connection of one DA node server shares: the configuration, the store, the one
// worker thread all store calls run on (so no io thread ever waits for SQLite), the requests
// waiting for a block, and the live sessions (for the graceful stop).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "context.hpp"
#include "dsdn/da/da_node_store.hpp"
#include "dsdn/http/da_node.hpp"

namespace dsdn::http::dn {

/// How a wait for a height ended.
enum class wait_outcome : uint8_t {
  produced,   ///< the height exists now
  canceled,   ///< the server is stopping
  timed_out,  ///< request_timeout passed first
};

/// Requests waiting for a block height (Submit until its block is made, reads of head + 1).
/// Thread-safe; callbacks run outside the lock, on the thread that released them.
class height_waiters {
 public:
  using clock = std::chrono::steady_clock;
  using callback = std::function<void(wait_outcome)>;

  explicit height_waiters(uint64_t head) : head_(head) {}

  /// Calls `fn(produced)` once the head reaches `height` (at once when it has), fn(timed_out)
  /// from the first expire() after `deadline`, fn(canceled) at close() or after it.
  void wait(uint64_t height, clock::time_point deadline, callback fn);
  /// The head is now `head`: releases the waits for heights up to it.
  void advance(uint64_t head);
  /// Releases the waits whose deadline is before `now`.
  void expire(clock::time_point now);
  /// Releases every wait with canceled; later waits are canceled at once.
  void close();
  /// Waits not released yet.
  size_t size() const;

 private:
  struct entry {
    clock::time_point deadline;
    callback fn;
  };
  mutable std::mutex mutex_;
  uint64_t head_;
  bool closed_ = false;
  std::multimap<uint64_t, entry> pending_;
};

/// Shared by the listener, the sessions, the block timer and the RPC methods of one server.
struct node_context {
  node_context(da_node_config c, std::unique_ptr<da::da_node_store> s)
      : cfg(std::move(c)), store(std::move(s)), waiters(store->head().height) {}

  const da_node_config cfg;
  /// Called only on the worker thread (and at start and after the worker is joined).
  std::unique_ptr<da::da_node_store> store;
  /// One thread: every store call runs here, in order.
  boost::asio::thread_pool worker{1};
  height_waiters waiters;
  session_registry sessions;

  /// Runs `fn` on the worker thread.
  template <class F>
  void on_worker(F&& fn) {
    boost::asio::post(worker, std::forward<F>(fn));
  }
  /// The deadline of a wait that starts now.
  height_waiters::clock::time_point deadline() const {
    return height_waiters::clock::now() + cfg.request_timeout;
  }
};

}  // namespace dsdn::http::dn
