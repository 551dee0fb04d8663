#include "context.hpp"

namespace dsdn::http {

bool session_registry::add(const closable* key, std::weak_ptr<closable> s) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (stopping_.load())
    return false;
  live_.emplace(key, std::move(s));
  return true;
}

void session_registry::remove(const closable* key) {
  std::lock_guard<std::mutex> guard(mutex_);
  live_.erase(key);
  if (live_.empty())
    empty_.notify_all();
}

std::vector<std::shared_ptr<closable>> session_registry::begin_stop() {
  std::lock_guard<std::mutex> guard(mutex_);
  stopping_.store(true);
  std::vector<std::shared_ptr<closable>> out;
  out.reserve(live_.size());
  for (auto& [key, weak] : live_)
    if (auto s = weak.lock())
      out.push_back(std::move(s));
  return out;
}

bool session_registry::wait_empty(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return empty_.wait_for(lock, timeout, [this] { return live_.empty(); });
}

size_t session_registry::size() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return live_.size();
}

}  // namespace dsdn::http
