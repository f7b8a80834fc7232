#include "admin/event_hub.h"

namespace portico::admin {

namespace {
std::string frame(std::int64_t id, const std::string& type, const std::string& data) {
    return "id: " + std::to_string(id) + "\nevent: " + type + "\ndata: " + data + "\n\n";
}
} // namespace

void EventHub::deliver(EventSubscription& s, const std::string& text) {
    if (s.closed) return;
    if (s.pending.size() >= EventSubscription::kMaxPending) {
        // A reader that cannot keep up is cut off rather than allowed to grow without bound;
        // it reconnects with Last-Event-ID.
        s.closed = true;
    } else {
        s.pending.push_back(text);
    }
    if (s.wake) s.wake();
}

void EventHub::publish(const std::string& type, const nlohmann::json& data) {
    const std::int64_t id = m_nextId++;
    std::string text = frame(id, type, data.dump());
    m_backlog.push_back({id, text});
    while (m_backlog.size() > m_backlogSize)
        m_backlog.pop_front();
    broadcast(text);
}

void EventHub::publishLive(const std::string& type, const nlohmann::json& data) {
    broadcast("event: " + type + "\ndata: " + data.dump() + "\n\n");
}

void EventHub::broadcast(const std::string& text) {
    std::vector<std::weak_ptr<EventSubscription>> alive;
    for (auto& w : m_subs) {
        if (auto s = w.lock(); s && !s->closed) {
            deliver(*s, text);
            alive.push_back(w);
        }
    }
    m_subs = std::move(alive);
}

std::shared_ptr<EventSubscription> EventHub::subscribe(std::int64_t lastEventId) {
    auto sub = std::make_shared<EventSubscription>();
    if (lastEventId >= 0) {
        const bool covered =
            lastEventId + 1 == m_nextId || (lastEventId < m_nextId && !m_backlog.empty() &&
                                            m_backlog.front().id <= lastEventId + 1);
        if (!covered) {
            sub->pending.push_back(
                frame(m_nextId - 1, "reset",
                      R"({"reason":"missed events are no longer available; reload"})"));
        } else {
            for (const auto& f : m_backlog)
                if (f.id > lastEventId) sub->pending.push_back(f.text);
        }
    }
    m_subs.push_back(sub);
    return sub;
}

void EventHub::closeAll() {
    for (auto& w : m_subs)
        if (auto s = w.lock()) {
            s->closed = true;
            if (s->wake) s->wake();
        }
    m_subs.clear();
}

std::size_t EventHub::subscribers() const {
    std::size_t n = 0;
    for (const auto& w : m_subs)
        if (auto s = w.lock(); s && !s->closed) ++n;
    return n;
}

} // namespace portico::admin
