// Small text helpers shared by config errors and the command line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gansweep {

// Levenshtein distance, for "did you mean" suggestions.
int edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a likely typo
// (distance at most 2, and less than the word's length), else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// "a, b or c".
std::string join_choices(const std::vector<std::string>& choices);

// A name made safe as a single file name: letters, digits, '-', '_' and '.'
// are kept, runs of anything else become one '_', leading dots are dropped,
// and the result is at most 80 bytes; "sweep" when nothing is left.
std::string safe_file_name(std::string_view name);

}  // namespace gansweep
