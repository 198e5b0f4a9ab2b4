// EtcdCluster: one background thread keeps the lease alive (every TTL/3), reads the cluster's
// keys (every TTL/6) and campaigns whenever no one leads. Leadership is also bounded by a local
// deadline — the send time of the last successful keepalive plus the TTL, minus a margin — that
// is_leader() checks itself, so it turns false on time even while the thread waits on etcd.
#include "adapters/cluster/etcd_cluster.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "adapters/cluster/etcd_messages.hpp"
#include "adapters/transport/http/http_forwarder.hpp"

namespace colonies::cluster {

namespace {

using std::chrono::milliseconds;

// What one read of <prefix>/ says about the cluster.
struct Snapshot {
  std::optional<etcd::KeyValue> leader_key;
  std::vector<ports::ClusterMember> members;  // the leader flagged
};

Snapshot snapshot_of(const std::vector<etcd::KeyValue>& kvs, const std::string& leader_key,
                     const std::string& members_prefix) {
  Snapshot s;
  for (const auto& kv : kvs) {
    if (kv.key == leader_key) {
      s.leader_key = kv;
    } else if (kv.key.starts_with(members_prefix)) {
      auto member = etcd::parse_member_value(kv.value);
      if (!member) {
        spdlog::warn("etcd: ignoring member key {}: {}", kv.key, member.error().message);
        continue;
      }
      s.members.push_back(ports::ClusterMember{std::move(member->name), std::move(member->url), false});
    }
  }
  for (auto& m : s.members) m.leader = s.leader_key && m.name == s.leader_key->value;
  return s;
}

Result<Snapshot> read_cluster(EtcdGateway& gateway, const std::string& prefix, const std::string& leader_key,
                              const std::string& members_prefix) {
  COLONIES_TRY(body, gateway.call("/v3/kv/range", etcd::prefix_range_request(prefix + "/")));
  COLONIES_TRY(kvs, etcd::parse_range(body));
  return snapshot_of(kvs, leader_key, members_prefix);
}

Status check_options(EtcdOptions& options) {
  const auto ttl = options.lease_ttl.count();
  if (ttl < 2000 || ttl % 1000 != 0) {
    return fail(ErrorCode::BadRequest, "etcd lease TTL must be a whole number of seconds, at least 2 s (got {} ms)", ttl);
  }
  if (options.endpoints.empty()) return fail(ErrorCode::BadRequest, "no etcd endpoint given (expected http://host:port, ...)");
  while (options.prefix.size() > 1 && options.prefix.back() == '/') options.prefix.pop_back();
  if (options.prefix.empty() || options.prefix.front() != '/' || options.prefix == "/") {
    return fail(ErrorCode::BadRequest, "etcd prefix must start with '/' and name a directory, e.g. /colonies (got '{}')",
                options.prefix);
  }
  if (options.member_name.empty() || options.member_name.find('/') != std::string::npos) {
    return fail(ErrorCode::BadRequest, "cluster member name must be non-empty and have no '/' (got '{}')",
                options.member_name);
  }
  if (auto url = transport::parse_member_url(options.member_url); !url) {
    return fail(ErrorCode::BadRequest, "cluster member URL {}", url.error().message);
  }
  return ok();
}

}  // namespace

Result<std::unique_ptr<EtcdCluster>> EtcdCluster::start(EtcdOptions options) {
  COLONIES_CHECK(check_options(options));
  // One round trip may take a quarter of the TTL: two keepalives fit before the deadline.
  const auto timeout = options.lease_ttl / 4;
  COLONIES_TRY(worker, EtcdGateway::create(options.endpoints, timeout));
  COLONIES_TRY(reader, EtcdGateway::create(options.endpoints, timeout));
  std::unique_ptr<EtcdCluster> cluster(new EtcdCluster(std::move(options), std::move(worker), std::move(reader)));

  const auto give_up = Clock::now() + cluster->options_.start_timeout;
  bool warned = false;
  for (auto taken = cluster->take_lease(); !taken; taken = cluster->take_lease()) {
    if (Clock::now() >= give_up) {
      return fail(ErrorCode::Unavailable, "cannot reach etcd at {} within {} s: {}",
                  fmt::join(cluster->options_.endpoints, ", "),
                  std::chrono::duration_cast<std::chrono::seconds>(cluster->options_.start_timeout).count(),
                  taken.error().message);
    }
    if (!warned) {
      spdlog::warn("etcd at {} does not answer yet; retrying for up to {} s", fmt::join(cluster->options_.endpoints, ", "),
                   std::chrono::duration_cast<std::chrono::seconds>(cluster->options_.start_timeout).count());
      warned = true;
    }
    std::this_thread::sleep_for(milliseconds(250));
  }
  cluster->thread_ = std::thread([c = cluster.get()] { c->run(); });
  return cluster;
}

EtcdCluster::EtcdCluster(EtcdOptions options, EtcdGateway worker, EtcdGateway reader)
    : options_(std::move(options)),
      margin_(options_.lease_ttl / 4),
      worker_(std::move(worker)),
      reader_(std::move(reader)) {}

EtcdCluster::~EtcdCluster() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (abandoned_ || lease_ == 0) return;
  leading_ = false;
  // Revoking deletes the keys attached to the lease: the others see no leader at their next read.
  if (auto revoked = worker_.call("/v3/lease/revoke", etcd::lease_request(lease_)); !revoked) {
    spdlog::warn("etcd: cannot revoke lease {:x} ({}); it expires within {} s", lease_, revoked.error().message,
                 options_.lease_ttl.count() / 1000);
  }
}

