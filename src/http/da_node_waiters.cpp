// height_waiters: requests parked until a block height exists (see da_node_context.hpp).

#include "da_node_context.hpp"

namespace dsdn::http::dn {

void height_waiters::wait(uint64_t height, clock::time_point deadline, callback fn) {
  wait_outcome now;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) {
      now = wait_outcome::canceled;
    } else if (height <= head_) {
      now = wait_outcome::produced;
    } else {
      pending_.emplace(height, entry{deadline, std::move(fn)});
      return;
    }
  }
  fn(now);
}

void height_waiters::advance(uint64_t head) {
  std::vector<callback> ready;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (head > head_)
      head_ = head;
    auto end = pending_.upper_bound(head_);
    for (auto it = pending_.begin(); it != end; ++it)
      ready.push_back(std::move(it->second.fn));
    pending_.erase(pending_.begin(), end);
  }
  for (auto& fn : ready)
    fn(wait_outcome::produced);
}

void height_waiters::expire(clock::time_point now) {
  std::vector<callback> late;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.deadline < now) {
        late.push_back(std::move(it->second.fn));
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& fn : late)
    fn(wait_outcome::timed_out);
}

void height_waiters::close() {
  std::multimap<uint64_t, entry> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    all.swap(pending_);
  }
  for (auto& [height, e] : all)
    e.fn(wait_outcome::canceled);
}

size_t height_waiters::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_.size();
}

}  // namespace dsdn::http::dn
