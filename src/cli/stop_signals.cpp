// stop_signals (see include/dsdn/cli/stop_signals.hpp).

#include "dsdn/cli/stop_signals.hpp"

#include <pthread.h>

#include <csignal>

namespace dsdn::cli {

namespace {

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

stop_signals::stop_signals() {
  auto set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

const char* stop_signals::wait() const {
  auto set = stop_set();
  int sig = 0;
  sigwait(&set, &sig);
  return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

const char* stop_signals::wait_for(std::chrono::milliseconds timeout) const {
  auto set = stop_set();
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>(timeout.count() % 1000) * 1000000L;
  int sig = sigtimedwait(&set, nullptr, &ts);
  if (sig == SIGINT)
    return "SIGINT";
  return sig == SIGTERM ? "SIGTERM" : nullptr;
}

}  // namespace dsdn::cli
