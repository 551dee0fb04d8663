#pragma once
// Every endpoint's handler. A handler runs on the connection's strand, validates its input,
// reaches the actors only through ask()/ask_or(), and answers exactly once through the call.
// Routing, authentication and Content-Type checks happen before (router.cpp).

#include "call.hpp"

namespace dsdn::http {

// handlers_nodes.cpp
/// POST /register
void post_register(const call& c);
/// GET /nodes
void get_nodes(const call& c);
/// GET /node/{id}
void get_node(const call& c);
/// GET /node/{id}/stats
void get_node_stats(const call& c);
/// POST /node/{id}/stats
void post_node_stats(const call& c);

// handlers_objects.cpp
/// GET /placement/{hash}?rf=N
void get_placement(const call& c);
/// POST /object/register
void post_object_register(const call& c);
/// GET /object/{hash}
void get_object(const call& c);
/// POST /replica/mark_missing
void post_replica_missing(const call& c);
/// POST /replica/mark_healed
void post_replica_healed(const call& c);

// handlers_scheduler.cpp
/// POST /schedule
void post_schedule(const call& c);
/// GET /scheduler/config
void get_scheduler_config(const call& c);
/// POST /scheduler/config
void post_scheduler_config(const call& c);

// handlers_da.cpp
/// POST /da/post
void post_da_post(const call& c);
/// GET /da/metrics
void get_da_metrics(const call& c);
/// GET /da/routing
void get_da_routing(const call& c);

// handlers_fallback.cpp
/// GET /fallback/status
void get_fallback_status(const call& c);
/// GET /fallback/pending
void get_fallback_pending(const call& c);
/// POST /fallback/reconcile
void post_fallback_reconcile(const call& c);
/// GET /fallback/consistency
void get_fallback_consistency(const call& c);

// handlers_committee.cpp
/// GET /committee/status
void get_committee_status(const call& c);
/// POST /committee/sign
void post_committee_sign(const call& c);

// handlers_system.cpp
/// GET /health
void get_health(const call& c);
/// GET /ready
void get_ready(const call& c);
/// GET /system/info
void get_system_info(const call& c);
/// GET /metrics
void get_metrics(const call& c);

}  // namespace dsdn::http
