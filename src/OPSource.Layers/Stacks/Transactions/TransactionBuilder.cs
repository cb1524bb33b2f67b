using System.Collections.Immutable;

namespace OPSource.Layers.Stacks.Transactions;

/// <summary>Builds unsigned transactions with stacks.js's defaults (anchor mode any, post-condition mode deny).</summary>
public static class TransactionBuilder
{
    /// <summary>A single-sig spending condition of <paramref name="publicKey"/> (33 or 65 bytes).</summary>
    public static SingleSigCondition SingleSig(byte[] publicKey, ulong nonce, ulong fee, HashMode mode = HashMode.P2pkh)
    {
        if (mode is not (HashMode.P2pkh or HashMode.P2wpkh))
        {
            throw new StacksException("stacks_hash_mode", $"stacks: {mode} is not a single-sig hash mode");
        }

        return new SingleSigCondition(mode, [.. StacksKeys.SignerHash(mode, 1, [publicKey])], nonce, fee,
            publicKey.Length == 33 ? KeyEncoding.Compressed : KeyEncoding.Uncompressed, SingleSigCondition.EmptySignature);
    }

    /// <summary>A multi-sig spending condition (<paramref name="required"/> of <paramref name="publicKeys"/>, in this order).</summary>
    public static MultiSigCondition MultiSig(HashMode mode, int required, IReadOnlyList<byte[]> publicKeys, ulong nonce, ulong fee)
    {
        if (mode is HashMode.P2pkh or HashMode.P2wpkh)
        {
            throw new StacksException("stacks_hash_mode", $"stacks: {mode} is not a multi-sig hash mode");
        }

        return new MultiSigCondition(mode, [.. StacksKeys.SignerHash(mode, required, publicKeys)], nonce, fee, [], (ushort)required);
    }

    /// <summary>An unsigned transaction.</summary>
    public static StacksTransaction Unsigned(
        StacksNetwork network,
        SpendingCondition origin,
        Payload payload,
        bool sponsored = false,
        AnchorMode anchorMode = AnchorMode.Any,
        PostConditionMode postConditionMode = PostConditionMode.Deny,
        IEnumerable<PostCondition>? postConditions = null) =>
        new(network.TransactionVersion, network.ChainId,
            sponsored ? Authorization.SponsoredPlaceholder(origin) : Authorization.Standard(origin),
            anchorMode, postConditionMode, postConditions?.ToImmutableArray() ?? [], payload);
}
