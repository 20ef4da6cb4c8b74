# generate_pages.cmake: writes the Markdown pages of the course site, at build time.
#
#   cmake -DSOURCE_DIR=<repository> -DOUTPUT_DIR=<dir> -P docs/generate_pages.cmake
#
# Everything comes from the repository as it is: exercises/info.json (chapters in order,
# exercises, the Python each mirrors, points, time limits, hints; read by
# cmake/CourseInfo.cmake, as in the build), chapters/NN_topic/README.md (the lessons),
# chapters/NN_topic/NN_name.cpp (the example programs, whose closing comment block is their
# expected output), exercises/NN_topic/README.md (a chapter's exercise guide), the exercise
# headers (whose `///` comments are the specifications), docs/*.md (more pages) and
# docs/diagrams/*.dot (each says in its first lines which chapter and section it belongs to).
# A new chapter, exercise, example or diagram appears on the site without touching this file.
#
# Doxygen lists pages that are nobody's \subpage in the order of their file names, so the
# file names sort in course order: aN_chapter_NN.md (N: the chapter's position in
# info.json), b_course_index.md, c_doc_*.md; x_* are \subpages, ordered by their parent.
#
# It writes OUTPUT_DIR/pages/*.md (one page per chapter, per chapter's exercise guide, per
# exercise, the course index, the main page, docs/*.md) and OUTPUT_DIR/examples/NN_topic/
# (each example without its output comment, and the chapter's other files, for \include).
#
# Page labels, used by \ref and in the site's file names:
#   index                    the main page (README.md)
#   course_index             every chapter, example and exercise in course order
#   chapter_NN               a chapter's lesson, its diagrams, examples and exercise links
#   exercises_NN             a chapter's exercise guide (exercises/NN_topic/README.md)
#   exercise_<name>          one exercise (names are unique, CourseInfo.cmake checks it)
#   example_NN_<stem>        an example program's section on its chapter page
#   file_NN_<path>           another file of the chapter (chapter_NN_other_files: all)
#   <page label>_<heading>   a section: its GitHub anchor with '_' for '-'
#   doc_<stem>               docs/<stem>.md
cmake_minimum_required(VERSION 3.25)

foreach(required SOURCE_DIR OUTPUT_DIR)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "generate_pages.cmake: -D${required}=... is required")
  endif()
endforeach()
set(pages_dir "${OUTPUT_DIR}/pages")
set(examples_dir "${OUTPUT_DIR}/examples")
# From scratch each time: a renamed exercise or example must leave no stale page behind.
file(REMOVE_RECURSE "${pages_dir}" "${examples_dir}")
file(MAKE_DIRECTORY "${pages_dir}" "${examples_dir}")

# ---------------------------------------------------------------------------------------
# Text as a list of lines. A CMake list splits at ';' (unless escaped by '\' or inside
# '[...]'), and C++ and Markdown are full of all three, so they are swapped for control
# characters that never occur in the course's text before splitting, and swapped back
# line by line.
string(ASCII 1 _semicolon)
string(ASCII 2 _backslash)
string(ASCII 3 _open_bracket)
string(ASCII 4 _close_bracket)

