#include "ingest/identifiers.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace ketenflow::ingest {
namespace {

constexpr std::string_view kRemoved = "<removed>";

enum class Kind : uint8_t { kDigits, kSeparator, kAt, kIgnorable, kOther };

// One code point of the text as the rules read it.
struct Token {
  size_t begin = 0;
  size_t end = 0;
  Kind kind = Kind::kOther;
  // The single ASCII character the code point normalises to, or 0.
  char ascii = 0;
  // A letter, mark or number outside ASCII (part of an internationalised address).
  bool word = false;
  // kDigits: the digits it stands for (a circled ten is "10").
  uint8_t digit_count = 0;
  char digits[6] = {};
};

bool ascii_separator(char c) {
  return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/' || c == '_';
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

void classify_ascii(char c, Token& t) {
  t.ascii = c;
  if (c >= '0' && c <= '9') {
    t.kind = Kind::kDigits;
    t.digits[0] = c;
    t.digit_count = 1;
  } else if (ascii_separator(c)) {
    t.kind = Kind::kSeparator;
  } else if (c == '@') {
    t.kind = Kind::kAt;
  } else {
    t.kind = Kind::kOther;
  }
}

// Decimal digits come in runs of ten, 0 to 9 (a Unicode stability policy):
// the value of one is its distance from the start of its run, modulo 10.
int decimal_value(utf8proc_int32_t cp) {
  int before = 0;
  while (cp - before - 1 >= 0 && utf8proc_category(cp - before - 1) == UTF8PROC_CATEGORY_ND) {
    ++before;
  }
  return before % 10;
}

void classify(utf8proc_int32_t cp, Token& t) {
  if (cp < 0x80) {
    classify_ascii(static_cast<char>(cp), t);
    return;
  }
  if (utf8proc_get_property(cp)->ignorable) {
    t.kind = Kind::kIgnorable;
    return;
  }
  const utf8proc_category_t category = utf8proc_category(cp);
  if (category == UTF8PROC_CATEGORY_ND) {
    t.kind = Kind::kDigits;
    t.digits[0] = static_cast<char>('0' + decimal_value(cp));
    t.digit_count = 1;
    t.ascii = t.digits[0];
    return;
  }
  if (category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_PD) {
    t.kind = Kind::kSeparator;
    t.ascii = category == UTF8PROC_CATEGORY_ZS ? ' ' : '-';
    return;
  }
  // The compatibility decomposition (what NFKC starts from): full-width forms,
  // circled and superscript digits, the small and full-width commercial at.
  utf8proc_int32_t decomposed[8];
  const utf8proc_ssize_t n = utf8proc_decompose_char(
      cp, decomposed, 8, static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT),
      nullptr);
  if (n >= 1 && n <= 6 && std::all_of(decomposed, decomposed + n, [](utf8proc_int32_t d) {
        return d >= '0' && d <= '9';
      })) {
    t.kind = Kind::kDigits;
    for (utf8proc_ssize_t i = 0; i < n; ++i) t.digits[i] = static_cast<char>(decomposed[i]);
    t.digit_count = static_cast<uint8_t>(n);
    t.ascii = n == 1 ? t.digits[0] : 0;
    return;
  }
  if (n == 1 && decomposed[0] < 0x80) {
    classify_ascii(static_cast<char>(decomposed[0]), t);
    return;
  }
  t.kind = Kind::kOther;
  t.word = (category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_NO);
}

// `text` as tokens; with `json_escapes`, "\uXXXX" is one token for its code
// point. Bytes that are not UTF-8 are tokens of their own (kOther).
std::vector<Token> tokenize(std::string_view text, bool json_escapes) {
  std::vector<Token> tokens;
  tokens.reserve(text.size());
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  for (size_t i = 0; i < text.size();) {
    Token t;
    t.begin = i;
    if (json_escapes && text[i] == '\\' && i + 6 <= text.size() && text[i + 1] == 'u' &&
        std::all_of(text.begin() + i + 2, text.begin() + i + 6, is_hex)) {
      const auto cp = static_cast<utf8proc_int32_t>(
          std::stoul(std::string(text.substr(i + 2, 4)), nullptr, 16));
      classify(cp, t);
      i += 6;
    } else {
      utf8proc_int32_t cp = -1;
      const utf8proc_ssize_t len =
          utf8proc_iterate(bytes + i, static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
      if (len <= 0) {
        t.kind = Kind::kOther;
        i += 1;
      } else {
        classify(cp, t);
        i += static_cast<size_t>(len);
      }
    }
    t.end = i;
    tokens.push_back(t);
  }
  return tokens;
}

bool alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool local_char(const Token& t) {
  switch (t.kind) {
    case Kind::kDigits:
      return true;
    case Kind::kSeparator:
      return t.ascii == '-' || t.ascii == '.' || t.ascii == '_' || t.ascii == '/';
    case Kind::kOther:
      return t.word ||
             (t.ascii != 0 && (alnum(t.ascii) || std::string_view("!#$%&*+=?^~").find(t.ascii) !=
                                                     std::string_view::npos));
    default:
      return false;
  }
}

bool domain_start(const Token& t) {
  return t.kind == Kind::kDigits || (t.kind == Kind::kOther && (t.word || alnum(t.ascii)));
}

bool domain_char(const Token& t) {
  return domain_start(t) || (t.kind == Kind::kSeparator && (t.ascii == '-' || t.ascii == '.'));
}

bool elfproef(std::string_view digits) {
  if (digits.size() != 9) return false;
  int sum = 0;
  for (size_t i = 0; i < 9; ++i) {
    sum += (i < 8 ? static_cast<int>(9 - i) : -1) * (digits[i] - '0');
  }
  return sum % 11 == 0;
}

using Span = std::pair<size_t, size_t>;  // token indexes [first, last]

// Every local@domain in `tokens`.
std::vector<Span> email_spans(const std::vector<Token>& tokens) {
  std::vector<Span> spans;
  const size_t n = tokens.size();
  for (size_t at = 0; at < n; ++at) {
    if (tokens[at].kind != Kind::kAt) continue;
    size_t first = at;
    bool local = false;
    while (first > 0 &&
           (local_char(tokens[first - 1]) || tokens[first - 1].kind == Kind::kIgnorable)) {
      --first;
      local = local || tokens[first].kind != Kind::kIgnorable;
    }
    size_t next = at + 1;
    while (next < n && tokens[next].kind == Kind::kIgnorable) ++next;
    if (!local || next == n || !domain_start(tokens[next])) continue;
    size_t last = next;
    while (last + 1 < n &&
           (domain_char(tokens[last + 1]) || tokens[last + 1].kind == Kind::kIgnorable)) {
      ++last;
    }
    // A sentence may end right after the address.
    while (!domain_start(tokens[last])) --last;
    spans.push_back({first, last});
  }
  return spans;
}

// Every run of digit groups joined by separators whose consecutive groups
// hold 9 digits passing the elfproef.
std::vector<Span> bsn_spans(const std::vector<Token>& tokens) {
  struct Group {
    size_t first, last;
    std::string digits;
  };
  std::vector<Span> spans;
  std::vector<Group> run;
  const auto close_run = [&] {
    for (size_t a = 0; a < run.size(); ++a) {
      std::string digits;
      for (size_t b = a; b < run.size() && digits.size() < 9; ++b) {
        digits += run[b].digits;
        if (digits.size() == 9 && elfproef(digits)) spans.push_back({run[a].first, run[b].last});
      }
    }
    run.clear();
  };
  bool in_group = false;  // the last non-ignorable token was a digit
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind == Kind::kIgnorable) continue;
    if (t.kind == Kind::kDigits) {
      if (!in_group) run.push_back({i, i, {}});
      run.back().last = i;
      run.back().digits.append(t.digits, t.digit_count);
      in_group = true;
    } else if (t.kind == Kind::kSeparator) {
      in_group = false;
    } else {
      in_group = false;
      close_run();
    }
  }
  close_run();
  return spans;
}

