#pragma once
// SIGINT/SIGTERM for long-running commands (`serve`, `da-node serve`): blocked before any
// thread exists so that every thread inherits the mask and only wait() sees them.

#include <chrono>

namespace dsdn::cli {

/// Construct it first thing in the command, before any thread is started.
class stop_signals {
 public:
  /// Blocks SIGINT and SIGTERM in the calling thread and restores their default action: a
  /// job started in the background of a non-interactive shell inherits SIGINT *ignored*, and
  /// an ignored signal is discarded instead of waiting for sigwait (the default action never
  /// runs while the signal is blocked).
  stop_signals();

  /// Blocks until SIGINT or SIGTERM arrives; returns its name ("SIGINT" or "SIGTERM").
  const char* wait() const;

  /// As wait(), but gives up after `timeout` and returns nullptr.
  const char* wait_for(std::chrono::milliseconds timeout) const;
};

}  // namespace dsdn::cli
