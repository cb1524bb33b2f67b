using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Bitcoin.Tests.MiniscriptTests;

/// <summary>
/// Builds the PSBT a wallet would build to spend a descriptor's output (BIP174 Updater fields from
/// <see cref="Descriptor.GetSpendInfo"/>), and finds the private keys the descriptor holds for it.
/// </summary>
internal static class DescriptorSpending
{
    public static PsbtT CreatePsbt(Descriptor descriptor, uint index, OutPoint outpoint, Amount amount, TxOut destination,
        uint lockTime, uint sequence, IEnumerable<byte[]>? preimages, out DescriptorSpendInfo info, int version = 2)
    {
        info = descriptor.GetSpendInfo(index);
        var tx = new Transaction(version, [new TxIn(outpoint, Script.Empty, new Sequence(sequence), Witness.Empty)], [destination], new LockTime(lockTime));
        var psbt = info.UpdateInput(PsbtT.Create(tx).WithWitnessUtxo(0, new TxOut(amount, info.ScriptPubKey)), 0);
        foreach (var preimage in preimages ?? [])
        {
            psbt = psbt.WithPreimage(0, PsbtKeys.InSha256, preimage).WithPreimage(0, PsbtKeys.InHash256, preimage)
                .WithPreimage(0, PsbtKeys.InRipemd160, preimage).WithPreimage(0, PsbtKeys.InHash160, preimage);
        }

        return psbt;
    }

    /// <summary>The descriptor's private keys for the keys <paramref name="info"/> names (a key ring's job).</summary>
    public static List<SecretKey> Secrets(Descriptor descriptor, DescriptorSpendInfo info)
    {
        var result = new List<SecretKey>();
        var copy = new byte[32];
        var wanted = info.KeyOrigins.Select(o => (o.PublicKey, o.Origin))
            .Concat(info.TapKeyOrigins.Select(o => (o.Key.ToPublicKey(), o.Origin))).ToList();
        foreach (var secret in descriptor.GetSecrets())
        {
            using (secret)
            {
                if (secret.Key is { } key)
                {
                    key.WriteTo(copy);
                    result.Add(SecretKey.Create(copy));
                    continue;
                }

                foreach (var (pub, origin) in wanted)
                {
                    var prefix = secret.Origin!;
                    if (origin.MasterFingerprint != prefix.MasterFingerprint || origin.KeyPath.Length < prefix.KeyPath.Length
                        || !origin.KeyPath.Indexes.Take(prefix.KeyPath.Length).SequenceEqual(prefix.KeyPath.Indexes))
                    {
                        continue;
                    }

                    using var child = secret.ExtKey!.Derive(new global::OPSource.Bitcoin.Keys.KeyPath([.. origin.KeyPath.Indexes.Skip(prefix.KeyPath.Length)]));
                    if (child.PublicKey.ToXOnly(out _) == pub.ToXOnly(out _))
                    {
                        child.PrivateKey.WriteTo(copy);
                        result.Add(SecretKey.Create(copy));
                    }
                }
            }
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(copy);
        return result;
    }
}
