#pragma once
// Shared plumbing for the benchmarks: flags (--json, --quick), a monotonic clock, resident
// set size, a scratch directory, percentiles, and the one JSON object every benchmark prints.

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <system_error>
#include <vector>

namespace bench {

/// --quick: a small smoke run (CI); --json: print only the JSON object.
struct options {
  bool quick = false;
  bool json = false;
};

inline options parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0)
      o.quick = true;
    else if (std::strcmp(argv[i], "--json") == 0)
      o.json = true;
  }
  return o;
}

inline double now_s() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

/// Resident set size in bytes (from /proc/self/statm).
inline size_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  size_t total = 0, resident = 0;
  f >> total >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

/// A fresh /tmp/dsdn-bench-<topic>-XXXXXX, removed however main returns (unless `keep` was set,
/// to leave logs for a failure). Exits when /tmp refuses it (nothing has started yet then).
struct temp_dir {
  explicit temp_dir(const std::string& topic) {
    std::string tmpl = "/tmp/dsdn-bench-" + topic + "-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::perror(("bench_" + topic + ": mkdtemp").c_str());
      std::exit(1);
    }
    path = tmpl;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ignored;
    if (!keep)
      std::filesystem::remove_all(path, ignored);
  }
  std::string path;
  bool keep = false;
};

/// The `p` quantile (0..1, nearest rank) of durations `v` in seconds, in milliseconds; 0 when
/// empty. Reorders `v`.
inline double percentile_ms(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  auto k = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  k = std::min(k > 0 ? k - 1 : 0, v.size() - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k] * 1000.0;
}

/// Collects figures and prints {"bench", "metrics", "baseline", "ratios"}.
class report {
 public:
  explicit report(std::string topic) : topic_(std::move(topic)) {}
  void metric(const std::string& k, double v) { metrics_[k] = v; }
  void baseline(const std::string& k, double v) { baseline_[k] = v; }
  void ratio(const std::string& k, double v) { ratios_[k] = v; }

  void print() const {
    std::printf("{\"bench\": \"%s\", \"metrics\": %s, \"baseline\": %s, \"ratios\": %s}\n",
                topic_.c_str(), object(metrics_).c_str(), object(baseline_).c_str(),
                object(ratios_).c_str());
    std::fflush(stdout);
  }

 private:
  static std::string object(const std::map<std::string, double>& m) {
    std::string s = "{";
    for (auto& [k, v] : m) {
      if (s.size() > 1)
        s += ", ";
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.6g", v);
      s += "\"" + k + "\": " + buf;
    }
    return s + "}";
  }
  std::string topic_;
  std::map<std::string, double> metrics_, baseline_, ratios_;
};

}  // namespace bench
