using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Bitcoin.Tests.Sighash;

/// <summary>Vector-shaped adapters over <see cref="SignatureHash"/> (vectors give raw hash types, leaf hashes and annexes).</summary>
internal static class SighashTestHelpers
{
    public static bool TryTaproot(Transaction tx, int index, PrecomputedTransactionData pre, byte hashType, ReadOnlySpan<byte> annex, ReadOnlySpan<byte> leafHash, uint codeSeparatorPosition, Span<byte> hash)
    {
        Assert.Same(tx, pre.Transaction);
        if (!SignatureHash.TryTaproot(pre, index, SigHashType.FromByte(hashType), ScriptSpend(leafHash, codeSeparatorPosition), annex, out var result))
        {
            return false;
        }

        result.WriteTo(hash);
        return true;
    }

    public static bool TryMessage(Transaction tx, int index, PrecomputedTransactionData pre, byte hashType, ReadOnlySpan<byte> annex, ReadOnlySpan<byte> leafHash, uint codeSeparatorPosition, out byte[] message)
    {
        Assert.Same(tx, pre.Transaction);
        var ok = SignatureHash.TryGetTaprootSignatureMessage(pre, index, SigHashType.FromByte(hashType), ScriptSpend(leafHash, codeSeparatorPosition), annex, out var m);
        message = m ?? [];
        return ok;
    }

    private static TapScriptSpend? ScriptSpend(ReadOnlySpan<byte> leafHash, uint codeSeparatorPosition) =>
        leafHash.IsEmpty ? null : new TapScriptSpend(new TapLeafHash(new UInt256(leafHash)), codeSeparatorPosition);
}
