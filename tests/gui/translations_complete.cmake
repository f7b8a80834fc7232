# CTest: the German and Simplified Chinese translations cover every string of the console.
# lupdate is run on copies of the .ts files against the current sources; any entry it marks
# unfinished (a new or changed string nobody translated) fails the test.
file(MAKE_DIRECTORY ${WORK})
foreach(lang de zh_CN)
  configure_file(${SOURCE}/translations/portico_${lang}.ts ${WORK}/portico_${lang}.ts COPYONLY)
  execute_process(COMMAND ${LUPDATE} ${SOURCE}/gui -extensions cpp,h -no-obsolete -locations none
                          -ts ${WORK}/portico_${lang}.ts
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lupdate failed for ${lang}")
  endif()
  file(STRINGS ${WORK}/portico_${lang}.ts unfinished REGEX "type=\"unfinished\"")
  list(LENGTH unfinished count)
  if(count GREATER 0)
    message(FATAL_ERROR "portico_${lang}.ts: ${count} untranslated entries (run lupdate, then translate)")
  endif()
endforeach()
message(STATUS "translations complete")