bool has_non_ascii(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

}  // namespace

bool looks_like_bsn(std::string_view value) {
  if (value.find_first_of("0123456789") == std::string_view::npos && !has_non_ascii(value)) {
    return false;
  }
  if (!has_non_ascii(value)) {
    // The same rule on ASCII text, without tokens (the hot path of ingest).
    size_t i = 0;
    const auto skip_separators = [&] {
      while (i < value.size() && ascii_separator(value[i])) ++i;
    };
    skip_separators();
    if (value.size() - i >= 3 && (value[i] | 0x20) == 'b' && (value[i + 1] | 0x20) == 's' &&
        (value[i + 2] | 0x20) == 'n') {
      i += 3;
      skip_separators();
      if (i < value.size() && (value[i] == ':' || value[i] == '#' || value[i] == '=')) ++i;
    }
    std::string digits;
    for (; i < value.size(); ++i) {
      if (value[i] >= '0' && value[i] <= '9') {
        digits.push_back(value[i]);
        if (digits.size() > 9) return false;
      } else if (!ascii_separator(value[i])) {
        return false;
      }
    }
    return elfproef(digits);
  }
  std::vector<Token> tokens = tokenize(value, /*json_escapes=*/false);
  std::erase_if(tokens, [](const Token& t) { return t.kind == Kind::kIgnorable; });
  size_t i = 0;
  const auto skip_separators = [&] {
    while (i < tokens.size() && tokens[i].kind == Kind::kSeparator) ++i;
  };
  skip_separators();
  const auto letter = [&](size_t at, char lower) {
    return at < tokens.size() && tokens[at].kind == Kind::kOther &&
           (tokens[at].ascii == lower || tokens[at].ascii == lower - 'a' + 'A');
  };
  if (letter(i, 'b') && letter(i + 1, 's') && letter(i + 2, 'n')) {
    i += 3;
    skip_separators();
    if (i < tokens.size() && tokens[i].kind == Kind::kOther &&
        (tokens[i].ascii == ':' || tokens[i].ascii == '#' || tokens[i].ascii == '=')) {
      ++i;
    }
  }
  std::string digits;
  for (; i < tokens.size(); ++i) {
    if (tokens[i].kind == Kind::kDigits) {
      digits.append(tokens[i].digits, tokens[i].digit_count);
      if (digits.size() > 9) return false;
    } else if (tokens[i].kind != Kind::kSeparator) {
      return false;
    }
  }
  return elfproef(digits);
}

