#!/usr/bin/env python3
"""check_info_schema.py: exercises/info.json against its schema; the schema against typing slips; the readers against the schema.

Usage: check_info_schema.py SOURCE_ROOT [--require]
Without Python's jsonschema module it skips (status 77), unless --require (CI) makes that a failure.
"""
import copy
import json
import re
import sys
from pathlib import Path

SKIP = 77


def errors_of(validator, document):
    return sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))


def where(error):
    return "/".join(str(part) for part in error.absolute_path) or "(top level)"


def main():
    root = Path(sys.argv[1])
    require = "--require" in sys.argv[2:]
    try:
        import jsonschema
    except ImportError:
        print("info.json schema check: Python's jsonschema module is missing (apt-get install python3-jsonschema)")
        return 1 if require else SKIP
    schema = json.loads((root / "exercises" / "info.schema.json").read_text())
    info = json.loads((root / "exercises" / "info.json").read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    failures = 0
    for error in errors_of(validator, info):
        print(f"exercises/info.json: {where(error)}: {error.message}")
        failures += 1

    # The schema must refuse what a typing slip makes: a misspelt key at every level, and a
    # required key left out.
    slips = {
        "a misspelt top-level key": lambda d: d.update(cours=d["course"]),
        "a misspelt default": lambda d: d["defaults"].update(time_limt=5),
        "a misspelt chapter key": lambda d: d["chapters"][0].update(titel="x"),
        "a misspelt exercise key": lambda d: first_exercise(d).update(time_limt=5),
        "an exercise without its python": lambda d: first_exercise(d).pop("python"),
        "points as text": lambda d: first_exercise(d).update(points="10"),
    }
    for slip, make in slips.items():
        spoiled = copy.deepcopy(info)
        make(spoiled)
        if not errors_of(validator, spoiled):
            print(f"exercises/info.schema.json accepts {slip}")
            failures += 1

    # The two readers know the same keys as the schema, object by object.
    objects = schema_objects(schema)
    for reader, found in (("cmake/CourseInfo.cmake", cmake_key_lists(root)),
                          ("tools/src/course/info.cpp", cpp_key_lists(root))):
        if found != objects:
            print(f"{reader} knows the keys {sorted(map(sorted, found))}, the schema {sorted(map(sorted, objects))}")
            failures += 1

    exercises = sum(len(c["exercises"]) for c in info["chapters"])
    if failures:
        print(f"info.json schema check: {failures} problem(s)")
        return 1
    print(f"info.json schema check: {len(info['chapters'])} chapters and {exercises} exercises valid "
          f"({validator_class.__name__}); {len(slips)} typing slips refused")
    return 0


def schema_objects(schema):
    """The key sets of the schema's objects: the top level, defaults, a chapter, an exercise."""
    found = set()
    for node in [schema, schema["properties"]["defaults"], *schema["$defs"].values()]:
        if node.get("type") == "object" and "properties" in node:
            found.add(frozenset(node["properties"]))
    return found


def cmake_key_lists(root):
    text = (root / "cmake" / "CourseInfo.cmake").read_text()
    found = set()
    for call in re.findall(r"^[ \t]*_course_info_check_keys\((.*?)\)$", text, re.M | re.S):
        words = re.sub(r'"[^"]*"', " ", call).split()
        if "REQUIRED" in words:
            found.add(frozenset(w for w in words[words.index("REQUIRED") + 1:] if w != "OPTIONAL"))
    return found


def cpp_key_lists(root):
    text = (root / "tools" / "src" / "course" / "info.cpp").read_text()
    return {frozenset(re.findall(r'"([^"]+)"', keys)) for keys in re.findall(r"check_keys\([^{]*\{([^}]*)\}", text)}


def first_exercise(info):
    return next(e for c in info["chapters"] for e in c["exercises"])


if __name__ == "__main__":
    sys.exit(main())
