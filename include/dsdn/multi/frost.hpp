#pragma once
// FROST(Ed25519, SHA-512), RFC 9591, over libsodium: the whole public API.
//
// Trusted dealer:   trusted_dealer_keygen -> secret_share (to each member) + public_key_package
// Member:           key_package::from_secret_share (vss_verify) -> commit (round 1) -> sign
// Coordinator:      signing_package::create -> aggregate (verifies; names a cheating signer)
// Anyone:           verify_signature (or any RFC 8032 Ed25519 verifier)

#include "dsdn/multi/element.hpp"          // IWYU pragma: export
#include "dsdn/multi/errors.hpp"           // IWYU pragma: export
#include "dsdn/multi/hash.hpp"             // IWYU pragma: export
#include "dsdn/multi/identifier.hpp"       // IWYU pragma: export
#include "dsdn/multi/keygen.hpp"           // IWYU pragma: export
#include "dsdn/multi/nonce.hpp"            // IWYU pragma: export
#include "dsdn/multi/polynomial.hpp"       // IWYU pragma: export
#include "dsdn/multi/scalar.hpp"           // IWYU pragma: export
#include "dsdn/multi/sign.hpp"             // IWYU pragma: export
#include "dsdn/multi/signing_package.hpp"  // IWYU pragma: export
