using OPSource.Bitcoin.Sighash;
using CsCheck;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Bitcoin.Tests.Psbt;

// CsCheck properties: generated PSBTs round-trip; random or damaged bytes only ever give a parse error.
public class PsbtPropertyTests
{
    private static readonly Gen<TxIn> GenTxIn =
        Gen.Select(Gen.Byte.Array[32], Gen.UInt[0, 5], Gen.UInt).Select((id, n, seq) =>
            new TxIn(new OutPoint(TxId.FromBytes(id), n), Script.Empty, new Sequence(seq), Witness.Empty));

    private static readonly Gen<TxOut> GenTxOut =
        Gen.Select(Gen.Long[0, Amount.MaxMoney.Satoshis], Gen.Byte.Array[0, 40]).Select((v, s) => new TxOut(Amount.FromSatoshis(v), new Script(s)));

    private static readonly Gen<Transaction> GenTx =
        Gen.Select(Gen.Int[2, 3], GenTxIn.Array[1, 3], GenTxOut.Array[0, 3], Gen.UInt).Select((ver, ins, outs, lt) =>
            new Transaction(ver, ins, outs, new LockTime(lt)));

    // A field to add: (map kind selector, key type, key data, value).
    private static readonly Gen<(int Map, ulong Type, byte[] KeyData, byte[] Value)> GenUnknown =
        Gen.Select(Gen.Int[0, 2], Gen.ULong[0x20, 0xfa], Gen.Byte.Array[0, 8], Gen.Byte.Array[0, 20]).Select((m, t, k, v) => (m, t, k, v));

    private static readonly Gen<(byte[] Id, ulong Subtype, byte[] KeyData, byte[] Value)> GenProprietary =
        Gen.Select(Gen.Byte.Array[0, 6], Gen.ULong[0, 300], Gen.Byte.Array[0, 6], Gen.Byte.Array[0, 10]).Select((i, s, k, v) => (i, s, k, v));

    private static readonly Gen<byte[]> GenSecret = Gen.Byte.Array[32].Where(b => SecretKey.TryCreate(b, out var k) && Dispose(k));

    private static bool Dispose(SecretKey? key)
    {
        key?.Dispose();
        return true;
    }

    private static PsbtT Build(Transaction tx, bool v2, (int Map, ulong Type, byte[] KeyData, byte[] Value)[] unknowns,
        (byte[] Id, ulong Subtype, byte[] KeyData, byte[] Value)[] proprietary, byte[] secret, uint sighash, uint[] path)
    {
        var psbt = v2 ? PsbtT.CreateV2(tx, PsbtTxModifiable.Inputs) : PsbtT.Create(tx);
        using var key = SecretKey.Create(secret);
        var origin = new RootedKeyPath(KeyFingerprint.FromValue(sighash), new KeyPath(path));
        psbt = psbt.WithWitnessUtxo(0, new TxOut(Amount.FromSatoshis(1000), StandardScripts.PayToWitnessScriptHash(new Script([0x51]))))
            .WithSighashType(0, new SigHashType(sighash))
            .WithWitnessScript(0, new Script([0x51]))
            .WithBip32Derivation(0, key.PublicKey, origin)
            .WithTapInternalKey(0, key.XOnlyPublicKey)
            .WithTapBip32Derivation(0, key.XOnlyPublicKey, [new OPSource.Bitcoin.Taproot.TapLeafHash(UInt256.Zero)], origin)
            .WithPreimage(0, PsbtKeys.InSha256, secret.AsSpan(0, 7));
        if (tx.Outputs.Count > 0)
        {
            psbt = psbt.WithOutputBip32Derivation(0, key.PublicKey, origin, compressed: false)
                .WithOutputTapTree(0, [new PsbtTapLeaf(1, 0xc0, new Script([0x51])), new PsbtTapLeaf(1, 0xc0, new Script([0x52]))]);
        }

        foreach (var (m, t, k, v) in unknowns)
        {
            var kind = (PsbtMapKind)m;
            if (kind == PsbtMapKind.Output && tx.Outputs.Count == 0)
            {
                continue;
            }

            var entry = PsbtEntry.Create(t, k, v);
            var map = kind == PsbtMapKind.Global ? psbt.GlobalMap : kind == PsbtMapKind.Input ? psbt.Inputs[0].Map : psbt.Outputs[0].Map;
            if (map.Find(entry.Key) is null)
            {
                psbt = psbt.WithEntry(kind, 0, entry);
            }
        }

        foreach (var (id, sub, k, v) in proprietary)
        {
            var w = new BitcoinWriter();
            w.WriteVarBytes(id);
            w.WriteCompactSize(sub);
            w.WriteBytes(k);
            var entry = PsbtEntry.Create(PsbtKeys.Proprietary, w.WrittenSpan, v);
            if (psbt.GlobalMap.Find(entry.Key) is null)
            {
                psbt = psbt.WithEntry(PsbtMapKind.Global, 0, entry);
            }
        }

        return psbt;
    }

