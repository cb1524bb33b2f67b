using OPSource.Cli;

// SQLite provider chosen explicitly and statically (no reflection): Microsoft.Data.Sqlite would otherwise
// locate SQLitePCLRaw's Batteries_V2 by name at run time. In the Native AOT binary the provider's
// "e_sqlite3" imports are direct calls into the statically linked SQLite (see OPSource.Cli.csproj);
// in the JIT build they resolve to the bundle's libe_sqlite3.so as before.
SQLitePCL.raw.SetProvider(new SQLitePCL.SQLite3Provider_e_sqlite3());

return await CliApp.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
