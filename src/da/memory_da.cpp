#include "dsdn/da/memory_da.hpp"

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

#include "dsdn/core/crypto.hpp"

namespace dsdn::da {
namespace {

class memory_da final : public da_backend {
 public:
  explicit memory_da(std::shared_ptr<memory_da_faults> faults) : faults_(std::move(faults)) {}

  const char* kind() const override { return "memory"; }

  da_result<submit_receipt> submit(const std::vector<blob_bytes>& blobs) override {
    if (is_down()) {
      return down_failure();
    }
    if (faults_) {
      int left = faults_->fail_submits.load();
      while (left > 0) {
        if (faults_->fail_submits.compare_exchange_weak(left, left - 1)) {
          return failure<da_errc>{da_errc::unavailable, "memory DA: injected submit failure"};
        }
      }
    }
    if (auto bad = check_submit(blobs)) {
      return *bad;
    }
    submit_receipt receipt;
    receipt.commitments.reserve(blobs.size());
    for (const auto& b : blobs) {
      receipt.commitments.push_back(core::sha256(b.data(), b.size()));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    heights_.push_back(blobs);
    receipt.height = heights_.size();
    return receipt;
  }

  da_result<std::vector<stored_blob>> get_all(uint64_t height) override {
    if (is_down()) {
      return down_failure();
    }
    std::vector<stored_blob> out;
    std::lock_guard<std::mutex> lock(mutex_);
    if (height >= 1 && height <= heights_.size()) {
      append_height(height, out);
    }
    return out;
  }

  da_result<std::vector<stored_blob>> get_range(uint64_t from, uint64_t to,
                                                size_t max_blobs) override {
    if (is_down()) {
      return down_failure();
    }
    std::vector<stored_blob> out;
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t last = std::min<uint64_t>(to, heights_.size());
    for (uint64_t h = std::max<uint64_t>(from, 1); h <= last; ++h) {
      const size_t n = heights_[h - 1].size();
      // The first height comes whole even when it alone exceeds max_blobs.
      if (!out.empty() && out.size() + n > max_blobs) {
        break;
      }
      append_height(h, out);
      if (out.size() >= max_blobs) {
        break;
      }
    }
    return out;
  }

  da_result<uint64_t> head_height() override {
    if (is_down()) {
      return down_failure();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<uint64_t>(heights_.size());
  }

  bool healthy() override { return !is_down(); }

 private:
  bool is_down() const { return faults_ && faults_->down.load(); }

  static failure<da_errc> down_failure() {
    return failure<da_errc>{da_errc::unavailable, "memory DA: down (injected fault)"};
  }

  // Caller holds mutex_; 1 <= height <= heights_.size().
  void append_height(uint64_t height, std::vector<stored_blob>& out) const {
    const auto& blobs = heights_[height - 1];
    for (size_t i = 0; i < blobs.size(); ++i) {
      out.push_back(stored_blob{height, static_cast<uint32_t>(i), blobs[i]});
    }
  }

  std::shared_ptr<memory_da_faults> faults_;
  std::mutex mutex_;
  std::vector<std::vector<blob_bytes>> heights_;  // heights_[h - 1] holds height h
};

}  // namespace

std::unique_ptr<da_backend> make_memory_da() {
  return make_memory_da(nullptr);
}

std::unique_ptr<da_backend> make_memory_da(std::shared_ptr<memory_da_faults> faults) {
  return std::make_unique<memory_da>(std::move(faults));
}

}  // namespace dsdn::da
