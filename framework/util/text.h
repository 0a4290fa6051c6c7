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

// Whether the bytes are well-formed UTF-8 (no overlong forms, no surrogates).
bool is_valid_utf8(std::string_view text);

// Why `name` cannot name a sweep ("" when it can): it must be 1 to 200
// bytes of valid UTF-8 without control characters (C0, DEL, C1) or the
// Unicode line separators and bidirectional overrides that can disguise
// text on a terminal.
std::string sweep_name_problem(std::string_view name);

// Text echoed in an error message: at most 40 characters (then "..."), with
// control characters shown as '?', so a huge or binary value cannot flood
// the terminal.
std::string shorten_for_message(std::string_view text);
// The same in single quotes.
std::string quote_for_message(std::string_view text);

// A name made safe as a single file name: letters, digits, '-', '_' and '.'
// are kept, runs of anything else become one '_', leading dots are dropped,
// and the result is at most 80 bytes; "sweep" when nothing is left.
std::string safe_file_name(std::string_view name);

}  // namespace gansweep
