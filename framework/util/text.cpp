#include "util/text.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace gansweep {

int edit_distance(std::string_view a, std::string_view b) {
  std::vector<int> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const int above = row[j];
      const int substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  int best_distance = 3;
  for (const auto& candidate : candidates) {
    const int d = edit_distance(word, candidate);
    if (d < best_distance && d < static_cast<int>(word.size())) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::string join_choices(const std::vector<std::string>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += (i + 1 == choices.size()) ? " or " : ", ";
    out += choices[i];
  }
  return out;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    int extra = 0;
    std::uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      code = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      code = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    for (int k = 1; k <= extra; ++k) {
      if (i + k >= text.size()) return false;
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    constexpr std::uint32_t kSmallest[] = {0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string sweep_name_problem(std::string_view name) {
  if (name.empty()) return "is empty; expected the sweep's name";
  if (name.size() > 200) {
    return "is " + std::to_string(name.size()) + " bytes long; expected at most 200";
  }
  if (!is_valid_utf8(name)) return "is not valid UTF-8 text";
  for (std::size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    const int length = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
    std::uint32_t code = length == 1 ? c : c & (0x7f >> length);
    for (int k = 1; k < length; ++k) {
      code = (code << 6) | (static_cast<unsigned char>(name[i + k]) & 0x3f);
    }
    i += length;
    const bool control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    const bool disguising = code == 0x2028 || code == 0x2029 ||
                            (code >= 0x202a && code <= 0x202e) ||
                            (code >= 0x2066 && code <= 0x2069);
    if (control || disguising) {
      return "contains a control character (newline, tab, escape, ...); expected printable text";
    }
  }
  return "";
}

std::string shorten_for_message(std::string_view text) {
  constexpr std::size_t kLimit = 40;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kLimit; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : text[i];
  }
  if (text.size() > kLimit) out += "...";
  return out;
}

std::string quote_for_message(std::string_view text) {
  return "'" + shorten_for_message(text) + "'";
}

std::string safe_file_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.') {
      out += c;
    } else if (out.empty() || out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && (out.front() == '.' || out.front() == '_')) {
    out.erase(out.begin());
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.size() > 80) out.resize(80);
  if (out.empty() || out == "." || out == "..") return "sweep";
  return out;
}

}  // namespace gansweep
