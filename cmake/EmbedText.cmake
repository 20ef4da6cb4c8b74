# Writes a header that holds a text file as a string constant.
# cmake -DINPUT=<file> -DOUTPUT=<header> -DNAME=<identifier> -P EmbedText.cmake
file(READ "${INPUT}" text)
# A raw string literal keeps the text as it is; its delimiter must not occur in it.
if(text MATCHES "\\)COURSE_TEXT\"")
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter )COURSE_TEXT\"")
endif()
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}.new" "// Generated from ${name} by cmake/EmbedText.cmake: edit that file, not this one.\n#pragma once\n\ninline constexpr const char* ${NAME} = R\"COURSE_TEXT(${text})COURSE_TEXT\";\n")
file(COPY_FILE "${OUTPUT}.new" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.new")