bool looks_like_email(std::string_view value) {
  if (value.find('@') == std::string_view::npos && !has_non_ascii(value)) return false;
  return !email_spans(tokenize(value, /*json_escapes=*/false)).empty();
}

std::string mask_identifiers(std::string_view text, std::string_view keep) {
  if (text.find_first_of("0123456789@\\") == std::string_view::npos && !has_non_ascii(text)) {
    return std::string(text);
  }
  std::vector<Token> tokens = tokenize(text, /*json_escapes=*/true);
  if (!keep.empty()) {
    // The kept client_ref stands as one opaque token wherever it occurs.
    for (size_t at = text.find(keep); at != std::string_view::npos;
         at = text.find(keep, at + keep.size())) {
      for (Token& t : tokens) {
        if (t.begin >= at && t.end <= at + keep.size()) t = Token{t.begin, t.end};
      }
    }
  }
  std::vector<Span> spans = email_spans(tokens);
  {
    // Digits inside an address are gone with it.
    std::vector<Token> rest = tokens;
    for (const auto& [first, last] : spans) {
      for (size_t i = first; i <= last; ++i) rest[i] = Token{rest[i].begin, rest[i].end};
    }
    const std::vector<Span> numbers = bsn_spans(rest);
    spans.insert(spans.end(), numbers.begin(), numbers.end());
  }
  if (spans.empty()) return std::string(text);
  std::sort(spans.begin(), spans.end());
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;  // bytes of `text` handled
  for (const auto& [first, last] : spans) {
    const size_t begin = tokens[first].begin;
    const size_t end = tokens[last].end;
    if (end <= copied) continue;
    if (begin >= copied) {
      out.append(text.substr(copied, begin - copied));
      out.append(kRemoved);
    }
    copied = end;
  }
  out.append(text.substr(copied));
  return out;
}

std::string redact(std::string_view client_ref) {
  return std::string(client_ref.substr(0, std::min<size_t>(4, client_ref.size() / 3))) + "…";
}

}  // namespace ketenflow::ingest
