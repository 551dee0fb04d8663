// The Celestia backend's construction and read path (GetAll, Get, the head headers, health).
// The submit path is in celestia_submit.cpp.

#include "dsdn/http/celestia_da.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <string_view>
#include <utility>

#include "celestia_channel.hpp"
#include "dsdn/actors/logging.hpp"
#include "dsdn/http/client.hpp"

namespace dsdn::da {

namespace {

/// `to` of a read that goes up to whatever the head is.
constexpr uint64_t up_to_head = std::numeric_limits<uint64_t>::max();

struct head_reading {
  uint64_t height = 0;
  bool local = false;  // header.NetworkHead failed; this is header.LocalHead
};

/// header.NetworkHead's height, header.LocalHead's when that fails.
da_result<head_reading> read_head(celestia_da& da) {
  auto network = da.network_head();
  if (network) {
    return head_reading{network.value(), false};
  }
  // The syncer's view can fail while the local store still answers (e.g. no peers yet).
  auto local = da.local_head();
  if (local) {
    log().warn("celestia_network_head_failed fallback=local_head error=\"{}\"",
               network.error().message);
    return head_reading{local.value(), true};
  }
  return failure<da_errc>{network.error().code,
                          network.error().message + "; " + local.error().message};
}

}  // namespace

celestia_da::celestia_da(celestia_config cfg, std::unique_ptr<celestia::channel> ch)
    : cfg_(std::move(cfg)), channel_(std::move(ch)) {}

celestia_da::~celestia_da() = default;

da_result<std::unique_ptr<celestia_da>> open_celestia_client(celestia_config cfg) {
  if (auto bad = validate(cfg)) {
    return *bad;
  }
  auto url = http::parse_url(cfg.rpc_url);
  if (!url) {
    return failure<da_errc>{da_errc::bad_request, "celestia config: " + url.error().message};
  }
  auto ch = std::make_unique<celestia::channel>(url.value(), cfg.auth_token);
  return std::unique_ptr<celestia_da>(new celestia_da(std::move(cfg), std::move(ch)));
}

da_result<std::unique_ptr<da_backend>> open_celestia_da(celestia_config cfg) {
  auto client = open_celestia_client(std::move(cfg));
  if (!client) {
    return client.error();
  }
  return std::unique_ptr<da_backend>(std::move(client).value());
}

da_result<std::vector<stored_blob>> celestia_da::get_all(uint64_t height) {
  std::vector<stored_blob> out;
  if (height < cfg_.start_height) {
    return out;
  }
  unsigned attempts = 0;
  auto r = channel_->call<std::vector<celestia::rpc_blob>>(
      celestia::method_get_all,
      [&](uint64_t id) { return celestia::get_all_request(id, height, cfg_.ns); },
      &celestia::parse_get_all_response, cfg_.timeout, celestia::policy_of(cfg_), attempts);
  if (!r) {
    if (r.error().code.cls == celestia::error_class::future_height) {
      return out;  // not produced yet, so it holds nothing (as in the other backends)
    }
    return celestia::to_failure(celestia::method_get_all, r.error(), attempts);
  }
  auto blobs = std::move(r).value();
  celestia::order_blobs(blobs);
  for (size_t i = 0; i < blobs.size(); ++i) {
    const auto& b = blobs[i];
    std::string why = celestia::check_blob(b);
    if (why.empty() && b.ns != cfg_.ns) {
      why = "namespace " + b.ns.hex() + " is not ours";
    }
    if (!why.empty()) {
      blobs_skipped_.fetch_add(1);
      log().warn("celestia_blob_skipped height={} position={} index={} reason=\"{}\"", height, i,
                 b.index, why);
      continue;
    }
    // The position in square order (before skipping) is the blob's stable index in the height.
    out.push_back(stored_blob{height, static_cast<uint32_t>(i), std::move(blobs[i].data)});
  }
  return out;
}

da_result<std::vector<stored_blob>> celestia_da::get_range(uint64_t from, uint64_t to,
                                                           size_t max_blobs) {
  std::vector<stored_blob> out;
  from = std::max(from, cfg_.start_height);
  if (from > to) {
    return out;
  }
  auto head = read_head(*this);
  if (!head) {
    return head.error();
  }
  const uint64_t last = std::min(to, head.value().height);
  for (uint64_t h = from; h <= last; ++h) {
    auto blobs = get_all(h);
    if (!blobs) {
      // What was read covers whole heights; the caller continues after them.
      if (out.empty()) {
        return blobs.error();
      }
      break;
    }
    auto& got = blobs.value();
    if (got.empty()) {
      continue;
    }
    // The first height comes whole even when it alone exceeds max_blobs.
    if (!out.empty() && out.size() + got.size() > max_blobs) {
      break;
    }
    std::move(got.begin(), got.end(), std::back_inserter(out));
    if (out.size() >= max_blobs) {
      break;
    }
  }
  if (out.empty() && head.value().local && last < to && to != up_to_head) {
    // Only the local store answered and it ends below `to`, a height the caller saw as the
    // head before: an empty answer would tell it that (last, to] holds nothing of ours, and
    // it would move past blobs it never saw.
    return failure<da_errc>{da_errc::unavailable,
                            "celestia header.NetworkHead failed and the local store ends at " +
                                std::to_string(last) + ", below the requested height " +
                                std::to_string(to)};
  }
  return out;
}

da_result<std::optional<blob_bytes>> celestia_da::get_blob(uint64_t height, const commitment& c) {
  unsigned attempts = 0;
  auto r = channel_->call<std::optional<celestia::rpc_blob>>(
      celestia::method_get,
      [&](uint64_t id) { return celestia::get_request(id, height, cfg_.ns, c); },
      &celestia::parse_get_response, cfg_.timeout, celestia::policy_of(cfg_), attempts);
  if (!r) {
    if (r.error().code.cls == celestia::error_class::future_height) {
      return std::optional<blob_bytes>{};
    }
    return celestia::to_failure(celestia::method_get, r.error(), attempts);
  }
  if (!r.value()) {
    return std::optional<blob_bytes>{};
  }
  auto& b = *r.value();
  auto computed = celestia::compute_commitment(b);
  if (b.ns != cfg_.ns || !computed || computed.value() != c) {
    return failure<da_errc>{da_errc::corrupt, "celestia blob.Get at height " +
                                                  std::to_string(height) +
                                                  " returned a blob that is not the one asked for"};
  }
  return std::optional<blob_bytes>{std::move(b.data)};
}

da_result<uint64_t> celestia_da::head_of(const char* method, std::chrono::milliseconds timeout,
                                         unsigned retries) {
  celestia::retry_policy policy = celestia::policy_of(cfg_);
  policy.retries = retries;
  unsigned attempts = 0;
  auto r = channel_->call<uint64_t>(
      method,
      [method](uint64_t id) {
        return std::string_view(method) == celestia::method_local_head
                   ? celestia::local_head_request(id)
                   : celestia::network_head_request(id);
      },
      &celestia::parse_header_response, timeout, policy, attempts);
  if (!r) {
    return celestia::to_failure(method, r.error(), attempts);
  }
  return r.value();
}

da_result<uint64_t> celestia_da::network_head() {
  return head_of(celestia::method_network_head, cfg_.timeout, cfg_.retry_count);
}

da_result<uint64_t> celestia_da::local_head() {
  return head_of(celestia::method_local_head, cfg_.timeout, cfg_.retry_count);
}

da_result<uint64_t> celestia_da::head_height() {
  auto head = read_head(*this);
  if (!head) {
    return head.error();
  }
  return head.value().height;
}

bool celestia_da::healthy() {
  return head_of(celestia::method_network_head, std::min(cfg_.health_timeout, cfg_.timeout), 0)
      .ok();
}

celestia_stats celestia_da::stats() const {
  celestia_stats s;
  s.requests = channel_->requests();
  s.retries = channel_->retries();
  s.submits = submits_.load();
  s.resubmits = resubmits_.load();
  s.searches = searches_.load();
  s.search_hits = search_hits_.load();
  s.blobs_skipped = blobs_skipped_.load();
  s.commitment_mismatches = commitment_mismatches_.load();
  return s;
}

}  // namespace dsdn::da
