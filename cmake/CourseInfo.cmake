# CourseInfo.cmake: the one CMake reader of exercises/info.json (its schema:
# exercises/info.schema.json). Included by the project, and by the docs scripts in script
# mode (`cmake -P`), which then call course_read_info() themselves.
#
# course_read_info(<info.json>) sets, in the caller's scope:
#   COURSE_TITLE                          the course's title
#   COURSE_DEFAULT_POINTS                 points of an exercise that names none
#   COURSE_DEFAULT_TIME_LIMIT             seconds, for an exercise that names none
#   COURSE_CHAPTERS                       chapter numbers in course order ("01" "02" ...)
#   COURSE_CHAPTER_<NN>_DIR               folder name, e.g. 01_processes
#   COURSE_CHAPTER_<NN>_TITLE             e.g. Processes
#   COURSE_CHAPTER_<NN>_INDEX             its position in the course, from 0
#   COURSE_CHAPTER_<NN>_EXERCISES         exercise names in order
#   COURSE_EXERCISES                      every exercise name in course order
#   COURSE_EXERCISE_<name>_CHAPTER        its chapter's number
#   COURSE_EXERCISE_<name>_INDEX          its position in its chapter, from 0
#   COURSE_EXERCISE_<name>_TITLE
#   COURSE_EXERCISE_<name>_PYTHON         the Python call it mirrors (Markdown)
#   COURSE_EXERCISE_<name>_FILES          the files a student edits
#   COURSE_EXERCISE_<name>_POINTS         its points, the default applied
#   COURSE_EXERCISE_<name>_TIME_LIMIT     seconds for one run of its tests, the default applied
#   COURSE_EXERCISE_<name>_HINT_COUNT     how many hints it has
#   COURSE_EXERCISE_<name>_HINT_<i>       hint i, from 1 (one variable each: hints hold ';')
# A key the schema does not know is an error here too, so that a misspelt "time_limt"
# never becomes a silent default.

# _course_info_check_keys(<json object> <where> REQUIRED <key>... [OPTIONAL <key>...]):
# a clear error for a missing key or one the schema does not know.
function(_course_info_check_keys object where)
  cmake_parse_arguments(PARSE_ARGV 2 keys "" "" "REQUIRED;OPTIONAL")
  set(known ${keys_REQUIRED} ${keys_OPTIONAL})
  foreach(key IN LISTS keys_REQUIRED)
    string(JSON type ERROR_VARIABLE missing TYPE "${object}" ${key})
    if(missing)
      message(FATAL_ERROR "${COURSE_INFO_FILE}: ${where} has no '${key}'")
    endif()
  endforeach()
  string(JSON count LENGTH "${object}")
  if(count EQUAL 0)
    return()
  endif()
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON key MEMBER "${object}" ${i})
    list(FIND known "${key}" at)
    if(at EQUAL -1)
      list(JOIN known ", " known_text)
      message(FATAL_ERROR "${COURSE_INFO_FILE}: ${where} has an unknown key '${key}' (known: ${known_text})")
    endif()
  endforeach()
endfunction()

# _course_info_list(<out> <json array>): the array's strings as a CMake list.
function(_course_info_list out array)
  set(items "")
  string(JSON count LENGTH "${array}")
  if(count GREATER 0)
    math(EXPR last "${count} - 1")
    foreach(i RANGE ${last})
      string(JSON item GET "${array}" ${i})
      list(APPEND items "${item}")
    endforeach()
  endif()
  set(${out} "${items}" PARENT_SCOPE)
endfunction()

