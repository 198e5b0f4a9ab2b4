// EventHub: who subscribed to what, and the delivery of committed changes to them. It is fed by
// the commit queue's observer after each durable batch, so every change is seen whatever handler
// made it, and only once it is durable. Every matching subscriber gets every event (no
// round-robin, no part in assign wake-ups). Not the transport (see Stream) and not the role
// checks (the broker does them before subscribing).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/model/channel.hpp"
#include "core/model/process.hpp"
#include "core/ports/store.hpp"
#include "server/realtime/stream.hpp"

namespace colonies::server::realtime {

// What subscribeprocessesmsg selects.
struct ProcessSelector {
  std::string colonyname;
  std::string executortype;                  // "" = any
  std::optional<model::ProcessState> state;  // nullopt = any
};

class EventHub {
 public:
  // Every committed change of a process matching `selector` goes to `stream` as an event
  // (a subscribeprocessesmsg reply envelope holding the process) until `deadline`, when a 408
  // frame ends it. One subscription per stream: a second one replaces the first.
  void subscribe_processes(std::shared_ptr<Stream> stream, ProcessSelector selector, model::TimeNs deadline);
  // subscribeprocessmsg: the first committed change of `processid` into `wanted` (or into a
  // final state, from which `wanted` can no longer be reached) is sent, then the stream ends.
  // The caller then reports the process as it was when it subscribed through initial_state().
  void subscribe_process(std::shared_ptr<Stream> stream, std::string colonyname, std::string processid,
                         model::ProcessState wanted, model::TimeNs deadline);
  // The process as it was when subscribe_process() was called, now durable. Decides the
  // subscription like an event, unless an event for the process already arrived since (it is
  // newer). Call after every change enqueued before the subscription is committed.
  void initial_state(const Stream* stream, const model::Process& process);

  // subscribechannelmsg: entries of channel `name` of `processid` with a position after
  // `after`. The backlog comes from the store through channel_backlog(); entries committed
  // meanwhile wait (at most `max_pending`) and follow it without gaps or repeats. The stream ends
  // when the process ends (after its last entries) or at `deadline` (408).
  void subscribe_channel(std::shared_ptr<Stream> stream, std::string colonyname, std::string processid,
                         std::string name, std::int64_t after, model::TimeNs deadline, std::size_t max_pending);
  // The stored entries after the subscription's position, read once every change enqueued before
  // the subscription is durable. `process_ended`: the process is final, so nothing follows.
  void channel_backlog(const Stream* stream, const std::vector<model::ChannelEntry>& entries, bool process_ended);

  // The subscriber left; unknown streams are ignored. Any thread.
  void unsubscribe(const Stream* stream);

  // The commit queue's observer: `committed` is a durable batch, in commit order. Called from
  // one thread at a time (the commit thread). Costs one atomic load when nobody subscribes.
  void publish(std::span<const ports::Mutation> committed);
  // Ends the subscriptions whose deadline is at or before `now` with a 408 frame. Any thread.
  void expire(model::TimeNs now);
  // Ends every subscription with an error frame (`status`, `message`), e.g. 503 on shutdown.
  void end_all(int status, const std::string& message);

  std::size_t size() const { return count_.load(std::memory_order_relaxed); }

 private:
  struct Subscription {
    bool single = false;  // subscribeprocessmsg (else subscribeprocessesmsg, unless channel)
    bool channel = false;  // subscribechannelmsg
    std::string name;      // channel
    std::int64_t last_sent = 0;  // channel: the position of the last entry sent
    bool pending = false;        // channel: waiting for its backlog
    bool end_after_backlog = false;
    std::size_t max_pending = 0;
    std::vector<model::ChannelEntry> waiting;  // channel: committed while pending
    std::shared_ptr<Stream> stream;
    ProcessSelector selector;  // colonyname is set for both kinds
    std::string processid;     // single
    model::ProcessState wanted = model::ProcessState::Waiting;
    model::TimeNs deadline = 0;
    bool saw_event = false;
  };
  using Key = const Stream*;

  void add(Key key, Subscription sub);
  // Removes `key` from every index; returns its subscription (for a final frame).
  std::optional<Subscription> remove(Key key);
  // Sends, and on a refused frame (subscriber gone or too slow) schedules the removal.
  void send(const Subscription& sub, std::string frame, std::vector<Key>& dropped);
  // subscribeprocessmsg: sends and ends when `p` is the wanted state or a final one.
  bool decide(Subscription& sub, const model::Process& p, std::vector<Key>& dropped);
  void end_with_error(Key key, int status, const std::string& message, const std::string& reason);
  void on_put(const model::Process& p, std::vector<Key>& dropped);
  void on_entry(const model::ChannelEntry& e, std::vector<Key>& dropped);
  // Sends the entries after the subscription's position as one frame.
  void send_entries(Subscription& sub, const std::vector<model::ChannelEntry>& entries, std::vector<Key>& dropped);
  void on_removed_process(const std::string& processid, std::vector<Key>& ended);
  void on_removed_colony(const std::string& colonyname, std::vector<Key>& ended);

  mutable std::mutex mu_;
  std::atomic<std::size_t> count_{0};
  std::unordered_map<Key, Subscription> subs_;
  std::unordered_multimap<std::string, Key> by_colony_;   // subscribeprocessesmsg, by colony
  std::unordered_multimap<std::string, Key> by_process_;  // subscribeprocessmsg and channels, by process id
  std::set<std::pair<model::TimeNs, Key>> deadlines_;
};

}  // namespace colonies::server::realtime
