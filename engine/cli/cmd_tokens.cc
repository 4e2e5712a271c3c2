// ketenflow tokens add|list|remove: the API's token file (http/tokens.h).
#include <chrono>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "http/tokens.h"
#include "model/time.h"

namespace ketenflow::cli {
namespace {

struct TokensArgs {
  std::string file;
  std::string name;
  std::string role;
  std::string partner;
  std::string expires;
};

// "90d", "12h", "30m" -> milliseconds; an error naming the option otherwise.
Result<int64_t> parse_lifetime(const std::string& text) {
  const std::string what = "--expires: \"" + text + "\" is not a lifetime like 90d, 12h or 30m";
  if (text.size() < 2) return Error{what};
  int64_t unit = 0;
  switch (text.back()) {
    case 'd':
      unit = 86'400'000;
      break;
    case 'h':
      unit = 3'600'000;
      break;
    case 'm':
      unit = 60'000;
      break;
    default:
      return Error{what};
  }
  int64_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || n > 10'000'000) return Error{what};
    n = n * 10 + (text[i] - '0');
  }
  if (n < 1 || n * unit > 3650 * 86'400'000LL) {
    return Error{"--expires: from 1m to 3650d, not \"" + text + "\""};
  }
  return n * unit;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int run_add(const TokensArgs& args) {
  auto role = http::parse_role(args.role);
  if (!role) return fail("--role: " + role.error());
  int64_t expires_ms = 0;
  if (!args.expires.empty()) {
    auto lifetime = parse_lifetime(args.expires);
    if (!lifetime) return fail(lifetime.error());
    expires_ms = now_ms() + *lifetime;
  }
  auto token = http::add_token(args.file, {args.name, *role, args.partner}, expires_ms);
  if (!token) return fail(token.error());
  std::cerr << "token for " << args.name << " (" << args.role
            << (args.partner.empty() ? "" : ", partner " + args.partner)
            << (expires_ms ? ", expires " + model::format_instant(expires_ms) : "") << ") added to "
            << args.file << "; it is shown only now:\n";
  std::cout << *token << "\n";
  return 0;
}

int run_list(const TokensArgs& args) {
  auto entries = http::read_tokens(args.file);
  if (!entries) return fail(entries.error());
  std::cout << "name\trole\tpartner\texpires\n";
  const int64_t now = now_ms();
  for (const auto& e : *entries) {
    std::string expires = "never";
    if (e.expires_ms != 0) {
      expires = model::format_instant(e.expires_ms) + (e.expires_ms <= now ? " (expired)" : "");
    }
    std::cout << e.caller.name << "\t" << http::role_name(e.caller.role) << "\t" << e.caller.partner
              << "\t" << expires << "\n";
  }
  return 0;
}

int run_remove(const TokensArgs& args) {
  if (auto status = http::remove_token(args.file, args.name); !status) {
    return fail(status.error());
  }
  std::cerr << "token " << args.name << " removed from " << args.file << "\n";
  return 0;
}

}  // namespace

void add_tokens_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TokensArgs>();
  CLI::App* cmd = app.add_subcommand("tokens", "API tokens: add, list, remove");
  cmd->require_subcommand(1);
  const auto file_option = [&](CLI::App* sub) {
    sub->add_option("--file", args->file, "Token file (serve's default: DATA/tokens)")->required();
  };
  CLI::App* add = cmd->add_subcommand("add", "Make a token; prints it once on stdout");
  file_option(add);
  add->add_option("--name", args->name, "Who the token is for (unique)")->required();
  add->add_option("--role", args->role,
                  "analyst | operator | admin | publisher (sends events: POST /v1/events)")
      ->required()
      ->check(CLI::IsMember({"analyst", "operator", "admin", "publisher"}));
  add->add_option("--partner", args->partner,
                  "Operators and publishers: the partner id they act for");
  add->add_option("--expires", args->expires,
                  "Lifetime, e.g. 90d, 12h or 30m (default: never expires)");
  add->callback([args, &exit_code] { exit_code = run_add(*args); });
  CLI::App* list = cmd->add_subcommand("list", "Names, roles, partners and expiry (never tokens)");
  file_option(list);
  list->callback([args, &exit_code] { exit_code = run_list(*args); });
  CLI::App* remove = cmd->add_subcommand("remove", "Revoke a token by name");
  file_option(remove);
  remove->add_option("--name", args->name, "Token name")->required();
  remove->callback([args, &exit_code] { exit_code = run_remove(*args); });
}

}  // namespace ketenflow::cli
