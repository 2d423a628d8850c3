# ctest fixture setup (zephyr_tree): unpacks the trimmed Zephyr 3.7.1 tree from ../shared once
# into the build tree, for the real Zephyr builds (LABELS zephyr). Re-extracts only when the
# tarball changes (size + mtime in a stamp file). Without the tarball it prints why and leaves
# nothing, and the tests that need the tree skip.
# Usage: cmake -DTARBALL=... -DDEST=... -P extract_tree.cmake
if(NOT EXISTS "${TARBALL}")
  message("skip: ${TARBALL} is absent (../shared not available): real Zephyr tests will skip")
  return()
endif()
file(SIZE "${TARBALL}" _size)
file(TIMESTAMP "${TARBALL}" _mtime "%s" UTC)
set(_stamp "${_size} ${_mtime}")
if(EXISTS "${DEST}/.utvm-extracted")
  file(READ "${DEST}/.utvm-extracted" _old)
  if(_old STREQUAL _stamp AND EXISTS "${DEST}/zephyr/VERSION")
    message("Zephyr tree already extracted in ${DEST}")
    return()
  endif()
endif()
file(REMOVE_RECURSE "${DEST}" "${DEST}.partial")
file(ARCHIVE_EXTRACT INPUT "${TARBALL}" DESTINATION "${DEST}.partial")
file(WRITE "${DEST}.partial/.utvm-extracted" "${_stamp}")
file(RENAME "${DEST}.partial" "${DEST}")
message("Extracted ${TARBALL} into ${DEST}")