void EtcdCluster::abandon_for_test() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
    abandoned_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool EtcdCluster::is_leader() const { return leading_.load(std::memory_order_acquire) && is_lease_alive(); }

std::int64_t EtcdCluster::epoch() const { return is_leader() ? epoch_.load() : 0; }

std::optional<ports::ClusterMember> EtcdCluster::leader() const {
  std::lock_guard lock(leader_mu_);
  return leader_;
}

Result<std::vector<ports::ClusterMember>> EtcdCluster::members() const {
  std::lock_guard lock(reader_mu_);
  COLONIES_TRY(s, read_cluster(reader_, options_.prefix, leader_key(), members_prefix()));
  return std::move(s.members);
}

Status EtcdCluster::take_lease() {
  const auto sent = Clock::now();
  COLONIES_TRY(granted, worker_.call("/v3/lease/grant", etcd::lease_grant_request(options_.lease_ttl.count() / 1000)));
  COLONIES_TRY(lease, etcd::parse_lease_grant(granted));
  // On failure the lease is left to expire; the next attempt takes a new one.
  COLONIES_CHECK(worker_.call("/v3/kv/put", etcd::put_request(members_prefix() + options_.member_name,
                                                               etcd::member_value(options_.member_name, options_.member_url),
                                                               lease.id)));
  lease_ = lease.id;
  lease_deadline_ = (sent + std::chrono::seconds(lease.ttl_s) - margin_).time_since_epoch().count();
  next_keepalive_ = sent + options_.lease_ttl / 3;
  spdlog::info("etcd: member {} registered with lease {:x} (TTL {} s)", options_.member_name, lease_, lease.ttl_s);
  return ok();
}

bool EtcdCluster::keep_alive() {
  const auto sent = Clock::now();
  auto reply = worker_.call("/v3/lease/keepalive", etcd::lease_request(lease_));
  if (!reply) {
    if (reply.error().code == ErrorCode::NotFound) {
      drop_lease("etcd no longer knows the lease");
      return true;
    }
    spdlog::warn("etcd: keepalive of lease {:x} failed: {}", lease_, reply.error().message);
    return false;
  }
  auto ttl = etcd::parse_keepalive(*reply);
  if (!ttl) {
    spdlog::warn("etcd: {}", ttl.error().message);
    return false;
  }
  if (*ttl <= 0) {
    drop_lease("the lease expired in etcd");
    return true;
  }
  lease_deadline_ = (sent + std::chrono::seconds(*ttl) - margin_).time_since_epoch().count();
  next_keepalive_ = sent + options_.lease_ttl / 3;
  return true;
}

