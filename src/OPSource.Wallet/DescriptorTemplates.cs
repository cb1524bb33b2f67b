using OPSource.Bitcoin;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Keys;

namespace OPSource.Wallet;

/// <summary>The single-key account templates a seed wallet can use.</summary>
public enum WalletTemplate
{
    /// <summary>BIP86 <c>tr(KEY/&lt;0;1&gt;/*)</c> at m/86'/coin'/account' (the default).</summary>
    Bip86,

    /// <summary>BIP84 <c>wpkh(KEY/&lt;0;1&gt;/*)</c> at m/84'/coin'/account'.</summary>
    Bip84,

    /// <summary>BIP49 <c>sh(wpkh(KEY/&lt;0;1&gt;/*))</c> at m/49'/coin'/account'.</summary>
    Bip49,

    /// <summary>BIP44 <c>pkh(KEY/&lt;0;1&gt;/*)</c> at m/44'/coin'/account'.</summary>
    Bip44,
}

/// <summary>Builds the public receive and change descriptors of a seed account (BIP44/49/84/86).</summary>
public static class DescriptorTemplates
{
    /// <summary>The BIP purpose of a template.</summary>
    public static uint Purpose(WalletTemplate template) => template switch
    {
        WalletTemplate.Bip86 => 86,
        WalletTemplate.Bip84 => 84,
        WalletTemplate.Bip49 => 49,
        WalletTemplate.Bip44 => 44,
        _ => throw new ArgumentOutOfRangeException(nameof(template)),
    };

    /// <summary>Parses <c>bip86</c>, <c>bip84</c>, <c>bip49</c>, <c>bip44</c> (or <c>tr</c>, <c>wpkh</c>, <c>sh-wpkh</c>, <c>pkh</c>).</summary>
    public static bool TryParse(string? text, out WalletTemplate template)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "bip86" or "tr" or "p2tr" or "taproot":
                template = WalletTemplate.Bip86;
                return true;
            case "bip84" or "wpkh" or "p2wpkh" or "segwit":
                template = WalletTemplate.Bip84;
                return true;
            case "bip49" or "sh-wpkh" or "p2sh-p2wpkh" or "sh(wpkh)":
                template = WalletTemplate.Bip49;
                return true;
            case "bip44" or "pkh" or "p2pkh" or "legacy":
                template = WalletTemplate.Bip44;
                return true;
            default:
                template = default;
                return false;
        }
    }

    /// <summary>
    /// The public multipath descriptor text of an account: <c>tr([fp/86h/1h/0h]tpub.../&lt;0;1&gt;/*)</c>.
    /// The master key is only read (to derive the account xpub).
    /// </summary>
    public static string AccountDescriptor(ExtKey master, WalletTemplate template, Network network, uint account = 0)
    {
        ArgumentNullException.ThrowIfNull(master);
        ArgumentNullException.ThrowIfNull(network);
        var purpose = Purpose(template);
        var path = new KeyPath(KeyPath.Harden(purpose), KeyPath.Harden((uint)network.CoinType), KeyPath.Harden(account));
        using var accountKey = master.Derive(path);
        var xpub = accountKey.Neuter().ToString(network);
        var key = $"[{master.Fingerprint}/{purpose}h/{network.CoinType}h/{account}h]{xpub}/<0;1>/*";
        var body = template switch
        {
            WalletTemplate.Bip86 => $"tr({key})",
            WalletTemplate.Bip84 => $"wpkh({key})",
            WalletTemplate.Bip49 => $"sh(wpkh({key}))",
            _ => $"pkh({key})",
        };
        return DescriptorChecksum.Add(body);
    }

    /// <summary>The receive and change descriptors of a seed account.</summary>
    public static (Descriptor External, Descriptor Internal) Account(ExtKey master, WalletTemplate template, Network network, uint account = 0)
    {
        var d = Descriptor.Parse(AccountDescriptor(master, template, network, account), network);
        var paths = d.Expand();
        return (paths[0], paths[1]);
    }
}
