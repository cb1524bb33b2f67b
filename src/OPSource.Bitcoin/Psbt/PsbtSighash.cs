using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Bitcoin.Psbt;

/// <summary>The signature hashes the PSBT signer needs, from the shared Sighash/Taproot modules.</summary>
internal static class PsbtSighash
{
    public const byte All = 0x01;

    /// <summary>Core interpreter.cpp SignatureHash for SigVersion::BASE.</summary>
    public static void Legacy(Transaction tx, int inputIndex, Script scriptCode, uint hashType, Span<byte> output32) =>
        SignatureHash.ComputeLegacy(tx, inputIndex, scriptCode.Span, hashType, output32);

    /// <summary>BIP143 signature hash for witness v0 inputs.</summary>
    public static void WitnessV0(Transaction tx, int inputIndex, Script scriptCode, Money amount, uint hashType, Span<byte> output32) =>
        SignatureHash.ComputeWitnessV0(tx, inputIndex, scriptCode.Span, amount, hashType, null, output32);

    /// <summary>BIP341/BIP342 signature hash without annex; <paramref name="leafHash"/> empty for key path.</summary>
    public static bool TryTaproot(Transaction tx, int inputIndex, IReadOnlyList<TxOut> spent, byte hashType, ReadOnlySpan<byte> leafHash, Span<byte> output32, out string? error)
    {
        // BIP342: codesep_pos is 0xffffffff when no OP_CODESEPARATOR was executed.
        if (SignatureHash.TryComputeTaproot(tx, inputIndex, new PrecomputedTransactionData(tx, spent), hashType, default, leafHash, 0xffffffff, output32))
        {
            error = null;
            return true;
        }

        error = $"cannot compute the taproot signature hash (sighash type 0x{hashType:x2} undefined or SIGHASH_SINGLE without a matching output)";
        return false;
    }

    /// <summary>BIP341 tapleaf hash.</summary>
    public static void TapLeafHash(byte leafVersion, Script script, Span<byte> output32) =>
        Taproot.TapLeafHash.Compute(leafVersion, script).Value.WriteTo(output32);
}
