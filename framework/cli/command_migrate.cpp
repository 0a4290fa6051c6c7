// `gansweep migrate DB`: brings a result database written by an older
// gansweep to this build's schema, so that `status`, `query` and `report`
// (which only read, and so never migrate) can open it. Results stay as they
// are; runs recorded before a measure existed keep it empty.
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "store/result_store.h"
#include "store/schema.h"

namespace gansweep::cli {

void add_migrate_command(CLI::App& app, int& exit_code) {
  auto* command =
      app.add_subcommand("migrate", "Bring a database from an older gansweep to this schema");
  auto db = std::make_shared<std::string>();
  command->add_option("DB", *db, "Result database")->required()->check(CLI::ExistingFile);
  command->callback([&exit_code, db] {
    store::ResultStore::open_for_writing(*db);
    fmt::print(stderr, "gansweep: {} is at schema version {}\n", *db,
               store::schema::kCurrentVersion);
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
