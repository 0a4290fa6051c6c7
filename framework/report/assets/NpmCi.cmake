# Installs node_modules in ASSETS_DIR with `npm ci`, as package-lock.json
# pins it, or fails with what to do. Run at build time by
# framework/report/CMakeLists.txt as
#   cmake -DASSETS_DIR=... -P NpmCi.cmake
# npm is looked for here, at build time, so that one installed after cmake ran
# is used without reconfiguring.

if(NOT DEFINED ASSETS_DIR)
  message(FATAL_ERROR "NpmCi.cmake: -DASSETS_DIR=... is required")
endif()
set(args ci --ignore-scripts --no-audit --no-fund)
string(REPLACE ";" " " command_text "npm;${args}")

find_program(npm_program npm)
if(NOT npm_program)
  message(FATAL_ERROR
    "npm is needed to install uPlot into ${ASSETS_DIR}/node_modules for gansweep's "
    "HTML report, and it is not on PATH. Run tools/setup (it installs Debian's "
    "nodejs and npm), or install Node.js some other way, then build again.")
endif()
execute_process(
  COMMAND ${npm_program} ${args}
  WORKING_DIRECTORY ${ASSETS_DIR}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR
    "`${command_text}` failed (${rc}) in ${ASSETS_DIR}. It needs Node.js "
    "(`node` on PATH) and the npm registry; tools/setup installs both packages.")
endif()
