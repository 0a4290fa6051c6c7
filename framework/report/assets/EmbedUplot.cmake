# Writes OUTPUT, a C++ source defining gansweep::report::uplot_js(),
# uplot_css() and uplot_version() (declared in uplot_assets.h beside this
# file), from uPlot's installed dist files. The bytes become unsigned char
# arrays written in hex, so no content of the files can break the source.
#
# Run by framework/report/CMakeLists.txt as
#   cmake -DJS=... -DCSS=... -DPACKAGE_JSON=... -DLOCK=... -DOUTPUT=... -P EmbedUplot.cmake

foreach(var JS CSS PACKAGE_JSON LOCK OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "EmbedUplot.cmake: -D${var}=... is required")
  endif()
endforeach()
get_filename_component(assets_dir "${LOCK}" DIRECTORY)

# The installed uPlot must be the one package-lock.json pins: node_modules is
# installed only when missing, so a lock that moved on needs a fresh npm ci.
file(READ "${PACKAGE_JSON}" package_json)
if(NOT package_json MATCHES "\"version\"[ \t\r\n]*:[ \t\r\n]*\"([^\"]+)\"")
  message(FATAL_ERROR "EmbedUplot.cmake: no version in ${PACKAGE_JSON}")
endif()
set(version "${CMAKE_MATCH_1}")
file(READ "${LOCK}" lock)
if(NOT lock MATCHES "\"node_modules/uplot\"[ \t\r\n]*:[ \t\r\n]*{[^}]*\"version\"[ \t\r\n]*:[ \t\r\n]*\"([^\"]+)\"")
  message(FATAL_ERROR "EmbedUplot.cmake: ${LOCK} does not pin node_modules/uplot")
endif()
set(pinned "${CMAKE_MATCH_1}")
if(NOT version STREQUAL pinned)
  message(FATAL_ERROR
    "uPlot ${version} is installed in ${assets_dir}/node_modules, but "
    "package-lock.json pins ${pinned}. Reinstall it with:\n"
    "  cd ${assets_dir} && npm ci --ignore-scripts --no-audit --no-fund")
endif()
if(NOT version MATCHES "^[0-9A-Za-z.+-]+$")
  message(FATAL_ERROR "EmbedUplot.cmake: unexpected uPlot version '${version}'")
endif()

# Turns FILE into the body of a C array: "0x2f,0x2a,...", 16 bytes a line.
function(hex_array file out_var)
  file(READ "${file}" hex HEX)
  if(hex STREQUAL "")
    message(FATAL_ERROR "EmbedUplot.cmake: ${file} is empty")
  endif()
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(REPEAT "0x[0-9a-f][0-9a-f]," 16 line)  # CMake's regex has no {16}
  string(REGEX REPLACE "(${line})" "\\1\n" hex "${hex}")
  set(${out_var} "${hex}" PARENT_SCOPE)
endfunction()

file(READ "${JS}" js_text)
string(TOLOWER "${js_text}" js_lower)
string(FIND "${js_lower}" "</script" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "EmbedUplot.cmake: ${JS} contains \"</script\" and cannot be inlined")
endif()

hex_array("${JS}" js_bytes)
hex_array("${CSS}" css_bytes)
file(WRITE "${OUTPUT}.tmp"
"// Generated at build time by framework/report/assets/EmbedUplot.cmake from
// uPlot ${version}: dist/uPlot.iife.min.js and dist/uPlot.min.css. Do not edit.
#include \"report/assets/uplot_assets.h\"

namespace gansweep::report {
namespace {

const unsigned char kUplotJs[] = {
${js_bytes}};

const unsigned char kUplotCss[] = {
${css_bytes}};

}  // namespace

std::string_view uplot_js() {
  return {reinterpret_cast<const char*>(kUplotJs), sizeof kUplotJs};
}

std::string_view uplot_css() {
  return {reinterpret_cast<const char*>(kUplotCss), sizeof kUplotCss};
}

std::string_view uplot_version() { return \"${version}\"; }

}  // namespace gansweep::report
")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
