// ketenflow tokens add|list|remove: the API's token file (http/tokens.h).
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "http/tokens.h"

namespace ketenflow::cli {
namespace {

struct TokensArgs {
  std::string file;
  std::string name;
  std::string role;
  std::string partner;
};

int run_add(const TokensArgs& args) {
  auto role = http::parse_role(args.role);
  if (!role) return fail("--role: " + role.error());
  auto token = http::add_token(args.file, {args.name, *role, args.partner});
  if (!token) return fail(token.error());
  std::cerr << "token for " << args.name << " (" << args.role
            << (args.partner.empty() ? "" : ", partner " + args.partner) << ") added to "
            << args.file << "; it is shown only now:\n";
  std::cout << *token << "\n";
  return 0;
}

int run_list(const TokensArgs& args) {
  auto entries = http::read_tokens(args.file);
  if (!entries) return fail(entries.error());
  std::cout << "name\trole\tpartner\n";
  for (const auto& e : *entries) {
    std::cout << e.caller.name << "\t" << http::role_name(e.caller.role) << "\t" << e.caller.partner
              << "\n";
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
  add->add_option("--role", args->role, "analyst | operator | admin")
      ->required()
      ->check(CLI::IsMember({"analyst", "operator", "admin"}));
  add->add_option("--partner", args->partner, "Operators: the partner id they act for");
  add->callback([args, &exit_code] { exit_code = run_add(*args); });
  CLI::App* list = cmd->add_subcommand("list", "Names, roles and partners (never tokens)");
  file_option(list);
  list->callback([args, &exit_code] { exit_code = run_list(*args); });
  CLI::App* remove = cmd->add_subcommand("remove", "Revoke a token by name");
  file_option(remove);
  remove->add_option("--name", args->name, "Token name")->required();
  remove->callback([args, &exit_code] { exit_code = run_remove(*args); });
}

}  // namespace ketenflow::cli