# _split_lines(<out-list> <text>)
function(_split_lines out text)
  string(REPLACE "\\" "${_backslash}" text "${text}")
  string(REPLACE ";" "${_semicolon}" text "${text}")
  string(REPLACE "[" "${_open_bracket}" text "${text}")
  string(REPLACE "]" "${_close_bracket}" text "${text}")
  string(REGEX REPLACE "\n$" "" text "${text}")
  string(REPLACE "\n" ";" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# _decode(<var>): one element of such a list back to its real text, in place.
macro(_decode var)
  string(REPLACE "${_semicolon}" ";" ${var} "${${var}}")
  string(REPLACE "${_backslash}" "\\" ${var} "${${var}}")
  string(REPLACE "${_open_bracket}" "[" ${var} "${${var}}")
  string(REPLACE "${_close_bracket}" "]" ${var} "${${var}}")
endmacro()

# ---------------------------------------------------------------------------------------
# exercises/info.json, through the course's one reader of it: chapters in order, and
# their exercises.
include("${SOURCE_DIR}/cmake/CourseInfo.cmake")
course_read_info("${SOURCE_DIR}/exercises/info.json")
set(chapters "${COURSE_CHAPTERS}")
list(LENGTH chapters chapter_count)
foreach(nn IN LISTS chapters)
  set(c ${COURSE_CHAPTER_${nn}_INDEX})
  set(dir "${COURSE_CHAPTER_${nn}_DIR}")
  set(chapter_${nn}_dir "${dir}")
  set(chapter_${nn}_title "${COURSE_CHAPTER_${nn}_TITLE}")
  if(c LESS 10)
    set(chapter_${nn}_order "0${c}")
  else()
    set(chapter_${nn}_order "${c}")
  endif()
  set(chapter_of_dir_${dir} ${nn})
  set(chapter_${nn}_exercises "${COURSE_CHAPTER_${nn}_EXERCISES}")
  foreach(name IN LISTS chapter_${nn}_exercises)
    set(exercise_${name}_files "${COURSE_EXERCISE_${name}_FILES}")
    foreach(file IN LISTS exercise_${name}_files)
      set(owner_of_${dir}/${file} ${name})
    endforeach()
  endforeach()
  # The example programs: NN_name.cpp, in file-name order.
  file(GLOB examples RELATIVE "${SOURCE_DIR}/chapters/${dir}" "${SOURCE_DIR}/chapters/${dir}/[0-9][0-9]_*.cpp")
  list(SORT examples)
  set(chapter_${nn}_examples "${examples}")
  # Its other files (the Python scripts of chapter 07, say): shown at the end of the page,
  # so that the lesson's links to them lead somewhere. The build files are not shown.
  file(GLOB_RECURSE others RELATIVE "${SOURCE_DIR}/chapters/${dir}" "${SOURCE_DIR}/chapters/${dir}/*")
  list(FILTER others EXCLUDE REGEX "^(README\\.md|CMakeLists\\.txt|[0-9][0-9]_[^/]*\\.cpp)$")
  list(FILTER others EXCLUDE REGEX "(^|/)\\.")
  list(SORT others)
  set(chapter_${nn}_others "${others}")
  foreach(other IN LISTS others)
    string(MAKE_C_IDENTIFIER "${other}" id)
    string(TOLOWER "${id}" id)
    set(other_chapters/${dir}/${other} "file_${nn}_${id}")
    get_filename_component(other_dir "${other}" DIRECTORY)
    if(NOT other_dir STREQUAL "")
      set(other_chapters/${dir}/${other_dir} "chapter_${nn}_other_files")
    endif()
  endforeach()
endforeach()

# docs/*.md: pages of their own, labelled doc_<stem>.
file(GLOB doc_pages RELATIVE "${SOURCE_DIR}/docs" "${SOURCE_DIR}/docs/*.md")
list(SORT doc_pages)

# docs/diagrams/*.dot: each names its place in its first comment lines:
#   // chapter: 01
#   // section: Starting a child        (part of a lesson heading)
#   // after-block: 1                   (after this many paragraphs/code blocks; default 1,
#                                        "end" for the end of the section)
#   // caption: ...
file(GLOB diagrams RELATIVE "${SOURCE_DIR}/docs/diagrams" "${SOURCE_DIR}/docs/diagrams/*.dot")
list(SORT diagrams)
foreach(chapter IN LISTS chapters)
  set(chapter_${chapter}_diagrams "")
endforeach()
foreach(diagram IN LISTS diagrams)
  file(STRINGS "${SOURCE_DIR}/docs/diagrams/${diagram}" header REGEX "^// [a-z-]+: ")
  set(d_chapter "")
  set(d_section "")
  set(d_after 1)
  set(d_caption "")
  foreach(line IN LISTS header)
    if(line MATCHES "^// chapter: *([0-9]+)")
      set(d_chapter "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^// section: *(.+)$")
      set(d_section "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^// after-block: *([0-9]+|end)")
      set(d_after "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^// caption: *(.+)$")
      set(d_caption "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  if(NOT d_chapter IN_LIST chapters OR d_section STREQUAL "")
    message(FATAL_ERROR "docs/diagrams/${diagram}: its first lines must say '// chapter: NN' "
                        "(a chapter of exercises/info.json) and '// section: <part of a heading>'")
  endif()
  list(APPEND chapter_${d_chapter}_diagrams "${diagram}")
  set(diagram_${diagram}_section "${d_section}")
  set(diagram_${diagram}_after "${d_after}")
  set(diagram_${diagram}_caption "${d_caption}")
endforeach()

# ---------------------------------------------------------------------------------------
# Links. A lesson links into the repository (../../exercises/01_processes/README.md,
# 02_start_and_join.cpp, #grading); on the site each such link becomes a \ref to the page
# or section that shows the same thing, and a link to a file the site does not show (a
# test, a solution) becomes its plain text, so that no link is dead.

# _slug(<out> <heading text>): GitHub's anchor for a heading: lower case, punctuation
# dropped, spaces to '-'.
function(_slug out text)
  string(TOLOWER "${text}" text)
  string(REGEX REPLACE "[^a-z0-9 _-]" "" text "${text}")
  string(REPLACE " " "-" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# _label_of_slug(<out> <slug>): the part of a heading's label made from its GitHub anchor.
function(_label_of_slug out slug)
  string(REPLACE "-" "_" name "${slug}")
  string(REGEX REPLACE "__+" "_" name "${name}")
  string(REGEX REPLACE "^_|_$" "" name "${name}")
  set(${out} "${name}" PARENT_SCOPE)
endfunction()

# _link_target(<out> <target> <base dir>): the \ref (or "" for plain text) for a link
# written in a file of <base dir> (relative to the repository).
function(_link_target out target base)
  set(result "")
  if(target MATCHES "^(https?|mailto|ftp):" OR target MATCHES "^@ref ")
    set(${out} "${target}" PARENT_SCOPE)
    return()
  endif()
  set(anchor "")
  if(target MATCHES "^([^#]*)#(.*)$")
    set(target "${CMAKE_MATCH_1}")
    set(anchor "${CMAKE_MATCH_2}")
  endif()
  if(target STREQUAL "")
    # An anchor in the same file: the heading labels of this file.
    if(DEFINED heading_label_${anchor})
      set(result "@ref ${heading_label_${anchor}}")
    endif()
    set(${out} "${result}" PARENT_SCOPE)
    return()
  endif()
  if(base STREQUAL "")
    set(path "${target}")
  else()
    set(path "${base}/${target}")
  endif()
  cmake_path(NORMAL_PATH path)
  string(REGEX REPLACE "/$" "" path "${path}")
  if(path STREQUAL "" OR path STREQUAL "." OR path STREQUAL "README.md")
    set(result "@ref index")
  elseif(path MATCHES "^chapters/([0-9][0-9]_[^/]+)(/README\\.md)?$")
    if(DEFINED chapter_of_dir_${CMAKE_MATCH_1})
      set(result "@ref chapter_${chapter_of_dir_${CMAKE_MATCH_1}}")
    endif()
  elseif(path MATCHES "^chapters/([0-9][0-9]_[^/]+)/([0-9][0-9]_[^/]+)\\.cpp$")
    if(DEFINED chapter_of_dir_${CMAKE_MATCH_1})
      set(result "@ref example_${chapter_of_dir_${CMAKE_MATCH_1}}_${CMAKE_MATCH_2}")
    endif()
  elseif(DEFINED other_${path})
    set(result "@ref ${other_${path}}")
  elseif(path MATCHES "^exercises/([0-9][0-9]_[^/]+)(/README\\.md)?$")
    if(DEFINED chapter_of_dir_${CMAKE_MATCH_1})
      set(nn ${chapter_of_dir_${CMAKE_MATCH_1}})
      if(chapter_${nn}_exercises)
        set(result "@ref exercises_${nn}")
      else()
        set(result "@ref chapter_${nn}")
      endif()
    endif()
  elseif(path MATCHES "^exercises/([0-9][0-9]_[^/]+/.+)$")
    if(DEFINED owner_of_${CMAKE_MATCH_1})
      set(result "@ref exercise_${owner_of_${CMAKE_MATCH_1}}")
    endif()
  elseif(path STREQUAL "exercises" OR path STREQUAL "chapters")
    set(result "@ref course_index")
  elseif(path MATCHES "^docs/([^/]+)\\.md$")
    if("${CMAKE_MATCH_1}.md" IN_LIST doc_pages)
      set(result "@ref doc_${CMAKE_MATCH_1}")
    endif()
  endif()
  # README.md#some-heading: that heading's label on the page (a wrong anchor is then a
  # Doxygen warning, as it would be a dead link on GitHub).
  if(NOT anchor STREQUAL "" AND NOT result MATCHES "^@ref (example_|exercise_|course_index)"
     AND result MATCHES "^@ref ([a-z_0-9]+)$")
    set(page "${CMAKE_MATCH_1}")
    _label_of_slug(name "${anchor}")
    set(result "@ref ${page}_${name}")
  endif()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# _rewrite_links(<var> <base dir>): every Markdown link of one line (outside code), in place.
function(_rewrite_links var base)
  set(rest "${${var}}")
  set(done "")
  # The greedy prefix finds the last link first; the loop walks to the left.
  while(rest MATCHES "^(.*)\\[([^]]*)\\]\\(([^) ]+)\\)(.*)$")
    set(before "${CMAKE_MATCH_1}")
    set(text "${CMAKE_MATCH_2}")
    set(target "${CMAKE_MATCH_3}")
    set(after "${CMAKE_MATCH_4}")
    set(bang "")
    if(before MATCHES "^(.*)!$")
      set(before "${CMAKE_MATCH_1}")
      set(bang "!")
    endif()
    if(NOT target MATCHES "[./#]")
      # Not a link: C++ in prose, such as a lambda `[i](x)`.
      set(done "${bang}${_open_bracket}${text}${_close_bracket}(${target})${after}${done}")
    elseif(bang STREQUAL "!")
      # An image: Doxygen finds it by name in IMAGE_PATH (docs/images).
      get_filename_component(image "${target}" NAME)
      set(done "!${_open_bracket}${text}${_close_bracket}(${image})${after}${done}")
    else()
      _link_target(ref "${target}" "${base}")
      if(ref STREQUAL "")
        set(done "${text}${after}${done}")
      else()
        # Doxygen 1.9.4 prints the backticks of [`x`](@ref y) as they are.
        string(REPLACE "`" "" text "${text}")
        set(done "${_open_bracket}${text}${_close_bracket}(${ref})${after}${done}")
      endif()
    endif()
    set(rest "${before}")
  endwhile()
  set(line "${rest}${done}")
  string(REPLACE "${_open_bracket}" "[" line "${line}")
  string(REPLACE "${_close_bracket}" "]" line "${line}")
  set(${var} "${line}" PARENT_SCOPE)
endfunction()

# _table_code_spans(<var>): in a table row, a code span holding an escaped pipe (`a\|b`,
# which GitHub shows as a|b) as HTML: Doxygen 1.9.4 would show the backslash, and a bare
# pipe would end the cell. In HTML text, Doxygen needs "\--" for "--" and "\|" for "|".
function(_table_code_spans var)
  set(rest "${${var}}")
  set(done "")
  while(rest MATCHES "^(.*)`([^`]*\\\\[|][^`]*)`(.*)$")
    set(before "${CMAKE_MATCH_1}")
    set(code "${CMAKE_MATCH_2}")
    set(after "${CMAKE_MATCH_3}")
    string(REPLACE "&" "&amp;" code "${code}")
    string(REPLACE "<" "&lt;" code "${code}")
    string(REPLACE ">" "&gt;" code "${code}")
    string(REPLACE "--" "\\--" code "${code}")
    string(REPLACE "*" "\\*" code "${code}")
    string(REPLACE "_" "\\_" code "${code}")
    set(done "<code>${code}</code>${after}${done}")
    set(rest "${before}")
  endwhile()
  set(${var} "${rest}${done}" PARENT_SCOPE)
endfunction()

# ---------------------------------------------------------------------------------------
# _transform_markdown(<out> <file relative to SOURCE_DIR> <page label> <title>
#                     <diagrams> <extra for the Exercises section>)
# A Markdown file of the repository as a page of the site: its first heading becomes the
# page title (<title> replaces it when given), every other heading gets a label
# <page label>_<slug>, links are rewritten, the listed diagrams go where they say, and
# <extra> goes at the end of the "Exercises" section (or in a new one at the end).
function(_transform_markdown out file label title diagrams exercises_extra)
  file(READ "${SOURCE_DIR}/${file}" text)
  get_filename_component(base "${file}" DIRECTORY)
  _split_lines(lines "${text}")

  # First pass: the anchors GitHub would give each heading, and our label for each.
  set(in_fence FALSE)
  set(labels_used "")
  foreach(line IN LISTS lines)
    _decode(line)
    if(line MATCHES "^ *(```|~~~)")
      if(in_fence)
        set(in_fence FALSE)
      else()
        set(in_fence TRUE)
      endif()
    elseif(NOT in_fence AND line MATCHES "^##+ +(.*[^ ]) *$")
      _slug(slug "${CMAKE_MATCH_1}")
      _label_of_slug(name "${slug}")
      set(heading_label "${label}_${name}")
      set(n 2)
      while(heading_label IN_LIST labels_used)
        set(heading_label "${label}_${name}_${n}")
        math(EXPR n "${n} + 1")
      endwhile()
      list(APPEND labels_used "${heading_label}")
      if(NOT DEFINED heading_label_${slug})
        set(heading_label_${slug} "${heading_label}")
      endif()
    endif()
  endforeach()

  # Second pass.
  set(result "")
  set(in_fence FALSE)
  set(first_heading TRUE)
  set(pending "")          # diagrams waiting for their place in the current section
  set(blocks 0)            # paragraphs and code blocks seen in the current section
  set(in_block FALSE)
  set(in_exercises FALSE)  # inside the lesson's own "Exercises" section
  set(extra_done FALSE)
  set(labels_given "")
  set(diagrams_placed "")
  # _emit_diagram(<file>): a diagram's \dotfile, here.
  macro(_emit_diagram diagram)
    string(APPEND result "\n\\dotfile ${diagram} \"${diagram_${diagram}_caption}\"\n\n")
    list(REMOVE_ITEM pending "${diagram}")
  endmacro()
  foreach(line IN LISTS lines)
    _decode(line)
    if(line MATCHES "^ *(```|~~~)")
      if(in_fence)
        set(in_fence FALSE)
        set(in_block TRUE)
      else()
        set(in_fence TRUE)
      endif()
      string(APPEND result "${line}\n")
      continue()
    endif()
    if(in_fence)
      string(APPEND result "${line}\n")
      continue()
    endif()
    if(line MATCHES "^ *$")
      if(in_block)
        math(EXPR blocks "${blocks} + 1")
        set(in_block FALSE)
        foreach(diagram IN LISTS pending)
          if(diagram_${diagram}_after STREQUAL blocks)
            string(APPEND result "\n")
            _emit_diagram("${diagram}")
          endif()
        endforeach()
      endif()
      string(APPEND result "\n")
      continue()
    endif()
    if(line MATCHES "^(#+) +(.*[^ ]) *$")
      set(hashes "${CMAKE_MATCH_1}")
      set(heading "${CMAKE_MATCH_2}")
      if(first_heading AND hashes STREQUAL "#")
        set(first_heading FALSE)
        if(NOT title STREQUAL "")
          set(heading "${title}")
        endif()
        string(APPEND result "# ${heading} {#${label}}\n\n[TOC]\n")
        continue()
      endif()
      # A new section: what was pending goes before it.
      string(LENGTH "${hashes}" level)
      if(level LESS_EQUAL 2)
        foreach(diagram IN LISTS pending)
          _emit_diagram("${diagram}")
        endforeach()
        if(in_exercises AND NOT extra_done)
          string(APPEND result "\n${exercises_extra}\n")
          set(extra_done TRUE)
        endif()
        set(in_exercises FALSE)
        if(heading MATCHES "^Exercises")
          set(in_exercises TRUE)
        endif()
        foreach(diagram IN LISTS diagrams)
          string(FIND "${heading}" "${diagram_${diagram}_section}" at)
          if(at GREATER_EQUAL 0)
            list(APPEND pending "${diagram}")
            list(APPEND diagrams_placed "${diagram}")
          endif()
        endforeach()
        set(blocks 0)
        set(in_block FALSE)
      endif()
      _slug(slug "${heading}")
      set(heading_label "${heading_label_${slug}}")
      if(heading_label IN_LIST labels_given)
        # A second heading with the same text: labelled in the first pass as _2, _3...
        set(n 2)
        _label_of_slug(name "${slug}")
        set(heading_label "${label}_${name}_${n}")
        while(heading_label IN_LIST labels_given)
          math(EXPR n "${n} + 1")
          set(heading_label "${label}_${name}_${n}")
        endwhile()
      endif()
      list(APPEND labels_given "${heading_label}")
      _rewrite_links(heading "${base}")
      # Doxygen 1.9.4 shows code in a heading as "<tt>...</tt>" in the table of contents
      # and the navigation tree: headings lose their backticks.
      string(REPLACE "`" "" heading "${heading}")
      string(APPEND result "${hashes} ${heading} {#${heading_label}}\n")
      continue()
    endif()
    set(in_block TRUE)
    _rewrite_links(line "${base}")
    if(line MATCHES "^ *\\|")
      _table_code_spans(line)
    endif()
    string(APPEND result "${line}\n")
  endforeach()
  foreach(diagram IN LISTS pending)
    _emit_diagram("${diagram}")
  endforeach()
  if(NOT exercises_extra STREQUAL "" AND NOT extra_done)
    if(NOT in_exercises)
      string(APPEND result "\n## Exercises {#${label}_exercises_on_this_site}\n")
    endif()
    string(APPEND result "\n${exercises_extra}\n")
  endif()
  foreach(diagram IN LISTS diagrams)
    if(NOT diagram IN_LIST diagrams_placed)
      message(FATAL_ERROR "docs/diagrams/${diagram}: no heading of ${file} contains "
                          "'${diagram_${diagram}_section}'")
    endif()
  endforeach()
  # Doxygen's warnings name this generated page; the comment names the file to fix.
  string(APPEND result "\n<!-- Generated by docs/generate_pages.cmake from ${file}: edit that file. -->\n")
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# ---------------------------------------------------------------------------------------
# Example programs: the code without its closing comment, and that comment (the expected
# output) as text and console blocks.

# _example_section(<out> <chapter> <file>)
function(_example_section out nn file)
  set(dir "${chapter_${nn}_dir}")
  file(READ "${SOURCE_DIR}/chapters/${dir}/${file}" code)
  string(REGEX REPLACE "\n+$" "\n" code "${code}")
  # The closing comment block: the last lines, all of them comments.
  set(output_comment "")
  string(REGEX MATCH "\n(//[^\n]*\n)+$" output_comment "${code}")
  string(LENGTH "${code}" code_length)
  string(LENGTH "${output_comment}" comment_length)
  math(EXPR kept "${code_length} - ${comment_length}")
  string(SUBSTRING "${code}" 0 ${kept} program)
  string(REGEX REPLACE "\n+$" "\n" program "${program}")
  file(WRITE "${examples_dir}/${dir}/${file}" "${program}")

  get_filename_component(stem "${file}" NAME_WE)
  string(REGEX MATCH "^[0-9][0-9]" mm "${stem}")
  # Its first line says what it shows: "// 02_start_and_join.cpp: fork() a child, ..."
  set(summary "")
  if(program MATCHES "^// *[^ :\n]+\\.cpp: *([^\n]+)")
    set(summary "${CMAKE_MATCH_1}")
  endif()
  string(REGEX MATCHALL "\n" newlines "${program}")
  list(LENGTH newlines line_count)

  set(md "### ${file} {#example_${nn}_${stem}}\n\n")
  if(NOT summary STREQUAL "")
    string(APPEND md "${summary}\n\n")
  endif()
  string(APPEND md "Run it with `./course run ${nn}/${mm}`, or build it alone with "
                   "`g++ -std=c++20 -pthread chapters/${dir}/${file} -o ${stem}`.\n\n")
  string(APPEND md "<details><summary>The program: <code>chapters/${dir}/${file}</code>, "
                   "${line_count} lines</summary>\n\\include{lineno} ${dir}/${file}\n</details>\n\n")

  if(output_comment STREQUAL "")
    set(${out} "${md}" PARENT_SCOPE)
    return()
  endif()
  _split_lines(comment "${output_comment}")
  set(in_code FALSE)
  foreach(line IN LISTS comment)
    _decode(line)
    string(REGEX REPLACE "^// ?" "" line "${line}")
    if(line MATCHES "^  ")
      if(NOT in_code)
        string(APPEND md "```console\n")
        set(in_code TRUE)
      endif()
      string(REGEX REPLACE "^  " "" line "${line}")
      string(APPEND md "${line}\n")
    elseif(line STREQUAL "")
      # Blank comment lines separate the parts; inside output they are part of it.
      if(in_code)
        string(APPEND md "\n")
      endif()
    else()
      if(in_code)
        string(REGEX REPLACE "\n+$" "\n" md "${md}")
        string(APPEND md "```\n\n")
        set(in_code FALSE)
      endif()
      string(APPEND md "${line}\n\n")
    endif()
  endforeach()
  if(in_code)
    string(REGEX REPLACE "\n+$" "\n" md "${md}")
    string(APPEND md "```\n")
  endif()
  string(APPEND md "\n")
  set(${out} "${md}" PARENT_SCOPE)
endfunction()

# ---------------------------------------------------------------------------------------
# Exercise headers: what each one documents (the specification), found by its `///` block.

# _documented_entities(<out> <header path>): qualified names, in file order.
# Only what a `///` block documents directly inside `namespace course`: classes, structs,
# enums and free functions. Members come with their class's page; helper namespaces that
# stubs keep for themselves (course::something_todo, course::detail) are not the
# specification. Braces are counted (outside comments and literals) to know the scope.
function(_documented_entities out path)
  file(READ "${path}" text)
  _split_lines(lines "${text}")
  set(depth 0)
  set(course_depth -1)  # brace depth just inside `namespace course {`, once seen
  set(after_doc FALSE)
  set(found "")
  foreach(line IN LISTS lines)
    _decode(line)
    set(is_doc FALSE)
    if(line MATCHES "^ *///[^<]" OR line MATCHES "^ *///$")
      set(is_doc TRUE)
    endif()
    # The code of the line, without comments, string or character literals.
    string(REGEX REPLACE "//.*$" "" code "${line}")
    string(REGEX REPLACE "\"([^\"\\\\]|\\\\.)*\"" "\"\"" code "${code}")
    string(REGEX REPLACE "'([^'\\\\]|\\\\.)*'" "''" code "${code}")
    set(depth_before ${depth})
    string(REGEX MATCHALL "{" opens "${code}")
    string(REGEX MATCHALL "}" closes "${code}")
    list(LENGTH opens open_count)
    list(LENGTH closes close_count)
    math(EXPR depth "${depth} + ${open_count} - ${close_count}")
    if(code MATCHES "^ *namespace +course *{")
      set(course_depth ${depth})
      continue()
    endif()
    if(is_doc)
      set(after_doc TRUE)
      continue()
    endif()
    if(NOT after_doc OR code MATCHES "^ *$")
      continue()
    endif()
    # template heads, constraints and attributes come before the declaration's name.
    if(code MATCHES "^ *(template *<|requires|\\[\\[[^]]*\\]\\] *$)" OR code MATCHES "^ *[A-Za-z_:]+ *[,>]")
      continue()
    endif()
    set(after_doc FALSE)
    if(NOT depth_before EQUAL course_depth)
      continue()  # a member, or something in a nested namespace
    endif()
    string(REGEX REPLACE "\\[\\[[^]]*\\]\\]" "" code "${code}")
    if(code MATCHES "^ *(struct|class|enum class|enum|union) +([A-Za-z_][A-Za-z0-9_]*)")
      list(APPEND found "course::${CMAKE_MATCH_2}")
    elseif(code MATCHES "operator")
      continue()
    elseif(code MATCHES "([A-Za-z_][A-Za-z0-9_]*) *\\(")
      set(name "${CMAKE_MATCH_1}")
      if(NOT name MATCHES "^(requires|decltype|noexcept|sizeof|alignof|static_assert)$")
        list(APPEND found "course::${name}")
      endif()
    endif()
  endforeach()
  list(REMOVE_DUPLICATES found)
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

# ---------------------------------------------------------------------------------------
# The pages.

set(course_index "# Course contents {#course_index}\n\n")
string(APPEND course_index
       "Every chapter, example program and exercise of the course, in the order of "
       "`exercises/info.json`. A chapter's page holds its lesson, its diagrams and its "
       "example programs with their expected output; each exercise has a page with its "
       "specification and hints.\n\n")
set(total_exercises 0)
set(total_points 0)
set(main_contents "")

foreach(nn IN LISTS chapters)
  set(dir "${chapter_${nn}_dir}")
  set(title "Chapter ${nn}: ${chapter_${nn}_title}")
  set(exercises "${chapter_${nn}_exercises}")

  # The exercise pages, and the chapter's exercise guide above them.
  set(exercise_list "")
  foreach(name IN LISTS exercises)
    set(e ${COURSE_EXERCISE_${name}_INDEX})
    set(e_title "${COURSE_EXERCISE_${name}_TITLE}")
    set(points ${COURSE_EXERCISE_${name}_POINTS})
    set(time_limit ${COURSE_EXERCISE_${name}_TIME_LIMIT})
    math(EXPR total_points "${total_points} + ${points}")
    math(EXPR total_exercises "${total_exercises} + 1")
    math(EXPR number "${e} + 1")
    set(exercise_${name}_title "${e_title}")
    string(APPEND exercise_list "${number}. \\subpage exercise_${name} \"${nn}/${name}\": ${e_title} (${points} points)\n")

    set(python "${COURSE_EXERCISE_${name}_PYTHON}")
    set(files_md "")
    set(entities "")
    foreach(file IN LISTS exercise_${name}_files)
      if(files_md STREQUAL "")
        set(files_md "`exercises/${dir}/${file}`")
      else()
        string(APPEND files_md ", `exercises/${dir}/${file}`")
      endif()
      if(file MATCHES "\\.(h|hpp|hh|hxx)$" AND EXISTS "${SOURCE_DIR}/exercises/${dir}/${file}")
        _documented_entities(found "${SOURCE_DIR}/exercises/${dir}/${file}")
        list(APPEND entities ${found})
      endif()
    endforeach()

    set(page "# Exercise ${nn}/${name}: ${e_title} {#exercise_${name}}\n\n")
    string(APPEND page "| exercise | `${nn}/${name}` |\n| --- | --- |\n")
    string(APPEND page "| chapter | @ref chapter_${nn} \"${title}\" (@ref exercises_${nn} \"all its exercises\") |\n")
    if(NOT python STREQUAL "")
      string(APPEND page "| the Python it mirrors | ${python} |\n")
    endif()
    string(APPEND page "| points | ${points} |\n")
    string(APPEND page "| time limit | ${time_limit} s for one run of its tests |\n")
    string(APPEND page "| the file you edit | ${files_md} |\n")
    string(APPEND page "| check it | `./course check ${nn}/${name}` |\n\n")
    string(APPEND page "## Specification {#exercise_${name}_specification}\n\n")
    string(APPEND page
           "The comment above each function in the file you edit is its specification. "
           "Here it is as the header's reference shows it; the test cases are in "
           "`tests/${dir}/test_${name}.cpp`.\n\n")
    foreach(entity IN LISTS entities)
      string(REGEX REPLACE "^.*::" "" short "${entity}")
      string(APPEND page "### ${short} {#exercise_${name}_${short}}\n\n")
      string(APPEND page "\\copydoc ${entity}\n\n")
      string(APPEND page "(Reference: @ref ${entity}.)\n\n")
    endforeach()
    if(entities STREQUAL "")
      string(APPEND page "Read the `TODO` comments in ${files_md}.\n\n")
    endif()

    set(hint_count ${COURSE_EXERCISE_${name}_HINT_COUNT})
    if(hint_count GREATER 0)
      string(APPEND page "## Hints {#exercise_${name}_hints}\n\n")
      string(APPEND page
             "Try on your own first. Each hint says a little more than the one before; "
             "`./course hint ${nn}/${name}` shows them one at a time in the terminal.\n\n")
      foreach(hint_number RANGE 1 ${hint_count})
        set(hint "${COURSE_EXERCISE_${name}_HINT_${hint_number}}")
        string(APPEND page "<details><summary>Hint ${hint_number} of ${hint_count}</summary>\n${hint}\n</details>\n\n")
      endforeach()
    endif()
    file(WRITE "${pages_dir}/x_exercise_${name}.md" "${page}")
  endforeach()

  if(exercises)
    set(guide_file "exercises/${dir}/README.md")
    set(guide_extra "\n## One page per exercise {#exercises_${nn}_pages}\n\n${exercise_list}\n")
    if(EXISTS "${SOURCE_DIR}/${guide_file}")
      _transform_markdown(guide "${guide_file}" "exercises_${nn}" "Exercises of chapter ${nn}: ${chapter_${nn}_title}" "" "")
      string(APPEND guide "${guide_extra}")
    else()
      set(guide "# Exercises of chapter ${nn}: ${chapter_${nn}_title} {#exercises_${nn}}\n\n")
      string(APPEND guide "Read @ref chapter_${nn} \"the lesson\" first.\n${guide_extra}")
    endif()
    file(WRITE "${pages_dir}/x_exercises_${nn}.md" "${guide}")
  endif()

  # The chapter page: the lesson, then its example programs.
  set(exercises_extra "")
  if(exercises)
    set(exercises_extra "On this site: \\subpage exercises_${nn} \"the exercise guide of chapter ${nn}\", and one page per exercise:\n\n")
    set(i 0)
    foreach(name IN LISTS exercises)
      math(EXPR i "${i} + 1")
      string(APPEND exercises_extra "${i}. @ref exercise_${name} \"${nn}/${name}\": ${exercise_${name}_title}\n")
    endforeach()
  endif()
  set(lesson_file "chapters/${dir}/README.md")
  if(EXISTS "${SOURCE_DIR}/${lesson_file}")
    _transform_markdown(chapter "${lesson_file}" "chapter_${nn}" "" "${chapter_${nn}_diagrams}" "${exercises_extra}")
  else()
    set(chapter "# ${title} {#chapter_${nn}}\n\nThe lesson of this chapter is not written yet.\n\n")
    if(exercises)
      string(APPEND chapter "## Exercises\n\n${exercises_extra}\n")
    endif()
  endif()
  if(chapter_${nn}_examples)
    set(notation_explained "@ref chapter_01_reading_the_expected_output \"the first chapter\"")
    if(nn STREQUAL "01")
      set(notation_explained "@ref chapter_01_reading_the_expected_output \"the lesson above\"")
    endif()
    string(APPEND chapter "\n## Example programs {#chapter_${nn}_example_programs}\n\n")
    string(APPEND chapter
           "Each program is a single file that builds with the compiler alone. Its source is "
           "folded below its description (click to open it); its output follows, as the "
           "program's closing comment gives it and the course's tests check it: `<n>` stands "
           "for a number that varies from run to run, `<...>` for any text within the line, "
           "a line `...` for any number of lines, and lines that start with `~` may come in "
           "any order (${notation_explained} explains it).\n\n")
    foreach(file IN LISTS chapter_${nn}_examples)
      _example_section(section ${nn} "${file}")
      string(APPEND chapter "${section}")
    endforeach()
  endif()
  if(chapter_${nn}_others)
    string(APPEND chapter "\n## Other files {#chapter_${nn}_other_files}\n\n")
    string(APPEND chapter "More files of `chapters/${dir}/` that the lesson refers to.\n\n")
    foreach(other IN LISTS chapter_${nn}_others)
      file(READ "${SOURCE_DIR}/chapters/${dir}/${other}" content)
      file(WRITE "${examples_dir}/${dir}/${other}" "${content}")
      string(REGEX MATCHALL "\n" newlines "${content}")
      list(LENGTH newlines line_count)
      string(APPEND chapter "### ${other} {#${other_chapters/${dir}/${other}}}\n\n")
      string(APPEND chapter "<details><summary>The file: <code>chapters/${dir}/${other}</code>, "
                            "${line_count} lines</summary>\n\\include{lineno} ${dir}/${other}\n</details>\n\n")
    endforeach()
  endif()
  file(WRITE "${pages_dir}/a${chapter_${nn}_order}_chapter_${nn}.md" "${chapter}")

  # The course index.
  # (A \ref inside a heading is printed as it is: the link goes on the next line.)
  string(APPEND course_index "## ${title} {#course_index_${nn}}\n\n")
  string(APPEND course_index "The lesson: @ref chapter_${nn} \"${title}\".\n\n")
  list(LENGTH chapter_${nn}_examples example_count)
  if(example_count GREATER 0)
    string(APPEND course_index "Example programs:\n\n")
    foreach(file IN LISTS chapter_${nn}_examples)
      get_filename_component(stem "${file}" NAME_WE)
      string(APPEND course_index "- @ref example_${nn}_${stem} \"${file}\"\n")
    endforeach()
    string(APPEND course_index "\n")
  endif()
  if(exercises)
    string(APPEND course_index "Exercises (@ref exercises_${nn} \"the guide\"):\n\n")
    foreach(name IN LISTS exercises)
      string(APPEND course_index "- @ref exercise_${name} \"${nn}/${name}\": ${exercise_${name}_title}\n")
    endforeach()
    string(APPEND course_index "\n")
  else()
    string(APPEND course_index "Exercises: none yet.\n\n")
  endif()
  string(APPEND main_contents "- @ref chapter_${nn} \"${title}\"\n")
endforeach()

string(APPEND course_index "In all: ${chapter_count} chapters, ${total_exercises} exercises, ${total_points} points.\n")
file(WRITE "${pages_dir}/b_course_index.md" "${course_index}")

# docs/*.md
set(doc_contents "")
foreach(doc IN LISTS doc_pages)
  get_filename_component(stem "${doc}" NAME_WE)
  _transform_markdown(page "docs/${doc}" "doc_${stem}" "" "" "")
  file(WRITE "${pages_dir}/c_doc_${stem}.md" "${page}")
  string(APPEND doc_contents "- @ref doc_${stem}\n")
endforeach()

# The main page: README.md, and the site's contents in course order.
_transform_markdown(main "README.md" "index" "" "" "")
string(REPLACE "[TOC]\n" "" main "${main}")
string(REGEX REPLACE "^# ([^\n]*) \\{#index\\}" "# \\1" main "${main}")
string(APPEND main "\n## The pages of this site {#index_pages_of_this_site}\n\n")
string(APPEND main "The chapters in course order, each with its lesson, diagrams, example programs and exercises:\n\n")
string(APPEND main "${main_contents}\n")
string(APPEND main "- @ref course_index \"Course contents\": every example and exercise on one page\n")
string(APPEND main "${doc_contents}")
file(WRITE "${pages_dir}/index.md" "${main}")

message(STATUS "docs: pages for ${chapter_count} chapters and ${total_exercises} exercises written to ${pages_dir}")
