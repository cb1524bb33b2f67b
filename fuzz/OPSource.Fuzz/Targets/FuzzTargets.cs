namespace OPSource.Fuzz.Targets;

/// <summary>Every fuzz target, by name (docs/fuzzing.md lists them with their oracles).</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        TransactionTargets.Transaction,
        TransactionTargets.Block,
        PsbtTargets.PsbtV0,
        PsbtTargets.PsbtV2,
        ScriptTargets.ScriptAsm,
        DescriptorTargets.Descriptor,
        MiniscriptTargets.Miniscript,
        AddressTargets.Address,
        KeyTargets.ExtKey,
        KeyTargets.Bip39,
        MessageTargets.Bip322,
        ConsensusTargets.Consensus,
        CryptoTargets.Signature,
        CryptoTargets.PublicKey,
    ];

    public static FuzzTarget? Find(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));
}
