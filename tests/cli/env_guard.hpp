#pragma once
// Test helpers: restore environment variables on scope exit, and temporary directories/files.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace clitest {

/// Remembers the given variables and restores them (or unsets them) when destroyed; starts
/// with all of them unset.
class env_guard {
 public:
  explicit env_guard(std::vector<std::string> names) : names_(std::move(names)) {
    for (auto& n : names_) {
      const char* v = std::getenv(n.c_str());
      saved_.push_back(v ? std::optional<std::string>(v) : std::nullopt);
      ::unsetenv(n.c_str());
    }
  }
  ~env_guard() {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (saved_[i])
        ::setenv(names_[i].c_str(), saved_[i]->c_str(), 1);
      else
        ::unsetenv(names_[i].c_str());
    }
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::optional<std::string>> saved_;
};

/// A fresh directory under /tmp, removed with everything in it.
class temp_dir {
 public:
  temp_dir() {
    char tmpl[] = "/tmp/dsdn-clitest-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  /// Writes `text` to `name` inside the directory; returns the full path.
  std::string write(const std::string& name, const std::string& text) const {
    auto p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::string path_;
};

}  // namespace clitest
