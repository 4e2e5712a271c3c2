// XML attribute-value escaping shared by the XES reader and writer: appends
// `text` with &, <, > and " as entities, and with `whitespace` also CR, LF
// and tab as character references (so they survive attribute normalisation).
#pragma once

#include <string>
#include <string_view>

namespace ketenflow::xes {

inline void append_xml_escaped(std::string& out, std::string_view text, bool whitespace) {
  if (text.find_first_of(whitespace ? "&<>\"\n\r\t" : "&<>\"") == std::string_view::npos) {
    out += text;
    return;
  }
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\n':
        out += whitespace ? "&#10;" : "\n";
        break;
      case '\r':
        out += whitespace ? "&#13;" : "\r";
        break;
      case '\t':
        out += whitespace ? "&#9;" : "\t";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace ketenflow::xes
