// uPlot (https://github.com/leeoniya/uPlot, MIT), embedded into the binary at
// build time so that an HTML report can inline it and open without a network.
// The bytes come from framework/report/assets/node_modules/uplot (pinned by
// package-lock.json next to this header); framework/report/CMakeLists.txt
// installs them with npm when missing and writes the definitions.
#pragma once

#include <string_view>

namespace gansweep::report {

// dist/uPlot.iife.min.js: defines the global `uPlot` when run in a <script>.
// It contains no "</script" (checked at build time), so it can be inlined as is.
std::string_view uplot_js();
// dist/uPlot.min.css: the styles uPlot's legend, cursor and axes expect.
std::string_view uplot_css();
// The installed package's version, e.g. "1.6.32".
std::string_view uplot_version();

}  // namespace gansweep::report
