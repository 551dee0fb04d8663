#include "dsdn/da/health_tracker.hpp"

#include <algorithm>
#include <utility>

namespace dsdn::da {

const char* to_string(da_layer l) {
  switch (l) {
    case da_layer::primary:
      return "primary";
    case da_layer::secondary:
      return "secondary";
    case da_layer::emergency:
      return "emergency";
  }
  return "unknown";
}

const char* to_string(da_status s) {
  switch (s) {
    case da_status::healthy:
      return "healthy";
    case da_status::warning:
      return "warning";
    case da_status::degraded:
      return "degraded";
    case da_status::emergency:
      return "emergency";
    case da_status::recovering:
      return "recovering";
  }
  return "unknown";
}

const char* to_string(write_target t) {
  switch (t) {
    case write_target::primary:
      return "primary";
    case write_target::secondary:
      return "secondary";
    case write_target::emergency:
      return "emergency";
    case write_target::none:
      return "none";
  }
  return "unknown";
}

std::optional<std::string> health_tracker::check(const health_config& config) {
  if (config.failure_threshold == 0) {
    return std::string("failure_threshold must be at least 1");
  }
  if (config.recovery_threshold == 0) {
    return std::string("recovery_threshold must be at least 1");
  }
  if (config.history_size == 0) {
    return std::string("history_size must be at least 1");
  }
  return std::nullopt;
}

health_tracker::health_tracker(health_config config, uint64_t now_ms)
    : config_(std::move(config)), since_ms_(now_ms) {
  config_.failure_threshold = std::max<uint32_t>(config_.failure_threshold, 1);
  config_.recovery_threshold = std::max<uint32_t>(config_.recovery_threshold, 1);
  config_.history_size = std::max<size_t>(config_.history_size, 1);
  primary_clean_ = config_.recovery_threshold;  // optimistic start: Healthy
  const bool configured[3] = {true, config_.secondary_configured, config_.emergency_configured};
  for (size_t i = 0; i < 3; ++i) {
    layers_[i].configured = configured[i];
    layers_[i].up = configured[i];
  }
}

bool health_tracker::record_probe(da_layer which, const probe_result& result, uint64_t now_ms) {
  layer_health& l = layers_[static_cast<size_t>(which)];
  if (!l.configured) {
    return false;
  }
  l.probes += 1;
  l.last_probe_at_ms = now_ms;
  l.last_latency_ms = result.latency_ms;
  if (result.ok) {
    l.consecutive_failures = 0;
    l.consecutive_successes += l.consecutive_successes < UINT32_MAX ? 1 : 0;
    if (which == da_layer::primary) {
      const bool in_time = result.latency_ms <= config_.warning_latency_ms;
      primary_clean_ = in_time ? primary_clean_ + (primary_clean_ < UINT32_MAX ? 1 : 0) : 0;
    }
    if (!l.up && l.consecutive_successes >= config_.recovery_threshold) {
      l.up = true;
      l.changed_at_ms = now_ms;
    }
  } else {
    l.failures += 1;
    l.last_error = result.error.empty() ? std::string("probe failed") : result.error;
    l.consecutive_successes = 0;
    l.consecutive_failures += l.consecutive_failures < UINT32_MAX ? 1 : 0;
    if (which == da_layer::primary) {
      primary_clean_ = 0;
    }
    if (l.up && l.consecutive_failures >= config_.failure_threshold) {
      l.up = false;
      l.changed_at_ms = now_ms;
    }
  }
  return reevaluate(now_ms);
}

bool health_tracker::set_outbox_size(size_t entries, uint64_t now_ms) {
  outbox_size_ = entries;
  return reevaluate(now_ms);
}

const char* health_tracker::status_word() const {
  return unavailable_ ? "unavailable" : to_string(status_);
}

routing_decision health_tracker::routing() const {
  const bool s = layer(da_layer::secondary).up;
  const bool e = layer(da_layer::emergency).up;
  if (unavailable_) {
    return {write_target::none, false};
  }
  switch (status_) {
    case da_status::healthy:
    case da_status::warning:
      return {write_target::primary, false};
    case da_status::degraded:
      return {write_target::secondary, true};
    case da_status::emergency:
      return {write_target::emergency, true};
    case da_status::recovering:
      return {s   ? write_target::secondary
              : e ? write_target::emergency
                  : write_target::primary,
              true};
  }
  return {write_target::none, false};
}

// Why the system is in its current state, in words an operator can act on.
std::string health_tracker::explain() const {
  const layer_health& p = layer(da_layer::primary);
  const std::string primary_down = "primary DA down (" + std::to_string(p.consecutive_failures) +
                                   " failed probes in a row, last error: " + p.last_error + ")";
  if (unavailable_) {
    return "every DA layer is down; writes are refused (" + primary_down + ")";
  }
  switch (status_) {
    case da_status::healthy:
      return "primary DA up and the outbox is empty";
    case da_status::warning:
      if (p.consecutive_failures > 0) {
        return "primary DA probe failed (" + std::to_string(p.consecutive_failures) + " of " +
               std::to_string(config_.failure_threshold) +
               " in a row before failover): " + p.last_error;
      }
      if (p.last_latency_ms > config_.warning_latency_ms) {
        return "primary DA slow: " + std::to_string(p.last_latency_ms) + " ms > " +
               std::to_string(config_.warning_latency_ms) + " ms";
      }
      return "primary DA settling: " + std::to_string(primary_clean_) + " of " +
             std::to_string(config_.recovery_threshold) +
             " successful probes in a row within the latency bound";
    case da_status::degraded:
      return primary_down + "; writes go to the secondary DA";
    case da_status::emergency:
      return primary_down +
             (config_.secondary_configured ? ", secondary DA down"
                                           : ", no secondary DA configured") +
             "; writes go to the emergency DA";
    case da_status::recovering:
      return "primary DA up; " + std::to_string(outbox_size_) +
             " outbox blob(s) to replay before writes go to it directly";
  }
  return "unknown";
}

bool health_tracker::reevaluate(uint64_t now_ms) {
  const bool p = layer(da_layer::primary).up;
  const bool s = layer(da_layer::secondary).up;
  const bool e = layer(da_layer::emergency).up;
  da_status next;
  if (p) {
    if (outbox_size_ > 0) {
      next = da_status::recovering;
    } else if (primary_clean_ < config_.recovery_threshold) {
      next = da_status::warning;
    } else {
      next = da_status::healthy;
    }
  } else {
    next = s ? da_status::degraded : da_status::emergency;
  }
  const bool next_unavailable = !p && !s && !e;
  if (next == status_ && next_unavailable == unavailable_) {
    return false;
  }
  const bool was_fallback =
      unavailable_ || (status_ != da_status::healthy && status_ != da_status::warning);
  status_transition t;
  t.from = status_;
  t.from_unavailable = unavailable_;
  status_ = next;
  unavailable_ = next_unavailable;
  since_ms_ = now_ms;
  t.to = status_;
  t.to_unavailable = unavailable_;
  t.at_ms = now_ms;
  t.reason = explain();
  const bool fallback =
      unavailable_ || (status_ != da_status::healthy && status_ != da_status::warning);
  if (fallback) {
    fallback_reason_ = t.reason;
    if (!was_fallback) {
      last_fallback_at_ms_ = now_ms;
    }
  } else {
    fallback_reason_.reset();
  }
  history_.push_back(std::move(t));
  while (history_.size() > config_.history_size) {
    history_.pop_front();
  }
  return true;
}

}  // namespace dsdn::da
