namespace OPSource.Bitcoin.Psbt;

/// <summary>PSBT key types from BIP174, BIP370, BIP371 and BIP373.</summary>
public static class PsbtKeys
{
#pragma warning disable CS1591 // names mirror the BIP constants one-to-one
    public const ulong GlobalUnsignedTx = 0x00;
    public const ulong GlobalXpub = 0x01;
    public const ulong GlobalTxVersion = 0x02;
    public const ulong GlobalFallbackLockTime = 0x03;
    public const ulong GlobalInputCount = 0x04;
    public const ulong GlobalOutputCount = 0x05;
    public const ulong GlobalTxModifiable = 0x06;
    public const ulong GlobalVersion = 0xfb;
    public const ulong Proprietary = 0xfc;

    public const ulong InNonWitnessUtxo = 0x00;
    public const ulong InWitnessUtxo = 0x01;
    public const ulong InPartialSig = 0x02;
    public const ulong InSighashType = 0x03;
    public const ulong InRedeemScript = 0x04;
    public const ulong InWitnessScript = 0x05;
    public const ulong InBip32Derivation = 0x06;
    public const ulong InFinalScriptSig = 0x07;
    public const ulong InFinalScriptWitness = 0x08;
    public const ulong InRipemd160 = 0x0a;
    public const ulong InSha256 = 0x0b;
    public const ulong InHash160 = 0x0c;
    public const ulong InHash256 = 0x0d;
    public const ulong InPreviousTxId = 0x0e;
    public const ulong InOutputIndex = 0x0f;
    public const ulong InSequence = 0x10;
    public const ulong InRequiredTimeLockTime = 0x11;
    public const ulong InRequiredHeightLockTime = 0x12;
    public const ulong InTapKeySig = 0x13;
    public const ulong InTapScriptSig = 0x14;
    public const ulong InTapLeafScript = 0x15;
    public const ulong InTapBip32Derivation = 0x16;
    public const ulong InTapInternalKey = 0x17;
    public const ulong InTapMerkleRoot = 0x18;
    public const ulong InMusig2ParticipantPubkeys = 0x1a;
    public const ulong InMusig2PubNonce = 0x1b;
    public const ulong InMusig2PartialSig = 0x1c;

    public const ulong OutRedeemScript = 0x00;
    public const ulong OutWitnessScript = 0x01;
    public const ulong OutBip32Derivation = 0x02;
    public const ulong OutAmount = 0x03;
    public const ulong OutScript = 0x04;
    public const ulong OutTapInternalKey = 0x05;
    public const ulong OutTapTree = 0x06;
    public const ulong OutTapBip32Derivation = 0x07;
    public const ulong OutMusig2ParticipantPubkeys = 0x08;
#pragma warning restore CS1591

    /// <summary>The BIP field name of a key type in a map, or <c>unknown(0x..)</c>.</summary>
    public static string Name(PsbtMapKind kind, ulong type) => NameCore(kind, type);

    /// <summary>The field name of an entry, or <c>unknown(0x..)</c> when its type is unknown or it is a v2-only type with key data in a v0 PSBT.</summary>
    public static string Name(PsbtMapKind kind, PsbtEntry entry, int version)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return version == 0 && !entry.KeyData.IsEmpty && PsbtParser.IsV2Only(kind, entry.KeyType)
            ? $"unknown(0x{entry.KeyType:x2})"
            : NameCore(kind, entry.KeyType);
    }

    /// <summary>True for entries this library does not interpret (neither known nor proprietary).</summary>
    public static bool IsUnknown(PsbtMapKind kind, PsbtEntry entry, int version) =>
        Name(kind, entry, version).StartsWith("unknown", StringComparison.Ordinal);

    private static string NameCore(PsbtMapKind kind, ulong type) => (kind, type) switch
    {
        (_, Proprietary) => "proprietary",
        (PsbtMapKind.Global, GlobalUnsignedTx) => "unsigned_tx",
        (PsbtMapKind.Global, GlobalXpub) => "xpub",
        (PsbtMapKind.Global, GlobalTxVersion) => "tx_version",
        (PsbtMapKind.Global, GlobalFallbackLockTime) => "fallback_locktime",
        (PsbtMapKind.Global, GlobalInputCount) => "input_count",
        (PsbtMapKind.Global, GlobalOutputCount) => "output_count",
        (PsbtMapKind.Global, GlobalTxModifiable) => "tx_modifiable",
        (PsbtMapKind.Global, GlobalVersion) => "version",
        (PsbtMapKind.Input, InNonWitnessUtxo) => "non_witness_utxo",
        (PsbtMapKind.Input, InWitnessUtxo) => "witness_utxo",
        (PsbtMapKind.Input, InPartialSig) => "partial_sig",
        (PsbtMapKind.Input, InSighashType) => "sighash_type",
        (PsbtMapKind.Input, InRedeemScript) => "redeem_script",
        (PsbtMapKind.Input, InWitnessScript) => "witness_script",
        (PsbtMapKind.Input, InBip32Derivation) => "bip32_derivation",
        (PsbtMapKind.Input, InFinalScriptSig) => "final_scriptsig",
        (PsbtMapKind.Input, InFinalScriptWitness) => "final_scriptwitness",
        (PsbtMapKind.Input, InRipemd160) => "ripemd160",
        (PsbtMapKind.Input, InSha256) => "sha256",
        (PsbtMapKind.Input, InHash160) => "hash160",
        (PsbtMapKind.Input, InHash256) => "hash256",
        (PsbtMapKind.Input, InPreviousTxId) => "previous_txid",
        (PsbtMapKind.Input, InOutputIndex) => "output_index",
        (PsbtMapKind.Input, InSequence) => "sequence",
        (PsbtMapKind.Input, InRequiredTimeLockTime) => "required_time_locktime",
        (PsbtMapKind.Input, InRequiredHeightLockTime) => "required_height_locktime",
        (PsbtMapKind.Input, InTapKeySig) => "tap_key_sig",
        (PsbtMapKind.Input, InTapScriptSig) => "tap_script_sig",
        (PsbtMapKind.Input, InTapLeafScript) => "tap_leaf_script",
        (PsbtMapKind.Input, InTapBip32Derivation) => "tap_bip32_derivation",
        (PsbtMapKind.Input, InTapInternalKey) => "tap_internal_key",
        (PsbtMapKind.Input, InTapMerkleRoot) => "tap_merkle_root",
        (PsbtMapKind.Input, InMusig2ParticipantPubkeys) => "musig2_participant_pubkeys",
        (PsbtMapKind.Input, InMusig2PubNonce) => "musig2_pub_nonce",
        (PsbtMapKind.Input, InMusig2PartialSig) => "musig2_partial_sig",
        (PsbtMapKind.Output, OutRedeemScript) => "redeem_script",
        (PsbtMapKind.Output, OutWitnessScript) => "witness_script",
        (PsbtMapKind.Output, OutBip32Derivation) => "bip32_derivation",
        (PsbtMapKind.Output, OutAmount) => "amount",
        (PsbtMapKind.Output, OutScript) => "script",
        (PsbtMapKind.Output, OutTapInternalKey) => "tap_internal_key",
        (PsbtMapKind.Output, OutTapTree) => "tap_tree",
        (PsbtMapKind.Output, OutTapBip32Derivation) => "tap_bip32_derivation",
        (PsbtMapKind.Output, OutMusig2ParticipantPubkeys) => "musig2_participant_pubkeys",
        _ => $"unknown(0x{type:x2})",
    };
}
