namespace OPSource.Bitcoin.Keys;

/// <summary>
/// What script type an extended key's version bytes announce (SLIP-132). BIP32 itself only
/// defines xpub/xprv and tpub/tprv (<see cref="Generic"/>); wallets use the others to say which
/// addresses the account produces.
/// </summary>
public enum ExtKeyScriptType
{
    /// <summary>xpub/tpub: BIP32 versions, P2PKH/BIP44, P2TR/BIP86, or descriptors.</summary>
    Generic,
    /// <summary>ypub/upub: P2WPKH nested in P2SH (BIP49).</summary>
    NestedSegwit,
    /// <summary>zpub/vpub: native P2WPKH (BIP84).</summary>
    Segwit,
    /// <summary>Ypub/Upub: multisig P2WSH nested in P2SH.</summary>
    NestedSegwitMultisig,
    /// <summary>Zpub/Vpub: native multisig P2WSH.</summary>
    SegwitMultisig,
}

/// <summary>
/// The 4-byte version prefix of a serialized extended key, which fixes its Base58 prefix
/// (xprv, tpub, zpub, ...), whether it is private, the network family and the SLIP-132 script type.
/// </summary>
public sealed record ExtKeyVersion
{
    private ExtKeyVersion(uint value, string prefix, bool isPrivate, bool isMainnet, ExtKeyScriptType scriptType)
    {
        Value = value;
        Prefix = prefix;
        IsPrivate = isPrivate;
        IsMainnet = isMainnet;
        ScriptType = scriptType;
    }

    /// <summary>The big-endian version integer (e.g. 0x0488B21E for xpub).</summary>
    public uint Value { get; }

    /// <summary>The 4-character Base58 prefix these bytes produce (xpub, zprv, ...).</summary>
    public string Prefix { get; }

    /// <summary>True for private (…prv) versions.</summary>
    public bool IsPrivate { get; }

    /// <summary>True for mainnet; false for the test networks (testnet, testnet4, signet, regtest share versions).</summary>
    public bool IsMainnet { get; }

    /// <summary>The SLIP-132 script type.</summary>
    public ExtKeyScriptType ScriptType { get; }

    /// <summary>The public version that pairs with this one (itself when already public).</summary>
    public ExtKeyVersion Public => IsPrivate ? Find(false, IsMainnet, ScriptType) : this;

    /// <summary>The private version that pairs with this one (itself when already private).</summary>
    public ExtKeyVersion Private => IsPrivate ? this : Find(true, IsMainnet, ScriptType);

