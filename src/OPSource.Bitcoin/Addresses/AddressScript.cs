using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Scripts;

namespace OPSource.Bitcoin.Addresses;

/// <summary>The <see cref="Script"/> side of <see cref="Address"/>: scriptPubKey in and out.</summary>
public abstract partial class Address
{
    /// <summary>The scriptPubKey this address pays to.</summary>
    public Script ScriptPubKey => new(ScriptPubKeyBytes);

    /// <summary>The address of a standard scriptPubKey, or false when it has none (P2PK, multisig, OP_RETURN...).</summary>
    public static bool TryFromScriptPubKey(Script script, Network network, [NotNullWhen(true)] out Address? address)
    {
        ArgumentNullException.ThrowIfNull(script);
        return TryFromScriptPubKey(script.Span, network, out address);
    }
}
