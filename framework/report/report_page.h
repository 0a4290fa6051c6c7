// The report page's fixed parts: markup, style and the script that draws
// the data. Torch-free.
#pragma once

#include <string>
#include <string_view>

namespace gansweep::report {

// `title_html` is already escaped; `data_json` is safe inside <script>
// (json_for_script). uPlot's code and style are inlined as given, with any
// "</script" in them broken up.
std::string render_page(const std::string& title_html, const std::string& data_json,
                        std::string_view uplot_css, std::string_view uplot_js);

}  // namespace gansweep::report