# _course_info_exercise(<chapter number> <index>): the variables of the exercise whose JSON
# text is in _exercise (a variable, not an argument: a macro's arguments are substituted as
# text, and would lose the JSON's backslashes).
macro(_course_info_exercise _chapter_number _index)
  string(JSON _name ERROR_VARIABLE _missing GET "${_exercise}" name)
  if(_missing)
    math(EXPR _position "${_index} + 1")
    set(_name "number ${_position} of chapter ${_chapter_number}")
  endif()
  _course_info_check_keys("${_exercise}" "exercise '${_name}'" REQUIRED name title python files
                          OPTIONAL points time_limit hints test_points)
  if(DEFINED COURSE_EXERCISE_${_name}_FILES)
    message(FATAL_ERROR "${COURSE_INFO_FILE}: exercise name '${_name}' is used twice")
  endif()
  list(APPEND COURSE_CHAPTER_${_chapter_number}_EXERCISES ${_name})
  list(APPEND COURSE_EXERCISES ${_name})
  set(COURSE_EXERCISE_${_name}_CHAPTER ${_chapter_number})
  set(COURSE_EXERCISE_${_name}_INDEX ${_index})
  string(JSON COURSE_EXERCISE_${_name}_TITLE GET "${_exercise}" title)
  string(JSON COURSE_EXERCISE_${_name}_PYTHON GET "${_exercise}" python)
  string(JSON _files GET "${_exercise}" files)
  _course_info_list(COURSE_EXERCISE_${_name}_FILES "${_files}")
  foreach(_key points time_limit)
    string(TOUPPER ${_key} _upper)
    string(JSON COURSE_EXERCISE_${_name}_${_upper} ERROR_VARIABLE _missing GET "${_exercise}" ${_key})
    if(_missing)
      set(COURSE_EXERCISE_${_name}_${_upper} ${COURSE_DEFAULT_${_upper}})
    endif()
  endforeach()
  set(COURSE_EXERCISE_${_name}_HINT_COUNT 0)
  string(JSON _hints ERROR_VARIABLE _missing GET "${_exercise}" hints)
  if(NOT _missing)
    string(JSON _hint_count LENGTH "${_hints}")
    set(COURSE_EXERCISE_${_name}_HINT_COUNT ${_hint_count})
    if(_hint_count GREATER 0)
      foreach(_h RANGE 1 ${_hint_count})
        math(EXPR _at "${_h} - 1")
        string(JSON COURSE_EXERCISE_${_name}_HINT_${_h} GET "${_hints}" ${_at})
      endforeach()
    endif()
  endif()
endmacro()

# course_read_info(<info.json>): see the top of this file.
macro(course_read_info _info_file)
  set(COURSE_INFO_FILE "${_info_file}")
  file(READ "${COURSE_INFO_FILE}" _course_info)
  _course_info_check_keys("${_course_info}" "the top level" REQUIRED course defaults chapters)
  string(JSON COURSE_TITLE GET "${_course_info}" course)
  string(JSON _defaults GET "${_course_info}" defaults)
  _course_info_check_keys("${_defaults}" "defaults" REQUIRED points time_limit)
  string(JSON COURSE_DEFAULT_POINTS GET "${_defaults}" points)
  string(JSON COURSE_DEFAULT_TIME_LIMIT GET "${_defaults}" time_limit)
  set(COURSE_CHAPTERS "")
  set(COURSE_EXERCISES "")
  string(JSON _chapter_count LENGTH "${_course_info}" chapters)
  math(EXPR _last_chapter "${_chapter_count} - 1")
  foreach(_c RANGE ${_last_chapter})
    # Each chapter, then each exercise, is taken out as its own small JSON text: every
    # string(JSON) parses its whole input again.
    string(JSON _chapter GET "${_course_info}" chapters ${_c})
    math(EXPR _position "${_c} + 1")
    _course_info_check_keys("${_chapter}" "chapter number ${_position}" REQUIRED number dir title exercises)
    string(JSON _number GET "${_chapter}" number)
    list(APPEND COURSE_CHAPTERS ${_number})
    string(JSON COURSE_CHAPTER_${_number}_DIR GET "${_chapter}" dir)
    string(JSON COURSE_CHAPTER_${_number}_TITLE GET "${_chapter}" title)
    set(COURSE_CHAPTER_${_number}_INDEX ${_c})
    set(COURSE_CHAPTER_${_number}_EXERCISES "")
    string(JSON _exercise_count LENGTH "${_chapter}" exercises)
    if(_exercise_count GREATER 0)
      math(EXPR _last_exercise "${_exercise_count} - 1")
      foreach(_e RANGE ${_last_exercise})
        string(JSON _exercise GET "${_chapter}" exercises ${_e})
        _course_info_exercise(${_number} ${_e})
      endforeach()
    endif()
  endforeach()
endmacro()

# In a project (not a script): read the course's own file, and configure again when it changes.
if(NOT CMAKE_SCRIPT_MODE_FILE)
  set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                                                       "${PROJECT_SOURCE_DIR}/exercises/info.json")
  course_read_info("${PROJECT_SOURCE_DIR}/exercises/info.json")
endif()