bool EtcdCluster::observe_and_campaign() {
  auto read = read_cluster(worker_, options_.prefix, leader_key(), members_prefix());
  if (!read) {
    spdlog::debug("etcd: cannot read the cluster: {}", read.error().message);
    return false;
  }
  auto url_of = [&](const std::string& name) {
    for (const auto& m : read->members) {
      if (m.name == name) return m.url;
    }
    return std::string();
  };
  std::optional<etcd::KeyValue> holder = read->leader_key;
  // A leader whose key vanished (its lease revoked, the key deleted by hand) has lost, even if
  // it wins the campaign below: that is a new epoch.
  if (!holder) lose_lead("the leader key vanished from etcd");
  if (!holder && lease_ != 0 && is_lease_alive()) {
    auto body = worker_.call("/v3/kv/txn", etcd::campaign_request(leader_key(), options_.member_name, lease_));
    if (!body) {
      spdlog::debug("etcd: campaign failed: {}", body.error().message);
      return false;
    }
    auto outcome = etcd::parse_campaign(*body);
    if (!outcome) {
      spdlog::warn("etcd: {}", outcome.error().message);
      return false;
    }
    if (outcome->won) {
      holder = etcd::KeyValue{leader_key(), options_.member_name, outcome->revision, outcome->revision, lease_};
    } else {
      holder = std::move(outcome->holder);
    }
  }
  if (holder && holder->lease == lease_ && lease_ != 0) {
    // Ours: won now, or won by a campaign whose reply was lost.
    if (!leading_) {
      epoch_ = holder->create_revision;
      leading_.store(true, std::memory_order_release);
      spdlog::info("etcd: {} leads the cluster in epoch {}", options_.member_name, holder->create_revision);
    }
  } else if (holder) {
    lose_lead(fmt::format("{} holds the leader key", holder->value));
  }
  std::optional<ports::ClusterMember> observed;
  if (holder) {
    observed = ports::ClusterMember{holder->value,
                                    holder->value == options_.member_name ? options_.member_url : url_of(holder->value), true};
  }
  std::lock_guard lock(leader_mu_);
  leader_ = std::move(observed);
  return true;
}

bool EtcdCluster::is_lease_alive() const { return Clock::now().time_since_epoch().count() < lease_deadline_.load(); }

void EtcdCluster::lose_lead(const std::string& why) {
  if (leading_.exchange(false)) {
    spdlog::warn("etcd: {} stops leading (epoch {}): {}", options_.member_name, epoch_.load(), why);
  }
}

void EtcdCluster::drop_lease(const std::string& why) {
  lose_lead(why);
  spdlog::warn("etcd: lease {:x} of {} is gone ({}); taking a new one", lease_, options_.member_name, why);
  lease_ = 0;
  lease_deadline_ = 0;
}

void EtcdCluster::run() {
  const auto poll_interval = options_.lease_ttl / 6;
  const auto retry_delay = std::min<milliseconds>(poll_interval, milliseconds(200));
  auto next_poll = Clock::now();
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    lock.unlock();
    auto now = Clock::now();
    auto wake = now + retry_delay;
    if (lease_ == 0) {
      if (auto taken = take_lease()) {
        next_poll = now;
      } else {
        spdlog::debug("etcd: cannot take a lease: {}", taken.error().message);
      }
    } else if (!is_lease_alive()) {
      // No keepalive got through in time. is_leader() is already false; the lease may still
      // live a margin longer in etcd: revoke it if etcd is back, so no one waits for it.
      const auto lease = lease_;
      drop_lease("no keepalive succeeded within the TTL");
      (void)worker_.call("/v3/lease/revoke", etcd::lease_request(lease));
    } else {
      if (now >= next_keepalive_ && !keep_alive()) next_keepalive_ = Clock::now() + retry_delay;
      if (lease_ != 0 && Clock::now() >= next_poll) {
        next_poll = Clock::now() + (observe_and_campaign() ? poll_interval : retry_delay);
      }
      if (lease_ != 0) {
        wake = std::min({next_keepalive_, next_poll,
                         Clock::time_point(Clock::duration(lease_deadline_.load()))});
      }
    }
    lock.lock();
    stop_cv_.wait_until(lock, wake, [this] { return stopping_; });
  }
}

}  // namespace colonies::cluster