    // BIP32 "Serialization format" and SLIP-0044/SLIP-0132 registered HD version bytes.
    /// <summary>xpub, BIP32 mainnet public.</summary>
    public static ExtKeyVersion Xpub { get; } = new(0x0488B21E, "xpub", false, true, ExtKeyScriptType.Generic);
    /// <summary>xprv, BIP32 mainnet private.</summary>
    public static ExtKeyVersion Xprv { get; } = new(0x0488ADE4, "xprv", true, true, ExtKeyScriptType.Generic);
    /// <summary>tpub, BIP32 testnet public.</summary>
    public static ExtKeyVersion Tpub { get; } = new(0x043587CF, "tpub", false, false, ExtKeyScriptType.Generic);
    /// <summary>tprv, BIP32 testnet private.</summary>
    public static ExtKeyVersion Tprv { get; } = new(0x04358394, "tprv", true, false, ExtKeyScriptType.Generic);
    /// <summary>ypub (SLIP-132, P2WPKH-in-P2SH, mainnet).</summary>
    public static ExtKeyVersion Ypub { get; } = new(0x049D7CB2, "ypub", false, true, ExtKeyScriptType.NestedSegwit);
    /// <summary>yprv (SLIP-132).</summary>
    public static ExtKeyVersion Yprv { get; } = new(0x049D7878, "yprv", true, true, ExtKeyScriptType.NestedSegwit);
    /// <summary>zpub (SLIP-132, P2WPKH, mainnet).</summary>
    public static ExtKeyVersion Zpub { get; } = new(0x04B24746, "zpub", false, true, ExtKeyScriptType.Segwit);
    /// <summary>zprv (SLIP-132).</summary>
    public static ExtKeyVersion Zprv { get; } = new(0x04B2430C, "zprv", true, true, ExtKeyScriptType.Segwit);
    /// <summary>Ypub (SLIP-132, multisig P2WSH-in-P2SH, mainnet).</summary>
    public static ExtKeyVersion YpubMultisig { get; } = new(0x0295B43F, "Ypub", false, true, ExtKeyScriptType.NestedSegwitMultisig);
    /// <summary>Yprv (SLIP-132).</summary>
    public static ExtKeyVersion YprvMultisig { get; } = new(0x0295B005, "Yprv", true, true, ExtKeyScriptType.NestedSegwitMultisig);
    /// <summary>Zpub (SLIP-132, multisig P2WSH, mainnet).</summary>
    public static ExtKeyVersion ZpubMultisig { get; } = new(0x02AA7ED3, "Zpub", false, true, ExtKeyScriptType.SegwitMultisig);
    /// <summary>Zprv (SLIP-132).</summary>
    public static ExtKeyVersion ZprvMultisig { get; } = new(0x02AA7A99, "Zprv", true, true, ExtKeyScriptType.SegwitMultisig);
    /// <summary>upub (SLIP-132, P2WPKH-in-P2SH, testnet).</summary>
    public static ExtKeyVersion Upub { get; } = new(0x044A5262, "upub", false, false, ExtKeyScriptType.NestedSegwit);
    /// <summary>uprv (SLIP-132).</summary>
    public static ExtKeyVersion Uprv { get; } = new(0x044A4E28, "uprv", true, false, ExtKeyScriptType.NestedSegwit);
    /// <summary>vpub (SLIP-132, P2WPKH, testnet).</summary>
    public static ExtKeyVersion Vpub { get; } = new(0x045F1CF6, "vpub", false, false, ExtKeyScriptType.Segwit);
    /// <summary>vprv (SLIP-132).</summary>
    public static ExtKeyVersion Vprv { get; } = new(0x045F18BC, "vprv", true, false, ExtKeyScriptType.Segwit);
    /// <summary>Upub (SLIP-132, multisig P2WSH-in-P2SH, testnet).</summary>
    public static ExtKeyVersion UpubMultisig { get; } = new(0x024289EF, "Upub", false, false, ExtKeyScriptType.NestedSegwitMultisig);
    /// <summary>Uprv (SLIP-132).</summary>
    public static ExtKeyVersion UprvMultisig { get; } = new(0x024285B5, "Uprv", true, false, ExtKeyScriptType.NestedSegwitMultisig);
    /// <summary>Vpub (SLIP-132, multisig P2WSH, testnet).</summary>
    public static ExtKeyVersion VpubMultisig { get; } = new(0x02575483, "Vpub", false, false, ExtKeyScriptType.SegwitMultisig);
    /// <summary>Vprv (SLIP-132).</summary>
    public static ExtKeyVersion VprvMultisig { get; } = new(0x02575048, "Vprv", true, false, ExtKeyScriptType.SegwitMultisig);

    /// <summary>Every known version.</summary>
    public static IReadOnlyList<ExtKeyVersion> All { get; } =
    [
        Xpub, Xprv, Tpub, Tprv, Ypub, Yprv, Zpub, Zprv, YpubMultisig, YprvMultisig, ZpubMultisig, ZprvMultisig,
        Upub, Uprv, Vpub, Vprv, UpubMultisig, UprvMultisig, VpubMultisig, VprvMultisig,
    ];

    /// <summary>Looks a version integer up.</summary>
    public static bool TryFromValue(uint value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ExtKeyVersion? version)
    {
        foreach (var v in All)
        {
            if (v.Value == value)
            {
                version = v;
                return true;
            }
        }

        version = null;
        return false;
    }

    /// <summary>The version for a visibility, network family and script type.</summary>
    public static ExtKeyVersion Find(bool isPrivate, bool isMainnet, ExtKeyScriptType scriptType) =>
        All.First(v => v.IsPrivate == isPrivate && v.IsMainnet == isMainnet && v.ScriptType == scriptType);

    /// <summary>The version for a network (mainnet: xpub family; every test network: tpub family).</summary>
    public static ExtKeyVersion For(Network network, bool isPrivate, ExtKeyScriptType scriptType = ExtKeyScriptType.Generic)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Find(isPrivate, !network.IsTest, scriptType);
    }

    /// <summary>The prefix, e.g. <c>zpub</c>.</summary>
    public override string ToString() => Prefix;
}
