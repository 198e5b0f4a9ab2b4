// EventHub: subscription indexes (by colony, by process, by deadline) and event delivery.
#include "server/realtime/event_hub.hpp"

#include <fmt/format.h>

#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"

namespace colonies::server::realtime {

namespace msg = protocol::msg;
namespace json = boost::json;
using model::ProcessState;

namespace {

template <class Map>
void erase_entry(Map& map, const std::string& key, const Stream* value) {
  auto [first, last] = map.equal_range(key);
  for (auto it = first; it != last; ++it) {
    if (it->second == value) {
      map.erase(it);
      return;
    }
  }
}

bool matches(const ProcessSelector& s, const model::Process& p) {
  if (!s.executortype.empty() && s.executortype != p.spec.conditions.executortype) return false;
  return !s.state || *s.state == p.state;
}

}  // namespace

void EventHub::add(Key key, Subscription sub) {
  remove(key);
  if (sub.single || sub.channel) {
    by_process_.emplace(sub.processid, key);
  } else {
    by_colony_.emplace(sub.selector.colonyname, key);
  }
  deadlines_.emplace(sub.deadline, key);
  subs_.emplace(key, std::move(sub));
  count_.store(subs_.size(), std::memory_order_relaxed);
}

std::optional<EventHub::Subscription> EventHub::remove(Key key) {
  auto it = subs_.find(key);
  if (it == subs_.end()) return std::nullopt;
  Subscription sub = std::move(it->second);
  subs_.erase(it);
  if (sub.single || sub.channel) {
    erase_entry(by_process_, sub.processid, key);
  } else {
    erase_entry(by_colony_, sub.selector.colonyname, key);
  }
  deadlines_.erase({sub.deadline, key});
  count_.store(subs_.size(), std::memory_order_relaxed);
  return sub;
}

void EventHub::subscribe_processes(std::shared_ptr<Stream> stream, ProcessSelector selector, model::TimeNs deadline) {
  Key key = stream.get();
  Subscription sub;
  sub.stream = std::move(stream);
  sub.selector = std::move(selector);
  sub.deadline = deadline;
  std::lock_guard lock(mu_);
  add(key, std::move(sub));
}

void EventHub::subscribe_process(std::shared_ptr<Stream> stream, std::string colonyname, std::string processid,
                                 ProcessState wanted, model::TimeNs deadline) {
  Key key = stream.get();
  Subscription sub;
  sub.single = true;
  sub.stream = std::move(stream);
  sub.selector.colonyname = std::move(colonyname);
  sub.processid = std::move(processid);
  sub.wanted = wanted;
  sub.deadline = deadline;
  std::lock_guard lock(mu_);
  add(key, std::move(sub));
}

void EventHub::initial_state(const Stream* stream, const model::Process& process) {
  std::vector<Key> dropped;
  std::lock_guard lock(mu_);
  auto it = subs_.find(stream);
  if (it == subs_.end() || !it->second.single || it->second.saw_event) return;
  if (decide(it->second, process, dropped)) dropped.push_back(stream);
  for (Key key : dropped) remove(key);
}

void EventHub::subscribe_channel(std::shared_ptr<Stream> stream, std::string colonyname, std::string processid,
                                 std::string name, std::int64_t after, model::TimeNs deadline,
                                 std::size_t max_pending) {
  Key key = stream.get();
  Subscription sub;
  sub.channel = true;
  sub.stream = std::move(stream);
  sub.selector.colonyname = std::move(colonyname);
  sub.processid = std::move(processid);
  sub.name = std::move(name);
  sub.last_sent = after;
  sub.pending = true;
  sub.max_pending = max_pending;
  sub.deadline = deadline;
  std::lock_guard lock(mu_);
  add(key, std::move(sub));
}

void EventHub::send_entries(Subscription& sub, const std::vector<model::ChannelEntry>& entries,
                            std::vector<Key>& dropped) {
  json::array frame;
  for (const auto& e : entries) {
    if (e.position <= sub.last_sent) continue;  // already sent (backlog and live overlap)
    frame.push_back(model::to_json(e));
    sub.last_sent = e.position;
  }
  if (!frame.empty()) send(sub, protocol::encode_reply(msg::kSubscribeChannel, frame), dropped);
}

void EventHub::channel_backlog(const Stream* stream, const std::vector<model::ChannelEntry>& entries,
                               bool process_ended) {
  std::vector<Key> dropped;
  std::lock_guard lock(mu_);
  auto it = subs_.find(stream);
  if (it == subs_.end() || !it->second.channel) return;
  Subscription& sub = it->second;
  send_entries(sub, entries, dropped);
  send_entries(sub, sub.waiting, dropped);
  sub.waiting.clear();
  sub.pending = false;
  if (process_ended || sub.end_after_backlog) {
    sub.stream->end("process ended");
    dropped.push_back(stream);
  }
  for (Key key : dropped) remove(key);
}

void EventHub::on_entry(const model::ChannelEntry& e, std::vector<Key>& dropped) {
  auto [first, last] = by_process_.equal_range(e.processid);
  for (auto it = first; it != last; ++it) {
    Subscription& sub = subs_.at(it->second);
    if (!sub.channel || sub.name != e.name) continue;
    if (sub.pending) {
      // Bounded like a connection's queue: a backlog that takes this long is a stuck subscriber.
      if (sub.waiting.size() >= sub.max_pending) {
        sub.stream->send(protocol::encode_error_reply(503, "channel subscription fell behind; subscribe again"));
        sub.stream->end("subscriber too slow");
        dropped.push_back(it->second);
        continue;
      }
      sub.waiting.push_back(e);
      continue;
    }
    send_entries(sub, {e}, dropped);
  }
}

void EventHub::unsubscribe(const Stream* stream) {
  std::lock_guard lock(mu_);
  remove(stream);
}

void EventHub::send(const Subscription& sub, std::string frame, std::vector<Key>& dropped) {
  if (!sub.stream->send(std::move(frame))) dropped.push_back(sub.stream.get());
}

bool EventHub::decide(Subscription& sub, const model::Process& p, std::vector<Key>& dropped) {
  sub.saw_event = true;
  const bool reached = p.state == sub.wanted;
  if (!reached && !model::is_final(p.state)) return false;
  send(sub, protocol::encode_reply(msg::kSubscribeProcess, model::to_json(p)), dropped);
  sub.stream->end(reached ? fmt::format("process reached state {}", model::to_string(p.state))
                          : fmt::format("process ended in state {}", model::to_string(p.state)));
  return true;
}

void EventHub::on_put(const model::Process& p, std::vector<Key>& dropped) {
  // One encoding per event, shared by every subscriber of the colony.
  std::string frame;
  auto [first, last] = by_colony_.equal_range(p.spec.conditions.colonyname);
  for (auto it = first; it != last; ++it) {
    const Subscription& sub = subs_.at(it->second);
    if (!matches(sub.selector, p)) continue;
    if (frame.empty()) frame = protocol::encode_reply(msg::kSubscribeProcesses, model::to_json(p));
    send(sub, frame, dropped);
  }
  auto [pfirst, plast] = by_process_.equal_range(p.processid);
  for (auto it = pfirst; it != plast; ++it) {
    Subscription& sub = subs_.at(it->second);
    if (sub.channel) {
      // No entry can follow the end of the process: a channel subscription ends with it (after
      // its backlog, when that is still being read).
      if (!model::is_final(p.state)) continue;
      if (sub.pending) {
        sub.end_after_backlog = true;
      } else {
        sub.stream->end("process ended");
        dropped.push_back(it->second);
      }
      continue;
    }
    if (decide(sub, p, dropped)) dropped.push_back(it->second);
  }
}

void EventHub::end_with_error(Key key, int status, const std::string& message, const std::string& reason) {
  auto sub = remove(key);
  if (!sub) return;
  sub->stream->send(protocol::encode_error_reply(status, message));
  sub->stream->end(reason);
}

void EventHub::on_removed_process(const std::string& processid, std::vector<Key>& ended) {
  auto [first, last] = by_process_.equal_range(processid);
  for (auto it = first; it != last; ++it) ended.push_back(it->second);
}

void EventHub::on_removed_colony(const std::string& colonyname, std::vector<Key>& ended) {
  for (const auto& [key, sub] : subs_) {
    if (sub.selector.colonyname == colonyname) ended.push_back(key);
  }
}

void EventHub::publish(std::span<const ports::Mutation> committed) {
  if (size() == 0) return;  // the common case: nobody listens, and this runs on the commit thread
  std::vector<Key> dropped;
  std::lock_guard lock(mu_);
  for (const auto& m : committed) {
    if (const auto* put = std::get_if<ports::mutation::PutProcess>(&m)) {
      on_put(put->process, dropped);
    } else if (const auto* appended = std::get_if<ports::mutation::AppendChannelEntry>(&m)) {
      on_entry(appended->entry, dropped);
    } else if (const auto* removed = std::get_if<ports::mutation::RemoveProcess>(&m)) {
      std::vector<Key> ended;
      on_removed_process(removed->processid, ended);
      for (Key key : ended) {
        end_with_error(key, 404, fmt::format("process {} was removed", removed->processid), "process removed");
      }
    } else if (const auto* colony = std::get_if<ports::mutation::RemoveColony>(&m)) {
      std::vector<Key> ended;
      on_removed_colony(colony->name, ended);
      for (Key key : ended) {
        end_with_error(key, 404, fmt::format("colony {} was removed", colony->name), "colony removed");
      }
    }
    // Drop as we go: a removed subscription must not be looked up by the next mutation.
    for (Key key : dropped) remove(key);
    dropped.clear();
  }
}

void EventHub::expire(model::TimeNs now) {
  if (size() == 0) return;
  std::lock_guard lock(mu_);
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    end_with_error(deadlines_.begin()->second, 408, "subscription timeout reached", "timeout");
  }
}

void EventHub::end_all(int status, const std::string& message) {
  std::lock_guard lock(mu_);
  while (!subs_.empty()) end_with_error(subs_.begin()->first, status, message, message);
}

}  // namespace colonies::server::realtime