    [Fact]
    public void Generated_psbts_round_trip_byte_exactly()
    {
        Gen.Select(GenTx, Gen.Bool, GenUnknown.Array[0, 4], GenProprietary.Array[0, 3], GenSecret, Gen.UInt, Gen.UInt.Array[0, 4])
            .Sample((tx, v2, unknowns, proprietary, secret, sighash, path) =>
            {
                var psbt = Build(tx, v2, unknowns, proprietary, secret, sighash, path);
                var bytes = psbt.ToBytes();
                Assert.True(PsbtT.TryParse(bytes, out var parsed, out var error), error?.Message);
                Assert.Equal(bytes, parsed.ToBytes());
                Assert.Equal(psbt.ToBase64(), PsbtT.Parse(psbt.ToBase64()).ToBase64());
                Assert.Equal(tx.GetTxId(), parsed.GetUnsignedTxId());
                Assert.Equal(new SigHashType(sighash), parsed.Inputs[0].SighashType);
                Assert.Equal(path, parsed.Inputs[0].Bip32Derivations[0].Origin.KeyPath.Indexes);
                Assert.Equal(unknowns.Count(u => u.Map == 0) + proprietary.Length > 0, parsed.GlobalUnknown.Any() || parsed.GlobalProprietary.Any());

                // v0 <-> v2 conversion keeps the transaction and every other field.
                var other = v2 ? parsed.ToVersion0() : parsed.ToVersion2();
                Assert.Equal(tx.GetTxId(), PsbtT.Parse(other.ToBytes()).GetUnsignedTxId());
                Assert.Equal(psbt.Inputs[0].Map.Count, (v2 ? other.ToVersion2() : other.ToVersion0()).Inputs[0].Map.Count);
            }, iter: 150);
    }

