// printing.hpp: how a failed check shows containers, pairs and optionals, instead of doctest's "{?}".
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace course_test::printing {

/// "{1, 2, 3}"; a long sequence shows its first 16 items and how many there are in all.
template <typename Sequence>
doctest::String sequence_text(const Sequence& items) {
    constexpr std::size_t shown = 16;
    std::string text = "{";
    std::size_t index = 0;
    for (const auto& item : items) {
        if (index == shown) {
            text += ", ... (" + std::to_string(items.size()) + " items)";
            break;
        }
        if (index++ > 0) text += ", ";
        text += doctest::toString(item).c_str();
    }
    return (text + "}").c_str();
}

}  // namespace course_test::printing

namespace doctest {

template <typename T, typename Allocator>
struct StringMaker<std::vector<T, Allocator>> {
    static String convert(const std::vector<T, Allocator>& items) { return course_test::printing::sequence_text(items); }
};

template <typename T, typename Allocator>
struct StringMaker<std::deque<T, Allocator>> {
    static String convert(const std::deque<T, Allocator>& items) { return course_test::printing::sequence_text(items); }
};

template <typename First, typename Second>
struct StringMaker<std::pair<First, Second>> {
    static String convert(const std::pair<First, Second>& pair) {
        return String("(") + toString(pair.first) + ", " + toString(pair.second) + ")";
    }
};

template <typename T>
struct StringMaker<std::optional<T>> {
    static String convert(const std::optional<T>& value) {
        return value ? String("optional(") + toString(*value) + ")" : String("nullopt");
    }
};

}  // namespace doctest
