// deadlock_test_printing.hpp: how doctest prints the containers the deadlock-chapter tests compare.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

namespace course_test {

template <typename Range>
std::string braced(const Range& range) {
    std::ostringstream out;
    out << '{';
    const char* separator = "";
    for (const auto& item : range) {
        out << separator << item;
        separator = ", ";
    }
    out << '}';
    return out.str();
}

}  // namespace course_test

namespace doctest {

template <>
struct StringMaker<std::vector<int>> {
    static String convert(const std::vector<int>& values) { return course_test::braced(values).c_str(); }
};

template <>
struct StringMaker<std::map<int, std::set<int>>> {
    static String convert(const std::map<int, std::set<int>>& graph) {
        std::ostringstream out;
        out << '{';
        const char* separator = "";
        for (const auto& [key, targets] : graph) {
            out << separator << key << ": " << course_test::braced(targets);
            separator = ", ";
        }
        out << '}';
        return out.str().c_str();
    }
};

template <>
struct StringMaker<std::optional<unsigned long>> {
    static String convert(const std::optional<unsigned long>& level) {
        return level ? toString(*level) : String("nullopt");
    }
};

}  // namespace doctest