    [Fact]
    public void Random_bytes_never_crash_the_parser()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            _ = PsbtT.TryParse(bytes, out _, out _);
            _ = PsbtT.TryParse([0x70, 0x73, 0x62, 0x74, 0xff, .. bytes], out _, out _);
        }, iter: 3000);
        Gen.String.Sample(text => { _ = PsbtT.TryParse(text, out _, out _); }, iter: 500);
    }

    private static List<byte[]> ValidVectors() =>
        [.. PsbtParseVectorTests.Bip174()["valid"]!.AsArray().Select(c => Hex.Parse((string)c!["hex"]!)),
         .. PsbtParseVectorTests.Core()["valid"]!.AsArray().Select(c => Convert.FromBase64String((string)c!))];

    /// <summary>Reads every typed field, so decoders are exercised on whatever the parser accepted.</summary>
    internal static int TouchAll(PsbtT psbt)
    {
        var n = psbt.Xpubs.Count + psbt.TxVersion + (psbt.FallbackLockTime is null ? 0 : 1) + (psbt.TxModifiable is null ? 0 : 1);
        n += psbt.GlobalUnknown.Count() + psbt.GlobalProprietary.Count() + (psbt.Fee is null ? 0 : 1);
        n += psbt.TryGetUnsignedTransaction(out _, out _) ? 1 : 0;
        foreach (var i in psbt.Inputs)
        {
            n += (i.NonWitnessUtxo is null ? 0 : 1) + (i.WitnessUtxo is null ? 0 : 1) + i.PartialSignatures.Count + (i.SighashType is null ? 0 : 1);
            n += (i.RedeemScript?.Length ?? 0) + (i.WitnessScript?.Length ?? 0) + i.Bip32Derivations.Count + (i.FinalScriptSig?.Length ?? 0) + (i.FinalScriptWitness?.Count ?? 0);
            n += i.Ripemd160Preimages.Count + i.Sha256Preimages.Count + i.Hash160Preimages.Count + i.Hash256Preimages.Count;
            n += (int)i.PreviousOutPoint.Index + (int)i.Sequence.Value + (i.RequiredTimeLockTime is null ? 0 : 1) + (i.RequiredHeightLockTime is null ? 0 : 1);
            n += (i.TapKeySignature?.Length ?? 0) + i.TapScriptSignatures.Count + i.TapLeafScripts.Sum(l => l.LeafHash.ToBytes()[0]) + i.TapBip32Derivations.Count;
            n += (i.TapInternalKey is null ? 0 : 1) + (i.TapMerkleRoot is null ? 0 : 1) + i.Proprietary.Count() + i.Unknown.Count() + (i.GetUtxo() is null ? 0 : 1);
        }

        foreach (var o in psbt.Outputs)
        {
            // An output's value is read like Nullable<T>.Value: a parsed PSBT may carry any 64-bit nValue
            // (as Core's does), and Amount exists only when TxOut.HasValidValue.
            n += (int)o.TxOut.RawValue + (o.TxOut.HasValidValue ? (int)o.Amount.Satoshis : 0) + o.Script.Length + (o.RedeemScript?.Length ?? 0) + (o.WitnessScript?.Length ?? 0) + o.Bip32Derivations.Count;
            n += (o.TapInternalKey is null ? 0 : 1) + (o.TapTree?.Count ?? 0) + o.TapBip32Derivations.Count + o.Proprietary.Count() + o.Unknown.Count();
        }

        return n;
    }

    [Fact]
    public void Typed_fields_decode_on_every_valid_vector()
    {
        foreach (var valid in ValidVectors())
        {
            _ = TouchAll(PsbtT.Parse(valid));
        }
    }

    [Fact]
    public void Every_truncation_of_valid_psbts_is_a_parse_error_or_a_round_trip()
    {
        foreach (var valid in ValidVectors())
        {
            for (var n = 0; n < valid.Length; n++)
            {
                var cut = valid.AsSpan(0, n);
                if (PsbtT.TryParse(cut, out var psbt, out _))
                {
                    Assert.Equal(cut.ToArray(), psbt.ToBytes());
                }
            }
        }
    }

    [Fact]
    public void Mutated_valid_psbts_are_a_parse_error_or_a_byte_exact_round_trip()
    {
        var vectors = ValidVectors();
        Gen.Select(Gen.Int[0, vectors.Count - 1], Gen.Int[0, int.MaxValue], Gen.Byte, Gen.Int[1, 3]).Sample((which, position, value, count) =>
        {
            var bytes = (byte[])vectors[which].Clone();
            for (var i = 0; i < count; i++)
            {
                bytes[(position + (i * 7919)) % bytes.Length] ^= (byte)(value | 1);
            }

            if (PsbtT.TryParse(bytes, out var psbt, out var error))
            {
                Assert.Equal(bytes, psbt.ToBytes());
                _ = TouchAll(psbt);
                _ = psbt.TryFinalize(out _, out _);
                _ = psbt.TryExtract(out _, out _);
            }
            else
            {
                Assert.StartsWith("psbt: ", error?.Message, StringComparison.Ordinal);
            }
        }, iter: 3000);
    }
}
