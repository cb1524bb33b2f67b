using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Signing;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Wallet.Signing;

namespace OPSource.Benchmarks;

/// <summary>
/// OPSource's side of bench/compare/signing.sh: signs the fixture's 2-in/2-out transaction (P2WPKH or BIP86
/// P2TR key path) through the PSBT path the wallet uses (Psbt.Create + witness UTXOs, signed with a
/// <see cref="WalletKeyRing"/> as the key provider, finalized and extracted) or through the raw
/// <see cref="TransactionSigner"/>, with the baselines' method: one warm-up round, then timed rounds, in a
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

        var fixture = JsonNode.Parse(File.ReadAllText(fixturePath))!;
        var signer = new FixtureSigner(fixture, kind == "p2tr", path == "psbt", walletDefaults);
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

    /// <summary>Builds and signs transaction number n of the fixture.</summary>
    private sealed class FixtureSigner
    {
        private readonly bool _taproot;
        private readonly bool _psbt;
        private readonly SecretKey[] _keys;
        private readonly TxOut[] _spent;
        private readonly OutPoint[] _prevouts;
        private readonly (long Value, Script Script)[] _outputs;
        private readonly TaprootSpendInfo[] _taprootInfo;
        private readonly PsbtSignOptions _psbtOptions;
        private readonly SigningOptions _rawOptions;

        public FixtureSigner(JsonNode fixture, bool taproot, bool psbt, bool walletDefaults)
        {
            _taproot = taproot;
            _psbt = psbt;
            _keys = [.. fixture["keys"]!.AsArray().Select(k => SecretKey.Create(Hex.Parse(k!.GetValue<string>())))];
            _taprootInfo = [.. _keys.Select(k => TaprootSpendInfo.Create(k.XOnlyPublicKey))];
            var prevouts = fixture["prevouts"]!.AsArray();
            _prevouts = [.. prevouts.Select(p => new OutPoint(TxId.Parse(p!["txid"]!.GetValue<string>()), p["vout"]!.GetValue<uint>()))];
            _spent = [.. prevouts.Select((p, i) => new TxOut(Amount.FromSatoshis(p!["value"]!.GetValue<long>()), taproot ? _taprootInfo[i].ScriptPubKey : StandardScripts.PayToWitnessPubKeyHash(_keys[i].PublicKey)))];
            _outputs = [.. fixture["outputs"]!.AsArray().Select(o => (o!["value"]!.GetValue<long>(), Script.FromHex(o["script_pubkey"]!.GetValue<string>())))];
            ReadOnlyMemory<byte>? aux = walletDefaults ? null : new byte[32];
            _psbtOptions = new PsbtSignOptions { GrindLowR = walletDefaults, TaprootAuxRandomness = aux };
            _rawOptions = new SigningOptions { GrindLowR = walletDefaults, TaprootAuxRandomness = aux };
        }

        /// <summary>Signs transactions start..start+count-1; returns the first as hex.</summary>
        public string SignRange(int start, int count)
        {
            // Each thread has its own key ring (the wallet keeps one per unlocked wallet) holding copies of the keys.
            using var ring = new WalletKeyRing();
            foreach (var k in _keys)
            {
                ring.AddKey(SigningKeyStore.Copy(k));
            }

            string? first = null;
            for (var n = start; n < start + count; n++)
            {
                var raw = _psbt ? SignPsbt(n, ring) : SignRaw(n, ring);
                first ??= Hex.Encode(raw);
            }

            return first!;
        }

        private Transaction Unsigned(int n) => new(
            2,
            _prevouts.Select(p => new TxIn(p, Script.Empty, new Sequence(0xfffffffd), Witness.Empty)),
            _outputs.Select(o => new TxOut(Amount.FromSatoshis(o.Value - n), o.Script)),
            LockTime.Zero);

        private byte[] SignPsbt(int n, WalletKeyRing ring)
        {
            var psbt = Psbt.Create(Unsigned(n));
            for (var i = 0; i < _spent.Length; i++)
            {
                psbt = psbt.WithWitnessUtxo(i, _spent[i]);
                if (_taproot)
                {
                    psbt = psbt.WithTapInternalKey(i, _taprootInfo[i].InternalKey);
                }
            }

            // The wallet's signing path (WalletKeyRing.Sign): Psbt.TrySign with the ring as key provider.
            if (!psbt.TrySign(ring, out var signed, out var refusals, _psbtOptions) || !signed.TryFinalize(out var final, out var problems) || !final.TryExtract(out var tx, out var error))
            {
                throw new InvalidOperationException("sign-compare: the PSBT did not sign, finalize and extract");
            }

            return tx.ToBytes();
        }

        private byte[] SignRaw(int n, WalletKeyRing ring)
        {
            var spends = new SpendInput?[_spent.Length];
            for (var i = 0; i < spends.Length; i++)
            {
                spends[i] = _taproot ? SpendInput.Taproot(_spent[i].Value, _taprootInfo[i]) : new SpendInput(_spent[i]);
            }

            return TransactionSigner.Sign(Unsigned(n), spends, ring, _rawOptions).ToBytes();
        }
    }
}
