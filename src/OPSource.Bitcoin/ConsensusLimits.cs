namespace OPSource.Bitcoin;

/// <summary>
/// Bitcoin's consensus limits, each defined once (Core script/script.h, consensus/consensus.h,
/// BIP141, BIP341, BIP342). Script, interpreter, transaction, Taproot and descriptor code all read
/// them from here.
/// </summary>
public static class ConsensusLimits
{
    /// <summary>Core script.h MAX_SCRIPT_SIZE: legacy and witness v0 scripts only.</summary>
    public const int MaxScriptSize = 10_000;

    /// <summary>Core script.h MAX_SCRIPT_ELEMENT_SIZE: the largest pushable element (also each witness stack element).</summary>
    public const int MaxScriptElementSize = 520;

    /// <summary>Core script.h MAX_OPS_PER_SCRIPT: non-push opcodes per legacy/v0 script.</summary>
    public const int MaxOpsPerScript = 201;

    /// <summary>Core script.h MAX_PUBKEYS_PER_MULTISIG: keys in one CHECKMULTISIG.</summary>
    public const int MaxPubKeysPerMultisig = 20;

    /// <summary>Core script.h MAX_PUBKEYS_PER_MULTI_A: keys in one BIP387 multi_a (the tapscript stack limit minus one).</summary>
    public const int MaxPubKeysPerMultiA = 999;

    /// <summary>Core script.h MAX_STACK_SIZE: main plus alt stack elements.</summary>
    public const int MaxStackSize = 1000;

    /// <summary>BIP342 VALIDATION_WEIGHT_PER_SIGOP_PASSED: validation weight charged per executed non-empty signature.</summary>
    public const int ValidationWeightPerSigopPassed = 50;

    /// <summary>BIP342 VALIDATION_WEIGHT_OFFSET: validation weight budget added to the witness size.</summary>
    public const int ValidationWeightOffset = 50;

    /// <summary>BIP141 WITNESS_SCALE_FACTOR.</summary>
    public const int WitnessScaleFactor = 4;

    /// <summary>Core consensus.h MAX_BLOCK_WEIGHT (BIP141).</summary>
    public const int MaxBlockWeight = 4_000_000;

    /// <summary>BIP341 TAPROOT_CONTROL_MAX_NODE_COUNT: merkle path length of a control block (tree depth).</summary>
    public const int TaprootControlMaxNodeCount = 128;
}

/// <summary>Bitcoin Core's standardness (policy) limits that the library enforces where Core's descriptors and wallet do.</summary>
public static class PolicyLimits
{
    /// <summary>Core policy.h MAX_STANDARD_P2WSH_SCRIPT_SIZE.</summary>
    public const int MaxStandardP2wshScriptSize = 3600;

    /// <summary>Core policy.cpp IsStandard: bare multisig with at most 3 keys (BIP383 for multi() at top level).</summary>
    public const int MaxBareMultisigKeys = 3;

    /// <summary>BIP383: sh(multi()) fits 15 compressed keys in the 520-byte redeem script.</summary>
    public const int MaxP2shMultisigKeys = 15;
}
