#pragma once
// Server-Sent Events for /events: every committed change becomes one event; a bounded backlog
// lets a client that reconnects with Last-Event-ID catch up, or tells it to reset. Main thread
// only: publish and subscribe are called from Admin API handlers.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace portico::admin {

class EventSubscription {
public:
    std::deque<std::string> pending; // formatted SSE frames waiting to be written
    bool closed = false;
    // Set by the connection that streams this subscription; called when frames arrive.
    std::function<void()> wake;
    static constexpr std::size_t kMaxPending = 10000;
};

class EventHub {
public:
    // Ids continue from `firstId`. The service starts them from its start time, so that an id
    // a client kept from an earlier run is never mistaken for one of this run's.
    explicit EventHub(std::size_t backlog = 1024, std::int64_t firstId = 1)
        : m_backlogSize(backlog), m_nextId(firstId) {}

    void publish(const std::string& type, const nlohmann::json& data);
    // An event for the subscribers of the moment only (the per-second `metrics`): no id, not
    // in the backlog, so it neither moves Last-Event-ID nor pushes changes out of the replay.
    void publishLive(const std::string& type, const nlohmann::json& data);
    // lastEventId < 0: only new events. Otherwise replays what followed it, or a `reset`
    // event when it is older than the backlog or is not an id this hub gave out.
    std::shared_ptr<EventSubscription> subscribe(std::int64_t lastEventId);
    void closeAll();
    std::size_t subscribers() const;

private:
    struct Frame {
        std::int64_t id;
        std::string text;
    };
    void deliver(EventSubscription& s, const std::string& text);
    // Delivers to every open subscription and forgets the closed ones.
    void broadcast(const std::string& text);

    std::size_t m_backlogSize;
    std::int64_t m_nextId;
    std::deque<Frame> m_backlog;
    std::vector<std::weak_ptr<EventSubscription>> m_subs;
};

} // namespace portico::admin
