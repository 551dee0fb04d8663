#pragma once
// Internal to dsdn_multi: the two JSON formats of committee_files.hpp (dsdn-committee/v1 and
// dsdn-committee-member/v1). committee_json.cpp defines the public committee_to_json,
// member_to_json, parse_committee and parse_member, and the committee-wide rules below that
// make_committee and write_committee check as well.

#include <optional>
#include <string>

#include "dsdn/core/result.hpp"
#include "dsdn/multi/committee_files.hpp"

namespace dsdn::multi::detail {

/// Every committee-wide rule: 2 <= threshold <= n, the commitment's size and first entry, valid
/// and unique ids / addresses / FROST identifiers / identity keys, every verifying share
/// against the commitment. `source` names the committee in messages.
std::optional<failure<committee_errc>> validate_committee(const committee& c,
                                                          const std::string& source);

}  // namespace dsdn::multi::detail
