#include "dsdn/multi/polynomial.hpp"

#include <algorithm>

namespace dsdn::multi {

scalar polynomial_evaluate(const scalar& x, const std::vector<scalar>& coefficients) {
  scalar acc;
  for (auto it = coefficients.rbegin(); it != coefficients.rend(); ++it) {
    acc = acc * x + *it;
  }
  return acc;
}

frost_result<bool> check_distinct(const std::vector<identifier>& ids) {
  std::vector<identifier> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup != sorted.end()) {
    return {frost_errc::duplicate_identifier,
            "identifier " + dup->to_string() + " appears more than once"};
  }
  return true;
}

frost_result<scalar> lagrange_coefficient(const identifier& x_i,
                                          const std::vector<identifier>& ids) {
  auto distinct = check_distinct(ids);
  if (!distinct) {
    return distinct.error();
  }
  if (std::find(ids.begin(), ids.end(), x_i) == ids.end()) {
    return {frost_errc::unknown_participant,
            "participant " + x_i.to_string() + " is not in the signer list"};
  }
  scalar num = scalar::from_u64(1);
  scalar den = scalar::from_u64(1);
  for (const identifier& x_j : ids) {
    if (x_j == x_i) {
      continue;
    }
    num = num * x_j.value();
    den = den * (x_j.value() - x_i.value());
  }
  // den != 0: the identifiers are distinct (P14), so no factor vanishes.
  return num * den.invert();
}

frost_result<scalar> secret_share_combine(const std::vector<share_point>& shares) {
  if (shares.empty()) {
    return {frost_errc::invalid_parameters, "no shares to combine"};
  }
  std::vector<identifier> ids;
  ids.reserve(shares.size());
  for (const share_point& s : shares) {
    ids.push_back(s.id);
  }
  scalar secret;
  for (const share_point& s : shares) {
    auto lambda = lagrange_coefficient(s.id, ids);
    if (!lambda) {
      return lambda.error();
    }
    secret = secret + lambda.value() * s.value;
  }
  return secret;
}

}  // namespace dsdn::multi
