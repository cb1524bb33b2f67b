using BenchmarkDotNet.Running;
using OPSource.Benchmarks;

// dotnet run -c Release --project bench/OPSource.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/OPSource.Benchmarks -- compare-secp256k1 [--rounds N]
// dotnet run -c Release --project bench/OPSource.Benchmarks -- ct-check [--samples N]
// dotnet run -c Release --project bench/OPSource.Benchmarks -- dlc-run
// dotnet run -c Release --project bench/OPSource.Benchmarks -- wallet-sync [--blocks N] [--rounds N]
// dotnet run -c Release --project bench/OPSource.Benchmarks -- sign-compare --path psbt|raw --kind p2wpkh|p2tr (bench/compare/signing.sh)
// dotnet run -c Release --project bench/OPSource.Benchmarks -- sign-profile [--kind p2wpkh|p2tr] [--n N] [--passes N]
if (args.Length > 0 && args[0] == "compare-secp256k1")
{
    return Secp256k1Comparison.Run(args[1..], Console.Out);
}

if (args.Length > 0 && args[0] == "dlc-run")
{
    return DlcBenchContracts.Run(Console.Out);
}

if (args.Length > 0 && args[0] == "wallet-sync")
{
    return await WalletSyncComparison.RunAsync(args[1..], Console.Out);
}

if (args.Length > 0 && args[0] == "sign-compare")
{
    return SigningComparison.Run(args[1..], Console.Out);
}

if (args.Length > 0 && args[0] == "sign-profile")
{
    return SigningProfile.Run(args[1..], Console.Out);
}

if (args.Length > 0 && args[0] == "ct-check")
{
    return ConstantTimeCheck.Run(args[1..], Console.Out);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
