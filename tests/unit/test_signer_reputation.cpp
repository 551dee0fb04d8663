// The signing side's memory across sessions: the cheater cool-down (signer_reputation) and the
// prefetched round-1 commitments (commitment_pool).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "dsdn/multi/commitment_pool.hpp"
#include "dsdn/multi/signer_reputation.hpp"

using namespace dsdn::multi;
using ms = std::chrono::milliseconds;

TEST_CASE("reputation: a cheater sits out a cool-down that doubles per strike, up to the cap") {
  signer_reputation rep(reputation_policy{ms(1000), ms(3000)});
  CHECK_FALSE(rep.excluded("b", ms(0)));
  CHECK(rep.strikes("b") == 0);

  CHECK(rep.record_cheating("b", ms(10000)) == ms(1000));
  CHECK(rep.excluded("b", ms(10999)));
  CHECK(rep.remaining("b", ms(10500)) == ms(500));
  CHECK_FALSE(rep.excluded("b", ms(11000)));  // back on probation
  CHECK_FALSE(rep.excluded("a", ms(10500)));  // nobody else is touched

  CHECK(rep.record_cheating("b", ms(20000)) == ms(2000));
  CHECK(rep.excluded("b", ms(21999)));
  CHECK(rep.record_cheating("b", ms(30000)) == ms(3000));  // 4000 capped
  CHECK(rep.record_cheating("b", ms(40000)) == ms(3000));
  CHECK(rep.strikes("b") == 4);
  CHECK(rep.remaining("b", ms(41000)) == ms(2000));
}

TEST_CASE("reputation: a strike during a cool-down never shortens it") {
  signer_reputation rep(reputation_policy{ms(1000), ms(100000)});
  rep.record_cheating("c", ms(0));
  rep.record_cheating("c", ms(0));  // 2000
  rep.record_cheating("c", ms(0));  // 4000
  CHECK(rep.remaining("c", ms(0)) == ms(4000));
  signer_reputation odd(reputation_policy{ms(0), ms(0)});  // raised to 1 ms
  CHECK(odd.record_cheating("x", ms(5)) == ms(1));
}

TEST_CASE("reputation: exclusions leave at least the threshold, dropping the worst first") {
  signer_reputation rep(reputation_policy{ms(1000), ms(100000)});
  const std::vector<std::string> all{"a", "b", "c", "d", "e"};
  CHECK(rep.exclusions(all, 3, ms(0)).empty());

  rep.record_cheating("b", ms(0));
  CHECK(rep.exclusions(all, 3, ms(0)) == std::vector<std::string>{"b"});
  CHECK(rep.exclusions(all, 3, ms(1000)).empty());  // cool-down over

  rep.record_cheating("d", ms(0));
  rep.record_cheating("d", ms(0));
  rep.record_cheating("a", ms(0));
  // Three suspects, two spare: d (two strikes) first, then the longer cool-down left (a's).
  CHECK(rep.exclusions(all, 3, ms(500)) == std::vector<std::string>{"a", "d"});
  // Only T candidates left: nobody is excluded (a suspect is better than no signature).
  CHECK(rep.exclusions({"a", "b"}, 2, ms(500)).empty());
  CHECK(rep.exclusions({"a", "b", "c"}, 2, ms(500)) == std::vector<std::string>{"a"});
}

TEST_CASE("commitment pool: tops up to the target, hands each commitment out once") {
  commitment_pool pool(3);
  const std::string c1(96, '1'), c2(96, '2');
  CHECK(pool.want("b", 7) == 3);
  CHECK(pool.want("b", 7) == 0);  // all three in flight
  CHECK(pool.in_flight("b") == 3);
  pool.arrived("b", 7, c1);
  pool.arrived("b", 7, c2);
  pool.arrived("b", 7, std::nullopt);  // a failed request frees its slot
  CHECK(pool.held("b") == 2);
  CHECK(pool.in_flight("b") == 0);
  CHECK(pool.want("b", 7) == 1);
  CHECK(pool.take("b", 7) == c1);  // oldest first
  CHECK(pool.take("b", 7) == c2);
  CHECK_FALSE(pool.take("b", 7));
  CHECK_FALSE(pool.take("nobody", 0));
}

TEST_CASE("commitment pool: a new link generation drops what the old link fetched") {
  commitment_pool pool(2);
  CHECK(pool.want("c", 1) == 2);
  pool.arrived("c", 1, std::string(96, 'a'));
  pool.arrived("c", 1, std::string(95, 'x'));  // malformed: not kept
  CHECK(pool.held("c") == 1);
  // The member reconnected (it may have restarted and lost its nonces).
  CHECK_FALSE(pool.take("c", 2));
  CHECK(pool.held("c") == 0);
  CHECK(pool.want("c", 2) == 2);
  pool.arrived("c", 1, std::string(96, 'o'));  // a late answer of the old link: dropped
  pool.arrived("c", 2, std::string(96, 'n'));
  CHECK(pool.held("c") == 1);
  CHECK(pool.take("c", 2) == std::string(96, 'n'));

  commitment_pool off(0);
  CHECK(off.want("c", 0) == 0);
}
