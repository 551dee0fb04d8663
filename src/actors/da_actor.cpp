// The DA layer as a detached actor: its backend blocks on disk or network, so it gets its own
// thread and the rest of the system talks to it by message with timeouts.

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "dsdn/actors/actors.hpp"
#include "dsdn/actors/logging.hpp"

namespace dsdn {

namespace {

caf::error to_error(const failure<da::da_errc>& f) {
  return make_dsdn_error(ec::da_unavailable, "",
                         std::string(da::to_string(f.code)) + ": " + f.message);
}

struct da_state {
  static inline const char* name = "da";
  std::shared_ptr<da::da_backend> backend;
  da_metrics metrics;
  uint64_t post_latency_total_us = 0;
  uint64_t get_latency_total_us = 0;
};

using da_pointer = da_actor::stateful_pointer<da_state>;

/// Microseconds since `start`.
uint64_t since_us(std::chrono::steady_clock::time_point start) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count());
}

da_actor::behavior_type da_layer(da_pointer self, std::shared_ptr<da::da_backend> backend) {
  self->state.backend = std::move(backend);
  self->state.metrics.layer = self->state.backend->kind();
  return {
      [self](atom::submit, const blob_list& blobs) -> caf::result<da::submit_receipt> {
        auto& st = self->state;
        auto start = std::chrono::steady_clock::now();
        auto r = st.backend->submit(blobs);
        st.metrics.post_count++;
        st.post_latency_total_us += since_us(start);
        if (!r) {
          st.metrics.error_count++;
          log().warn("da_write_failed layer={} blobs={} error=\"{}\"", st.backend->kind(),
                     blobs.size(), r.error().message);
          return to_error(r.error());
        }
        for (auto& b : blobs)
          st.metrics.bytes_posted += b.size();
        return std::move(r).value();
      },
      [self](atom::read, uint64_t from, uint64_t to,
             uint64_t max_blobs) -> caf::result<stored_blob_list> {
        auto& st = self->state;
        auto start = std::chrono::steady_clock::now();
        auto r = st.backend->get_range(from, to, static_cast<size_t>(max_blobs));
        st.metrics.get_count++;
        st.get_latency_total_us += since_us(start);
        if (!r) {
          st.metrics.error_count++;
          return to_error(r.error());
        }
        return std::move(r).value();
      },
      [self](atom::head) -> caf::result<uint64_t> {
        auto r = self->state.backend->head_height();
        if (!r) {
          self->state.metrics.error_count++;
          return to_error(r.error());
        }
        return r.value();
      },
      [self](atom::health) {
        self->state.metrics.health_check_count++;
        return self->state.backend->healthy();
      },
      [self](atom::status) {
        auto& st = self->state;
        auto m = st.metrics;
        m.avg_post_latency_us = m.post_count ? st.post_latency_total_us / m.post_count : 0;
        m.avg_get_latency_us = m.get_count ? st.get_latency_total_us / m.get_count : 0;
        return m;
      },
  };
}

}  // namespace

da_actor spawn_da(caf::actor_system& sys, std::shared_ptr<da::da_backend> backend, bool detached) {
  if (!detached)
    return sys.spawn(da_layer, std::move(backend));
  return sys.spawn<caf::detached>(da_layer, std::move(backend));
}

}  // namespace dsdn
