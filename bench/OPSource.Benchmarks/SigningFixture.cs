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
/// Transaction number n of bench/compare/signing/fixture.json and the steps that sign it, shared by the
/// whole-process comparison (<see cref="SigningComparison"/>) and the in-process profile of the same
/// sequence (<see cref="PsbtSigningPathBenchmarks"/>): the PSBT path the wallet uses (Creator + Updater
/// with the witness UTXOs and, for P2TR, the internal keys; <c>Psbt.TrySign</c> with a
/// <see cref="WalletKeyRing"/>; finalize and extract) or the raw <see cref="TransactionSigner"/>.
/// </summary>
internal sealed class SigningFixture
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

    public SigningFixture(JsonNode fixture, bool taproot, bool psbt, bool walletDefaults)
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

    /// <summary>bench/compare/signing/fixture.json, found from the current directory or the executable's upwards.</summary>
    public static JsonNode Load(string? path = null)
    {
        if (path is null)
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null && path is null; dir = dir.Parent)
                {
                    var candidate = Path.Combine(dir.FullName, "bench", "compare", "signing", "fixture.json");
                    path = File.Exists(candidate) ? candidate : null;
                }

                if (path is not null)
                {
                    break;
                }
            }
        }

        return JsonNode.Parse(File.ReadAllText(path ?? throw new FileNotFoundException("bench/compare/signing/fixture.json not found above the current directory")))!;
    }

    /// <summary>A key ring holding copies of the fixture's keys (the wallet keeps one per unlocked wallet; the batch one per thread).</summary>
    public WalletKeyRing NewRing()
    {
        var ring = new WalletKeyRing();
        foreach (var k in _keys)
        {
            ring.AddKey(SigningKeyStore.Copy(k));
        }

        return ring;
    }

    /// <summary>Signs transactions start..start+count-1; returns the first as hex.</summary>
    public string SignRange(int start, int count)
    {
        using var ring = NewRing();
        string? first = null;
        for (var n = start; n < start + count; n++)
        {
            var raw = _psbt ? SignPsbt(n, ring) : SignRaw(n, ring);
            first ??= Hex.Encode(raw);
        }

        return first!;
    }

    /// <summary>Transaction n, unsigned.</summary>
    public Transaction Unsigned(int n) => new(
        2,
        _prevouts.Select(p => new TxIn(p, Script.Empty, new Sequence(0xfffffffd), Witness.Empty)),
        _outputs.Select(o => new TxOut(Amount.FromSatoshis(o.Value - n), o.Script)),
        LockTime.Zero);

    /// <summary>Creator and Updater: the PSBT of transaction n with every input's witness UTXO (and taproot internal key).</summary>
    public Psbt Update(int n)
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

        return psbt;
    }

    /// <summary>Signer: the wallet's signing path (WalletKeyRing.Sign is Psbt.TrySign with the ring as key provider).</summary>
    public Psbt Sign(Psbt psbt, WalletKeyRing ring) =>
        psbt.TrySign(ring, out var signed, out _, _psbtOptions) ? signed : throw new InvalidOperationException("sign-compare: the PSBT did not sign");

    /// <summary>Finalizer and Extractor, serialized.</summary>
    public static byte[] FinalizeExtract(Psbt signed) =>
        signed.TryFinalize(out var final, out _) && final.TryExtract(out var tx, out _) ? tx.ToBytes() : throw new InvalidOperationException("sign-compare: the PSBT did not finalize and extract");

    /// <summary>The whole PSBT path for transaction n.</summary>
    public byte[] SignPsbt(int n, WalletKeyRing ring) => FinalizeExtract(Sign(Update(n), ring));

    /// <summary>
    /// The floor of one transaction: its two signatures alone over a fixed 32-byte hash (RFC6979 ECDSA, or BIP340 with
    /// the ring's kept tweaked keys and all-zero aux_rand), without sighashes, scripts or encoding.
    /// </summary>
    public int SignaturesOnly(WalletKeyRing ring)
    {
        Span<byte> msg = stackalloc byte[32];
        Span<byte> aux = stackalloc byte[32];
        Span<byte> sig = stackalloc byte[64];
        Span<byte> der = stackalloc byte[EcdsaSignature.MaxDerSize];
        msg.Fill(0x5a);
        var total = 0;
        foreach (var k in _keys)
        {
            if (_taproot)
            {
                ring.TryGetTweakedKey(k, null, out var tweaked);
                Schnorr.Sign(tweaked!, msg, aux, sig);
                total += sig[0];
            }
            else
            {
                total += Ecdsa.Sign(k, msg).WriteDer(der);
            }
        }

        return total;
    }

    /// <summary>The raw API for transaction n.</summary>
    public byte[] SignRaw(int n, WalletKeyRing ring)
    {
        var spends = new SpendInput?[_spent.Length];
        for (var i = 0; i < spends.Length; i++)
        {
            spends[i] = _taproot ? SpendInput.Taproot(_spent[i].Value, _taprootInfo[i]) : new SpendInput(_spent[i]);
        }

        return TransactionSigner.Sign(Unsigned(n), spends, ring, _rawOptions).ToBytes();
    }
}
