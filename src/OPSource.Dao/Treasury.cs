using OPSource.Bitcoin;
using OPSource.Bitcoin.Descriptors;

namespace OPSource.Dao;

/// <summary>
/// The DAO treasury: <c>tr(musig(all members), multi_a(k, members))</c>. The key path is the BIP327 MuSig2
/// aggregate of every member (BIP390 <c>musig()</c>; each x-only member key X enters KeyAgg as the even-Y
/// compressed key 02||X), used when all members agree; the script path is one BIP387 <c>multi_a</c> leaf that
/// any k members satisfy. Built and parsed by the descriptor library, so the address is what Bitcoin Core
/// derives from the same descriptor.
/// </summary>
public static class Treasury
{
    /// <summary>Largest member count a treasury supports (BIP387 multi_a is limited to 999 keys).</summary>
    public const int MaxMembers = 999;

    /// <summary>The treasury descriptor (public form with checksum) for the members in order and k.</summary>
    /// <exception cref="DaoException">Too many members, k out of range, or a key the descriptor refuses.</exception>
    public static string Descriptor(IReadOnlyList<string> memberKeys, int k, Network network)
    {
        ArgumentNullException.ThrowIfNull(memberKeys);
        ArgumentNullException.ThrowIfNull(network);
        if (memberKeys.Count is 0 or > MaxMembers)
        {
            throw new DaoException($"a treasury needs 1 to {MaxMembers} members (multi_a limit), not {memberKeys.Count}");
        }

        if (k < 1 || k > memberKeys.Count)
        {
            throw new DaoException($"treasury k must be from 1 to {memberKeys.Count}");
        }

        var text = $"tr(musig({string.Join(',', memberKeys.Select(key => "02" + key))}),multi_a({k},{string.Join(',', memberKeys)}))";
        if (!OPSource.Bitcoin.Descriptors.Descriptor.TryParse(text, network, out var descriptor, out var error))
        {
            throw new DaoException("treasury descriptor: " + error);
        }

        using (descriptor)
        {
            return descriptor.ToString();
        }
    }

    /// <summary>Parses a treasury descriptor.</summary>
    public static Descriptor Parse(string descriptor, Network network) => OPSource.Bitcoin.Descriptors.Descriptor.Parse(descriptor, network);
}
