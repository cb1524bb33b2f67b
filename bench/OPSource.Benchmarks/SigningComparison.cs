using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OPSource.Benchmarks;

/// <summary>
/// OPSource's side of bench/compare/signing.sh: signs the fixture's 2-in/2-out transaction (P2WPKH or BIP86
/// P2TR key path) through the PSBT path the wallet uses (Psbt.Create + witness UTXOs, signed with a
/// <see cref="OPSource.Wallet.Signing.WalletKeyRing"/> as the key provider, finalized and extracted) or through the raw
/// <see cref="OPSource.Bitcoin.Signing.TransactionSigner"/>, with the baselines' method: one warm-up round, then timed rounds, in a
/// fresh process; --threads N splits every round's batch over N threads. Signatures are deterministic
/// (RFC6979 without low-R grinding, as libsecp256k1's default and bitcoinjs-lib sign; BIP340 with an
/// all-zero aux_rand, as tiny-secp256k1 without extra data) unless --wallet-defaults, so the bytes can be
/// compared with the other implementations'. Prints one JSON line.
/// </summary>
/// <remarks>dotnet OPSource.Benchmarks.dll sign-compare --fixture bench/compare/signing/fixture.json --path psbt|raw --kind p2wpkh|p2tr [--txs N] [--rounds N] [--threads N] [--wallet-defaults]</remarks>
internal static class SigningComparison
{
    public static int Run(string[] args, TextWriter output)
    {
        string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var fixturePath = Arg("--fixture") ?? "bench/compare/signing/fixture.json";
        var path = Arg("--path") ?? "psbt";
        var kind = Arg("--kind") ?? "p2wpkh";
        var txs = int.Parse(Arg("--txs") ?? "2000", CultureInfo.InvariantCulture);
        var rounds = int.Parse(Arg("--rounds") ?? "5", CultureInfo.InvariantCulture);
        var threads = int.Parse(Arg("--threads") ?? "1", CultureInfo.InvariantCulture);
        var walletDefaults = args.Contains("--wallet-defaults");
        if (path is not ("psbt" or "raw") || kind is not ("p2wpkh" or "p2tr") || txs < threads || rounds < 1 || threads < 1)
        {
            Console.Error.WriteLine("sign-compare: --path psbt|raw --kind p2wpkh|p2tr [--txs N >= threads] [--rounds N >= 1] [--threads N >= 1]");
            return 1;
        }

        var signer = new SigningFixture(JsonNode.Parse(File.ReadAllText(fixturePath))!, kind == "p2tr", path == "psbt", walletDefaults);
        var times = new List<double>();
        string? first = null;
        var share = txs / threads;
        for (var r = 0; r <= rounds; r++)
        {
            var start = Stopwatch.GetTimestamp();
            var firsts = new string?[threads];
            if (threads == 1)
            {
                firsts[0] = signer.SignRange(0, share);
            }
            else
            {
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, k => firsts[k] = signer.SignRange(k * share, share));
            }

            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (r > 0)
            {
                times.Add(seconds);
            }

            first ??= firsts[0];
        }

        var result = new JsonObject
        {
            ["impl"] = $"OPSource {path} {kind}{(walletDefaults ? " (wallet defaults: low-R grinding, random aux)" : "")}",
            ["threads"] = threads,
            ["txs"] = share * threads,
            ["round_seconds"] = new JsonArray([.. times.Select(t => (JsonNode)t)]),
            ["first_tx"] = first,
        };
        output.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        return 0;
    }
}
