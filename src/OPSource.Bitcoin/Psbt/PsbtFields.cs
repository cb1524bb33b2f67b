using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Taproot;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Psbt;

/// <summary>A PSBT_GLOBAL_XPUB entry: an extended public key and where it comes from.</summary>
public sealed record PsbtXpub(ExtPubKey ExtPubKey, RootedKeyPath Origin);

/// <summary>A BIP32 derivation of an ECDSA key (PSBT_IN/OUT_BIP32_DERIVATION), keeping the key's encoding.</summary>
public sealed record PsbtKeyOrigin(PublicKey PublicKey, bool IsCompressed, RootedKeyPath Origin);

/// <summary>A BIP371 taproot derivation: the x-only key, the leaves it is used in, and its origin.</summary>
public sealed record PsbtTapKeyOrigin(XOnlyPublicKey Key, IReadOnlyList<TapLeafHash> LeafHashes, RootedKeyPath Origin);

/// <summary>A PSBT_IN_PARTIAL_SIG entry: DER signature with its trailing sighash byte.</summary>
public sealed record PsbtPartialSignature(PublicKey PublicKey, bool IsCompressed, ReadOnlyMemory<byte> Signature)
{
    /// <summary>The sighash type byte appended to the DER signature.</summary>
    public SigHashType SighashType => SigHashType.FromByte(Signature.Span[^1]);
}

/// <summary>A PSBT_IN_TAP_SCRIPT_SIG entry: a Schnorr signature for one key in one leaf.</summary>
public sealed record PsbtTapScriptSignature(XOnlyPublicKey Key, TapLeafHash LeafHash, ReadOnlyMemory<byte> Signature);

/// <summary>A PSBT_IN_TAP_LEAF_SCRIPT entry: a leaf script and the control block that proves it.</summary>
public sealed record PsbtTapLeafScript(ControlBlock ControlBlock, Script Script, byte LeafVersion)
{
    /// <summary>The leaf's BIP341 tapleaf hash.</summary>
    public TapLeafHash LeafHash => TapLeafHash.Compute(LeafVersion, Script);
}

/// <summary>A hash preimage (PSBT_IN_RIPEMD160/SHA256/HASH160/HASH256).</summary>
public sealed record PsbtPreimage(ReadOnlyMemory<byte> Hash, ReadOnlyMemory<byte> Preimage);

/// <summary>One leaf of a PSBT_OUT_TAP_TREE, in depth-first order.</summary>
public sealed record PsbtTapLeaf(int Depth, byte LeafVersion, Script Script);

/// <summary>BIP370 PSBT_GLOBAL_TX_MODIFIABLE flags.</summary>
[Flags]
public enum PsbtTxModifiable
{
    /// <summary>Nothing may be added.</summary>
    None = 0,

    /// <summary>Bit 0: inputs may be added.</summary>
    Inputs = 1,

    /// <summary>Bit 1: outputs may be added.</summary>
    Outputs = 2,

    /// <summary>Bit 2: some signature uses SIGHASH_SINGLE, so input/output pairs must stay aligned.</summary>
    HasSighashSingle = 4,
}
