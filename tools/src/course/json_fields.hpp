// json_fields.hpp: the course's own JSON files read strictly: unknown, missing, mistyped keys named.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <type_traits>

#include "user_error.hpp"

namespace course::json_fields {

/// A UserError for a key `object` should not have: the name of a misspelt key is the clue.
/// `where` says which object ("exercises/info.json: exercise 'queue'").
inline void check_keys(const nlohmann::json& object, const std::string& where,
                       std::initializer_list<const char*> known) {
    if (!object.is_object())
        throw UserError(where + " must be an object, not " + object.type_name());
    for (const auto& item : object.items()) {
        const std::string& key = item.key();
        if (std::any_of(known.begin(), known.end(), [&](const char* k) { return key == k; }))
            continue;
        std::string list;
        for (const char* k : known)
            list += (list.empty() ? "" : ", ") + std::string(k);
        throw UserError(where + " has an unknown key '" + key + "' (known: " + list + ")");
    }
}

/// object[key] as a T; a missing key or a value of another type is a UserError naming both.
template <class T>
T required(const nlohmann::json& object, const char* key, const std::string& where) {
    if (!object.is_object() || !object.contains(key))
        throw UserError(where + " has no '" + key + "'");
    const nlohmann::json& value = object.at(key);
    if constexpr (std::is_same_v<T, nlohmann::json>) {
        return value;
    } else {
        try {
            return value.get<T>();
        } catch (const nlohmann::json::exception&) {
            throw UserError(where + ": '" + key + "' has the wrong type (" + value.type_name() +
                            ")");
        }
    }
}

/// object[key] as a T, or `fallback` when the key is absent.
template <class T>
T optional_or(const nlohmann::json& object, const char* key, T fallback, const std::string& where) {
    return object.contains(key) ? required<T>(object, key, where) : fallback;
}

/// object[key], which must be an array.
inline const nlohmann::json& required_array(const nlohmann::json& object, const char* key,
                                            const std::string& where) {
    if (!object.is_object() || !object.contains(key))
        throw UserError(where + " has no '" + key + "'");
    const nlohmann::json& value = object.at(key);
    if (!value.is_array())
        throw UserError(where + ": '" + key + "' has the wrong type (" + value.type_name() + ")");
    return value;
}

}  // namespace course::json_fields
