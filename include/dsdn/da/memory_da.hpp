#pragma once
// The in-memory DA (`--mock-da`): for development and tests. Thread-safe; not durable.

#include <atomic>
#include <memory>

#include "dsdn/da/da_backend.hpp"

namespace dsdn::da {

/// Fault injection for tests, shared between a test and the memory DA it configures.
struct memory_da_faults {
  /// While positive, each submit decrements it and fails with `unavailable`, storing nothing.
  std::atomic<int> fail_submits{0};
  /// While true, every call fails with `unavailable` and healthy() is false.
  std::atomic<bool> down{false};
};

/// A new in-memory DA.
std::unique_ptr<da_backend> make_memory_da();

/// A new in-memory DA whose behaviour `faults` can change at any time (from any thread).
std::unique_ptr<da_backend> make_memory_da(std::shared_ptr<memory_da_faults> faults);

}  // namespace dsdn::da
