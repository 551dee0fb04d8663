// The Celestia backend's submit path: blob.Submit with retries, the commitment search that
// resolves a submit whose outcome is unknown, and the read-back of a reported inclusion.

#include <algorithm>
#include <numeric>
#include <thread>
#include <utility>

#include "celestia_channel.hpp"
#include "dsdn/actors/logging.hpp"
#include "dsdn/http/celestia_da.hpp"

namespace dsdn::da {

namespace {

std::string height_text(uint64_t h) {
  return std::to_string(h);
}

}  // namespace

da_result<submit_receipt> celestia_da::submit(const std::vector<blob_bytes>& blobs) {
  if (auto bad = check_submit(blobs)) {
    return *bad;
  }
  const size_t total = std::accumulate(blobs.begin(), blobs.end(), size_t{0},
                                       [](size_t n, const blob_bytes& b) { return n + b.size(); });
  if (total > cfg_.max_submit_bytes) {
    return failure<da_errc>{da_errc::too_large,
                            "celestia submit: " + std::to_string(total) +
                                " bytes of blobs exceed one transaction's limit of " +
                                std::to_string(cfg_.max_submit_bytes)};
  }
  std::vector<commitment> commitments;
  commitments.reserve(blobs.size());
  for (size_t i = 0; i < blobs.size(); ++i) {
    auto c = share_commitment(cfg_.ns, blobs[i]);
    if (!c) {
      return failure<da_errc>{da_errc::bad_request, "celestia submit: blob " + std::to_string(i) +
                                                        ": " + c.error().message};
    }
    commitments.push_back(c.value());
  }

  const auto policy = celestia::policy_of(cfg_);
  bool after_ambiguous = false;
  for (unsigned attempt = 1;; ++attempt) {
    submits_.fetch_add(1);
    if (after_ambiguous) {
      resubmits_.fetch_add(1);
    }
    auto sent = channel_->post(
        celestia::submit_request(channel_->next_id(), cfg_.ns, blobs, commitments, cfg_.tx),
        cfg_.timeout);
    auto r = sent ? celestia::parse_submit_response(sent.value().first, sent.value().second)
                  : celestia::rpc_result<uint64_t>(sent.error());
    if (r) {
      return confirm(r.value(), blobs, std::move(commitments));
    }
    const auto& f = r.error();
    const bool more = celestia::is_retryable(f.code.cls) && attempt <= cfg_.retry_count;
    log().warn("celestia_submit_failed attempt={} class={} http={} blobs={} bytes={} error=\"{}\"",
               attempt, celestia::to_string(f.code.cls), f.code.http_status, blobs.size(), total,
               f.message);
    const auto wait = celestia::backoff(policy, attempt);
    if (celestia::is_ambiguous(f.code.cls)) {
      // The tx may still be in flight: give it the backoff time to land, then look for it.
      std::this_thread::sleep_for(wait);
      searches_.fetch_add(1);
      auto found = find_commitments(commitments, cfg_.search_depth);
      if (!found) {
        // Unknown outcome and no way to check it: resubmitting could publish twice.
        auto e = celestia::to_failure(celestia::method_submit, f, attempt);
        e.message += "; whether it was included could not be checked (" + found.error().message +
                     "), so it was not resubmitted";
        return e;
      }
      if (found.value()) {
        search_hits_.fetch_add(1);
        log().info("celestia_submit_found height={} after=\"{}\"", *found.value(), f.message);
        return submit_receipt{*found.value(), std::move(commitments)};
      }
      if (!more) {
        return celestia::to_failure(celestia::method_submit, f, attempt);
      }
      after_ambiguous = true;
      channel_->note_retry();
      continue;  // the backoff was spent before the search
    }
    after_ambiguous = false;
    if (!more) {
      return celestia::to_failure(celestia::method_submit, f, attempt);
    }
    channel_->note_retry();
    std::this_thread::sleep_for(wait);
  }
}

da_result<submit_receipt> celestia_da::confirm(uint64_t height,
                                               const std::vector<blob_bytes>& blobs,
                                               std::vector<commitment> commitments) {
  submit_receipt receipt{height, std::move(commitments)};
  if (!cfg_.verify_submit) {
    return receipt;
  }
  unsigned attempts = 0;
  auto r = channel_->call<std::vector<celestia::rpc_blob>>(
      celestia::method_get_all,
      [&](uint64_t id) { return celestia::get_all_request(id, height, cfg_.ns); },
      &celestia::parse_get_all_response, cfg_.timeout, celestia::policy_of(cfg_), attempts);
  if (!r) {
    // The node reported the inclusion; failing now would make the caller publish it again.
    log().warn("celestia_submit_unverified height={} error=\"{}\"", height,
               celestia::to_failure(celestia::method_get_all, r.error(), attempts).message);
    return receipt;
  }
  const auto& found = r.value();
  for (size_t i = 0; i < blobs.size(); ++i) {
    const commitment& ours = receipt.commitments[i];
    auto it = std::find_if(found.begin(), found.end(), [&](const celestia::rpc_blob& b) {
      return b.defect.empty() && b.ns == cfg_.ns && b.data == blobs[i];
    });
    std::string problem;
    if (it == found.end()) {
      problem = "blob " + std::to_string(i) + " (commitment " + commitment_base64(ours) +
                ") is not at the reported height " + height_text(height);
    } else {
      auto computed = celestia::compute_commitment(*it);
      if (!it->commitment && !computed) {
        problem = "blob " + std::to_string(i) + " at height " + height_text(height) +
                  " has no commitment: " + computed.error().message;
      }
      auto theirs = it->commitment ? *it->commitment : computed ? computed.value() : ours;
      if (problem.empty() && theirs != ours) {
        problem = "commitment mismatch for blob " + std::to_string(i) + " at height " +
                  height_text(height) + ": the node has " + commitment_base64(theirs) +
                  ", computed " + commitment_base64(ours);
      }
    }
    if (!problem.empty()) {
      commitment_mismatches_.fetch_add(1);
      log().error("celestia_submit_mismatch height={} detail=\"{}\"", height, problem);
      return failure<da_errc>{da_errc::corrupt, "celestia blob.Submit: " + problem};
    }
  }
  return receipt;
}

da_result<std::optional<uint64_t>> celestia_da::find_commitments(
    const std::vector<commitment>& commitments, uint64_t depth) {
  auto head = head_height();
  if (!head) {
    return head.error();
  }
  const uint64_t top = head.value();
  uint64_t lower = top >= depth ? top - depth + 1 : 1;
  lower = std::max({lower, cfg_.start_height, uint64_t{1}});
  for (uint64_t h = top; h >= lower; --h) {
    unsigned attempts = 0;
    auto r = channel_->call<std::vector<celestia::rpc_blob>>(
        celestia::method_get_all,
        [&](uint64_t id) { return celestia::get_all_request(id, h, cfg_.ns); },
        &celestia::parse_get_all_response, cfg_.timeout, celestia::policy_of(cfg_), attempts);
    if (!r) {
      if (r.error().code.cls == celestia::error_class::future_height) {
        continue;
      }
      return celestia::to_failure(celestia::method_get_all, r.error(), attempts);
    }
    // Commitments are computed from the data, not taken from the node's field.
    std::vector<commitment> present;
    for (const auto& b : r.value()) {
      if (!b.defect.empty() || b.ns != cfg_.ns) {
        continue;
      }
      if (auto c = celestia::compute_commitment(b)) {
        present.push_back(c.value());
      }
    }
    const bool all = std::all_of(commitments.begin(), commitments.end(), [&](const commitment& c) {
      return std::find(present.begin(), present.end(), c) != present.end();
    });
    if (all) {
      return std::optional<uint64_t>{h};
    }
  }
  return std::optional<uint64_t>{};
}

}  // namespace dsdn::da
