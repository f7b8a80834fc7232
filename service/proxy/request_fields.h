#pragma once
// A request's fields as routing, balancing and the request checks read them: views of the
// received head, in arrival order, each name in the case the client sent it (compare names with
// equalsIgnoreCase). The views are valid while the head is, which outlives every use of them
// for the request. Plain data; any thread.

#include <span>
#include <string_view>

namespace portico::proxy {

struct FieldView {
    std::string_view name;
    std::string_view value;
};
using RequestFields = std::span<const FieldView>;

} // namespace portico::proxy
