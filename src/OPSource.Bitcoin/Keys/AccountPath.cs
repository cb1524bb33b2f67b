using System.Globalization;

namespace OPSource.Bitcoin.Keys;

/// <summary>The single-key account standards: each fixes a BIP43 purpose and the script type of its addresses.</summary>
public enum AccountPurpose
{
    /// <summary>BIP44: P2PKH, purpose 44'.</summary>
    Bip44 = 44,
    /// <summary>BIP49: P2WPKH nested in P2SH, purpose 49'.</summary>
    Bip49 = 49,
    /// <summary>BIP84: native P2WPKH, purpose 84'.</summary>
    Bip84 = 84,
    /// <summary>BIP86: single-key P2TR, purpose 86'.</summary>
    Bip86 = 86,
}

/// <summary>
/// A BIP44-style account: <c>m / purpose' / coin_type' / account'</c>, with receive (change = 0)
/// and change (change = 1) chains below it. Coin type comes from the network (SLIP-44: 0 on
/// mainnet, 1 on every test network).
/// </summary>
public sealed record AccountPath
{
    /// <summary>Creates an account path; <paramref name="account"/> must be below 2^31 (it is hardened).</summary>
    public AccountPath(AccountPurpose purpose, Network network, uint account = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!Enum.IsDefined(purpose))
        {
            throw new ArgumentOutOfRangeException(nameof(purpose));
        }

        if (account >= KeyPath.HardenedBit)
        {
            throw new ArgumentOutOfRangeException(nameof(account), "account: index must be below 2^31 (it is hardened)");
        }

        Purpose = purpose;
        Network = network;
        Account = account;
    }

    /// <summary>The BIP43 purpose.</summary>
    public AccountPurpose Purpose { get; }

    /// <summary>The network, which fixes the coin type.</summary>
    public Network Network { get; }

    /// <summary>The account number (hardened in the path).</summary>
    public uint Account { get; }

    /// <summary>BIP44 coin_type: SLIP-44 value of the network (0 mainnet, 1 test networks).</summary>
    public uint CoinType => (uint)Network.CoinType;

    /// <summary>The SLIP-132 version family wallets show this account's keys with (xpub, ypub, zpub; tpub, upub, vpub).</summary>
    public ExtKeyScriptType ScriptType => Purpose switch
    {
        AccountPurpose.Bip49 => ExtKeyScriptType.NestedSegwit,
        AccountPurpose.Bip84 => ExtKeyScriptType.Segwit,
        _ => ExtKeyScriptType.Generic,
    };

    /// <summary>
    /// <c>m / purpose' / coin_type' / account'</c>. BIP44: "Hardened derivation is used at this level"
    /// for purpose, coin type and account.
    /// </summary>
    public KeyPath KeyPath => new(
        KeyPath.Harden((uint)Purpose), KeyPath.Harden(CoinType), KeyPath.Harden(Account));

    /// <summary>
    /// <c>m / purpose' / coin_type' / account' / change / address_index</c>; change is 0 for
    /// receive addresses and 1 for change (BIP44 "Change"), both non-hardened.
    /// </summary>
    public KeyPath AddressPath(bool change, uint index)
    {
        if (index >= KeyPath.HardenedBit)
        {
            throw new ArgumentOutOfRangeException(nameof(index), "account: address index must be below 2^31 (it is not hardened)");
        }

        return KeyPath.Derive(change ? 1u : 0u).Derive(index);
    }

    /// <summary>Path of the i-th receive address.</summary>
    public KeyPath ReceivePath(uint index) => AddressPath(false, index);

    /// <summary>Path of the i-th change address.</summary>
    public KeyPath ChangePath(uint index) => AddressPath(true, index);

    /// <summary><c>m/84'/0'/0'</c>.</summary>
    public override string ToString() => KeyPath.ToString();

    /// <summary>Recognises <c>m/purpose'/coin'/account'</c> (optionally followed by change/index) as an account of a known purpose.</summary>
    public static bool TryFromKeyPath(KeyPath path, Network network, out AccountPath? account)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(network);
        account = null;
        var ix = path.Indexes;
        if (ix.Count is not (3 or 5) || !ix.Take(3).All(KeyPath.IsHardened))
        {
            return false;
        }

        var purpose = ix[0] & ~KeyPath.HardenedBit;
        if (!Enum.IsDefined((AccountPurpose)purpose) || (ix[1] & ~KeyPath.HardenedBit) != (uint)network.CoinType)
        {
            return false;
        }

        if (ix.Count == 5 && (ix[3] > 1 || KeyPath.IsHardened(ix[4])))
        {
            return false;
        }

        account = new AccountPath((AccountPurpose)purpose, network, ix[2] & ~KeyPath.HardenedBit);
        return true;
    }

    /// <summary>Label for diagnostics, e.g. <c>bip84 account 0 on mainnet</c>.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Purpose.ToString().ToLowerInvariant()} account {Account} on {Network.Name}");
}
