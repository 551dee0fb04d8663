#pragma once
// The small DA interface every backend implements. Backends block (disk, network), so each
// runs inside its own detached actor; nothing else calls them directly.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsdn/core/result.hpp"

namespace dsdn::da {

/// Why a DA operation failed.
enum class da_errc : uint8_t {
  unavailable = 1,  // the layer cannot be reached / is shut down
  timeout,
  io_error,     // disk or database failure
  too_large,    // a blob beyond the layer's limit
  bad_request,  // arguments the layer refuses (empty submit, ...)
  corrupt,      // stored data fails its own checks
};
const char* to_string(da_errc e);

template <class T>
using da_result = result<T, da_errc>;

using blob_bytes = std::vector<uint8_t>;
using commitment = std::array<uint8_t, 32>;

/// A blob as stored: where it is (height, index within the height) and its bytes.
struct stored_blob {
  uint64_t height = 0;
  uint32_t index = 0;
  blob_bytes data;
};

/// The answer to a submit: the height that now holds the blobs, one commitment per blob.
struct submit_receipt {
  uint64_t height = 0;
  std::vector<commitment> commitments;
};

class da_backend {
 public:
  virtual ~da_backend() = default;

  /// "memory", "sqlite", "celestia", ...
  virtual const char* kind() const = 0;

  /// Stores `blobs` (1 or more, each 1..max_blob_size bytes) together at one new height.
  /// Returns only once they are durable on this layer.
  virtual da_result<submit_receipt> submit(const std::vector<blob_bytes>& blobs) = 0;

  /// All blobs at `height` in index order; empty when the height holds none.
  virtual da_result<std::vector<stored_blob>> get_all(uint64_t height) = 0;

  /// Blobs with height in [from, to], ascending by (height, index), at most `max_blobs` of them
  /// but never splitting a height (a height with more blobs than `max_blobs` comes whole).
  /// Used by rebuild and the consumer to read many heights per round trip.
  virtual da_result<std::vector<stored_blob>> get_range(uint64_t from, uint64_t to,
                                                        size_t max_blobs) = 0;

  /// The highest height that holds blobs; 0 when the layer is empty.
  virtual da_result<uint64_t> head_height() = 0;

  /// Cheap liveness probe.
  virtual bool healthy() = 0;
};

/// Upper bound for one stored blob (Celestia's practical limit is about 2 MiB).
inline constexpr size_t max_blob_size = 2 * 1024 * 1024;

/// The failure a submit of `blobs` must report before storing anything (`bad_request` for no
/// blobs or an empty one, `too_large` for one beyond max_blob_size), or nothing when the
/// arguments are acceptable. Shared by the backends so they refuse the same inputs.
std::optional<failure<da_errc>> check_submit(const std::vector<blob_bytes>& blobs);

}  // namespace dsdn::da
