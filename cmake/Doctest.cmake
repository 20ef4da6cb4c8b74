# doctest: the system package when present (Debian's doctest-dev), else fetched once.
find_package(doctest 2.4 QUIET)
if(doctest_FOUND)
  message(STATUS "doctest: using ${doctest_DIR}")
else()
  message(STATUS "doctest: not installed on this machine, fetching v2.4.11")
  include(FetchContent)
  set(DOCTEST_NO_INSTALL ON CACHE BOOL "" FORCE)
  FetchContent_Declare(
    doctest
    GIT_REPOSITORY https://github.com/doctest/doctest.git
    GIT_TAG ae7a13539fb71f270b87eb2e874fbac80bc8dda2 # v2.4.11
  )
  FetchContent_MakeAvailable(doctest)
endif()
