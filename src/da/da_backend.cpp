#include "dsdn/da/da_backend.hpp"

#include <cstdint>
#include <string>

namespace dsdn::da {

const char* to_string(da_errc e) {
  switch (e) {
    case da_errc::unavailable:
      return "unavailable";
    case da_errc::timeout:
      return "timeout";
    case da_errc::io_error:
      return "io_error";
    case da_errc::too_large:
      return "too_large";
    case da_errc::bad_request:
      return "bad_request";
    case da_errc::corrupt:
      return "corrupt";
  }
  return "unknown";
}

std::optional<failure<da_errc>> check_submit(const std::vector<blob_bytes>& blobs) {
  if (blobs.empty()) {
    return failure<da_errc>{da_errc::bad_request, "submit needs at least one blob"};
  }
  if (blobs.size() > UINT32_MAX) {
    return failure<da_errc>{da_errc::bad_request, "too many blobs for one height"};
  }
  for (size_t i = 0; i < blobs.size(); ++i) {
    if (blobs[i].empty()) {
      return failure<da_errc>{da_errc::bad_request, "blob " + std::to_string(i) + " is empty"};
    }
    if (blobs[i].size() > max_blob_size) {
      return failure<da_errc>{da_errc::too_large, "blob " + std::to_string(i) + " has " +
                                                      std::to_string(blobs[i].size()) +
                                                      " bytes, the limit is " +
                                                      std::to_string(max_blob_size)};
    }
  }
  return std::nullopt;
}

}  // namespace dsdn::da
