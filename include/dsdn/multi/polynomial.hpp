#pragma once
// Polynomial evaluation and Lagrange interpolation over scalars (RFC 9591 §4.2, Appendix C).

#include <utility>
#include <vector>

#include "dsdn/multi/errors.hpp"
#include "dsdn/multi/identifier.hpp"
#include "dsdn/multi/scalar.hpp"

namespace dsdn::multi {

/// f(x) for f = coefficients[0] + coefficients[1]·x + ... (Horner's rule).
scalar polynomial_evaluate(const scalar& x, const std::vector<scalar>& coefficients);

/// Checks that `ids` has no duplicates (identifiers are non-zero by construction).
frost_result<bool> check_distinct(const std::vector<identifier>& ids);

/// λ_i = Π_{j≠i} x_j / (x_j − x_i) over `ids`; refuses duplicates and an x_i not in `ids`.
frost_result<scalar> lagrange_coefficient(const identifier& x_i,
                                          const std::vector<identifier>& ids);

/// A share of a secret: (identifier, f(identifier)).
struct share_point {
  identifier id;
  scalar value;
};

/// secret_share_combine: f(0) = Σ λ_i·s_i over the given shares (at least the threshold of
/// them, or the result is meaningless). Refuses an empty list and duplicates.
frost_result<scalar> secret_share_combine(const std::vector<share_point>& shares);

}  // namespace dsdn::multi
