using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/OPSource.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
