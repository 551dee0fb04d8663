#pragma once
// Keeps CAF 0.17.6's TLS peer links (caf::openssl) from dropping healthy connections after an
// unrelated TLS failure; see src/cli/openssl_error_queue.cpp for the defect and the remedy.

namespace dsdn::cli {

/// Whether this process's SSL_read/SSL_write/SSL_connect/SSL_accept are the wrappers that empty
/// OpenSSL's thread error queue before each call (they are unless something else interposes
/// them, e.g. an LD_PRELOAD library). Calling it also links the wrappers into the program.
bool openssl_error_queue_guarded();

}  // namespace dsdn::cli
