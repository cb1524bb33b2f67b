namespace OPSource.Bitcoin.Consensus;

/// <summary>Which signature rules a script runs under (Core interpreter.h SigVersion).</summary>
public enum SigVersion
{
    /// <summary>Bare scripts and P2SH redeem scripts (legacy sighash, FindAndDelete).</summary>
    Base = 0,

    /// <summary>Witness v0 scripts (BIP143 sighash).</summary>
    WitnessV0 = 1,

    /// <summary>Taproot key path (BIP341 sighash, no script).</summary>
    Taproot = 2,

    /// <summary>Tapscript leaf version 0xc0 (BIP342).</summary>
    Tapscript = 3,
}

/// <summary>
/// Per-input state a BIP341/342 signature hash needs besides the transaction: the annex, the
/// tapleaf hash, the last executed OP_CODESEPARATOR and the remaining validation weight
/// (Core interpreter.h ScriptExecutionData).
/// </summary>
public sealed class ScriptExecutionData
{
    private Taproot.TapLeafHash? _tapLeafHash;

    /// <summary>The annex including its 0x50 tag, when the witness has one (BIP341).</summary>
    public ReadOnlyMemory<byte>? Annex { get; internal set; }

    /// <summary>Whether the annex was looked for (false outside Taproot).</summary>
    public bool AnnexInitialized { get; internal set; }

    /// <summary>The executed leaf's hash (script path only), null before one is executed.</summary>
    public Taproot.TapLeafHash? TapLeafHash => _tapLeafHash;

    /// <summary>Whether <see cref="TapLeafHash"/> is set.</summary>
    public bool TapLeafHashInitialized => _tapLeafHash is not null;

    /// <summary>Opcode position of the last executed OP_CODESEPARATOR, 0xFFFFFFFF when none (BIP342).</summary>
    public uint CodeSeparatorPosition { get; internal set; } = uint.MaxValue;

    /// <summary>Whether <see cref="CodeSeparatorPosition"/> is meaningful (set by script evaluation).</summary>
    public bool CodeSeparatorPositionInitialized { get; internal set; }

    /// <summary>Remaining tapscript validation weight (BIP342: 50 + witness size, minus 50 per signature).</summary>
    public long ValidationWeightLeft { get; internal set; }

    /// <summary>Whether <see cref="ValidationWeightLeft"/> is in force.</summary>
    public bool ValidationWeightLeftInitialized { get; internal set; }

    /// <summary>
    /// State for evaluating a tapscript on its own (outside full script verification)
    /// with the given validation weight budget (BIP342).
    /// </summary>
    public static ScriptExecutionData ForTapscript(long validationWeight) =>
        new() { ValidationWeightLeft = validationWeight, ValidationWeightLeftInitialized = true };

    internal void SetTapLeafHash(Taproot.TapLeafHash hash) => _tapLeafHash = hash;
}
