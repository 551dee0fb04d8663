// CAF 0.17.6's caf::openssl transport never empties OpenSSL's per-thread error queue: its only
// ERR_get_error calls sit inside CAF_LOG_INFO, which Debian's build compiles out
// (CAF_LOG_LEVEL_QUIET). Every TLS peer connection is served by the middleman's one I/O thread,
// so one failure there (a handshake with a certificate from another CA, a peer closing a
// connection, which OpenSSL 3 reports as an error) leaves an entry that makes SSL_get_error()
// answer SSL_ERROR_SSL for the next SSL_read of a healthy connection that merely wants more
// bytes. CAF then closes that connection and every actor across it goes down with
// remote_link_unreachable: TLS committee links dropped every few seconds.
//
// OpenSSL requires an empty queue before each TLS I/O call (SSL_get_error(3)). The definitions
// below interpose libssl's four I/O entry points for the whole process (the executable comes
// first in symbol lookup, libcaf_openssl's calls resolve here): each empties the queue and calls
// the real function. Other OpenSSL users are unaffected (Asio empties the queue itself).

#include "dsdn/cli/openssl_error_queue.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

/// libssl's definition of `name` (the next one after this program's).
template <class F>
F next_definition(const char* name) {
  auto* f = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
  if (f == nullptr) {
    std::fprintf(stderr, "fatal: %s is not in libssl (%s)\n", name, dlerror());
    std::abort();
  }
  return f;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto real = next_definition<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

__attribute__((visibility("default"))) int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto real = next_definition<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

__attribute__((visibility("default"))) int SSL_connect(SSL* ssl) {
  static const auto real = next_definition<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

__attribute__((visibility("default"))) int SSL_accept(SSL* ssl) {
  static const auto real = next_definition<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

}  // extern "C"

namespace dsdn::cli {

bool openssl_error_queue_guarded() {
  return dlsym(RTLD_DEFAULT, "SSL_read") == reinterpret_cast<void*>(&SSL_read) &&
         dlsym(RTLD_DEFAULT, "SSL_accept") == reinterpret_cast<void*>(&SSL_accept);
}

}  // namespace dsdn::cli
