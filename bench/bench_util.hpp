#pragma once
// Shared plumbing for the benchmarks: flags (--json, --quick), a monotonic clock, resident
// set size, and the one JSON object every benchmark prints.

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

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
