using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using OPSource.Crypto.Secp256k1;
using OPSource.TestSupport.Native;

namespace OPSource.Benchmarks;

/// <summary>
/// BIP340 batch verification against verifying the same signatures one by one (C# engine, and
/// libsecp256k1 0.2.0 one by one as a reference; 0.2.0 has no batch API). Distinct keys and 32-byte
/// messages, as in a block's Taproot key-path spends. The PerSignature column is Mean / Size.
/// dotnet run -c Release --project bench/OPSource.Benchmarks -- --filter '*SchnorrBatch*' --job short
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PerSignatureConfig))]
public class SchnorrBatchBenchmarks
{
    private SchnorrBatchItem[] _items = [];
    private byte[][] _libXOnly = [];

    /// <summary>Signatures per batch.</summary>
    [Params(1, 4, 16, 64, 256)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        EcMult.EnsureTables();
        _items = new SchnorrBatchItem[Size];
        _libXOnly = new byte[Size][];
        for (int i = 0; i < Size; i++)
        {
            byte[] seed = System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i + 1));
            using SecretKey key = SecretKey.Create(seed);
            byte[] msg = System.Security.Cryptography.SHA256.HashData(seed);
            byte[] sig = Schnorr.Sign(key, msg, seed);
            _items[i] = new SchnorrBatchItem(sig, msg, key.XOnlyPublicKey);
            _libXOnly[i] = LibSecp256k1.ParseXOnlyOpaque(key.XOnlyPublicKey.ToBytes());
        }

        if (!Schnorr.VerifyBatch(_items) || !OneByOne() || !LibsecpOneByOne())
        {
            throw new InvalidOperationException("benchmark setup: signatures do not verify");
        }
    }

    [Benchmark(Baseline = true)]
    public bool OneByOne()
    {
        bool ok = true;
        foreach (ref readonly SchnorrBatchItem item in _items.AsSpan())
        {
            ok &= Schnorr.Verify(item.Signature.Span, item.Message.Span, item.PublicKey);
        }

        return ok;
    }

    [Benchmark]
    public bool Batch() => Schnorr.VerifyBatch(_items);

    [Benchmark]
    public bool LibsecpOneByOne()
    {
        bool ok = true;
        for (int i = 0; i < _items.Length; i++)
        {
            ok &= LibSecp256k1.SchnorrVerifyOpaque(_items[i].Signature.Span, _items[i].Message.Span, _libXOnly[i]);
        }

        return ok;
    }

    private sealed class PerSignatureConfig : ManualConfig
    {
        public PerSignatureConfig() => AddColumn(new PerSignatureColumn());
    }

    /// <summary>Mean divided by the batch size, in microseconds.</summary>
    private sealed class PerSignatureColumn : IColumn
    {
        public string Id => nameof(PerSignatureColumn);

        public string ColumnName => "PerSignature";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Mean / Size (us per signature)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            object? size = benchmarkCase.Parameters["Size"];
            if (report?.ResultStatistics is null || size is not int n || n == 0)
            {
                return "NA";
            }

            double us = report.ResultStatistics.Mean / 1000.0 / n;
            return us.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + " us";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
