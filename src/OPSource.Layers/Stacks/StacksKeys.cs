using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;
using OPSource.Layers.Stacks.Transactions;

namespace OPSource.Layers.Stacks;

/// <summary>
/// A Stacks private key: a secp256k1 secret and whether its public key is used compressed (stacks.js
/// writes compressed keys as 32 bytes + 0x01). Disposing clears the secret.
/// </summary>
public sealed class StacksPrivateKey : IDisposable
{
    /// <summary>Wraps <paramref name="secret"/> (ownership passes to this object).</summary>
    public StacksPrivateKey(SecretKey secret, bool compressed = true)
    {
        Secret = secret;
        Compressed = compressed;
    }

    /// <summary>The secret.</summary>
    public SecretKey Secret { get; }

    /// <summary>True when the public key is used compressed.</summary>
    public bool Compressed { get; }

    /// <summary>The public key as used (33 or 65 bytes).</summary>
    public byte[] PublicKeyBytes => Compressed ? Secret.PublicKey.ToCompressed() : Secret.PublicKey.ToUncompressed();

    /// <summary>The P2PKH address of the key.</summary>
    public StacksAddress Address(StacksNetwork network) =>
        new(network.SingleSigVersion, StacksKeys.SignerHash(HashMode.P2pkh, 1, [PublicKeyBytes]));

    /// <summary>Parses 64 hex (uncompressed use) or 66 hex ending 01 (compressed), as stacks.js does.</summary>
    public static bool TryParse(string? hex, [NotNullWhen(true)] out StacksPrivateKey? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        if (!Hex.TryParse(hex?.Trim(), out byte[] bytes, out var hexError))
        {
            error = "stacks key: " + hexError.Message;
            return false;
        }

        try
        {
            bool compressed = bytes.Length == 33 && bytes[32] == 0x01;
            if (!(bytes.Length == 32 || compressed))
            {
                error = "stacks key: expected 32 bytes, or 33 ending in 01 for a compressed key";
                return false;
            }

            if (!SecretKey.TryCreate(bytes.AsSpan(0, 32), out var secret))
            {
                error = "stacks key: not a valid secp256k1 secret (0 or at least n)";
                return false;
            }

            key = new StacksPrivateKey(secret, compressed);
            error = null;
            return true;
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Parses or throws <see cref="StacksException"/>.</summary>
    public static StacksPrivateKey Parse(string hex) =>
        TryParse(hex, out var key, out string? error) ? key : throw new StacksException("stacks_key", error);

    /// <summary>The key in stacks.js's hex form (with the 01 suffix when compressed). Only for tests and explicit export.</summary>
    public string ToHex()
    {
        Span<byte> b = stackalloc byte[33];
        Secret.WriteTo(b[..32]);
        b[32] = 1;
        string hex = Hex.Encode(Compressed ? b : b[..32]);
        b.Clear();
        return hex;
    }

    /// <inheritdoc />
    public void Dispose() => Secret.Dispose();

    /// <summary>Never the key.</summary>
    public override string ToString() => "StacksPrivateKey(***)";
}

/// <summary>Stacks keys from the platform's BIP32 seed and the signer hashes of SIP-005 hash modes.</summary>
public static class StacksKeys
{
    /// <summary>SLIP-44 coin type of Stacks (5757).</summary>
    public const uint CoinType = 5757;

    /// <summary>The path m/44'/5757'/account'/0/index (as the Stacks wallets derive accounts).</summary>
    public static KeyPath Path(uint index, uint account = 0) =>
        KeyPath.Parse($"m/44'/{CoinType}'/{account}'/0/{index}");

    /// <summary>The key at m/44'/5757'/0'/0/<paramref name="index"/> of <paramref name="master"/> (compressed).</summary>
    public static StacksPrivateKey Derive(ExtKey master, uint index, uint account = 0)
    {
        ArgumentNullException.ThrowIfNull(master);
        using var child = master.Derive(Path(index, account));
        Span<byte> secret = stackalloc byte[32];
        child.PrivateKey.WriteTo(secret);
        try
        {
            return new StacksPrivateKey(SecretKey.Create(secret), compressed: true);
        }
        finally
        {
            secret.Clear();
        }
    }

    /// <summary>
    /// The 20-byte signer hash of a hash mode (SIP-005 "Transaction Authorization"): P2PKH HASH160(key);
    /// P2SH HASH160(m keys n CHECKMULTISIG); P2WPKH HASH160(0x00 0x14 HASH160(key)); P2WSH
    /// HASH160(0x00 0x20 SHA256(m keys n CHECKMULTISIG)).
    /// </summary>
    public static byte[] SignerHash(HashMode mode, int required, IReadOnlyList<byte[]> publicKeys)
    {
        var hash = new byte[20];
        switch (mode)
        {
            case HashMode.P2pkh:
                Hashes.Hash160(Single(publicKeys), hash);
                break;
            case HashMode.P2wpkh:
                var pk = Single(publicKeys);
                if (pk.Length != 33)
                {
                    throw new StacksException("stacks_key", "stacks: P2WPKH needs a compressed public key");
                }

                var program = new byte[22];
                program[1] = 0x14;
                Hashes.Hash160(pk, program.AsSpan(2));
                Hashes.Hash160(program, hash);
                break;
            case HashMode.P2sh or HashMode.P2shNonSequential:
                Hashes.Hash160(MultisigScript(required, publicKeys), hash);
                break;
            case HashMode.P2wsh or HashMode.P2wshNonSequential:
                if (publicKeys.Any(k => k.Length != 33))
                {
                    throw new StacksException("stacks_key", "stacks: P2WSH multisig needs compressed public keys");
                }

                var wsh = new byte[34];
                wsh[1] = 0x20;
                Hashes.Sha256(MultisigScript(required, publicKeys), wsh.AsSpan(2));
                Hashes.Hash160(wsh, hash);
                break;
        }

        return hash;
    }

    private static byte[] Single(IReadOnlyList<byte[]> keys) => keys.Count == 1
        ? keys[0]
        : throw new StacksException("stacks_key", "stacks: a single-sig hash mode takes exactly one public key");

    private static byte[] MultisigScript(int required, IReadOnlyList<byte[]> keys)
    {
        // OP_m <keys> OP_n OP_CHECKMULTISIG, with m, n at most 15 (small-int opcodes), as stacks-core's multisig address.
        if (keys.Count is < 1 or > 15 || required < 1 || required > keys.Count)
        {
            throw new StacksException("stacks_multisig", $"stacks: multisig needs 1..15 keys and 1..n signatures (got {required} of {keys.Count})");
        }

        var script = new List<byte> { (byte)(0x50 + required) };
        foreach (var key in keys)
        {
            script.Add((byte)key.Length);
            script.AddRange(key);
        }

        script.Add((byte)(0x50 + keys.Count));
        script.Add(0xae);
        return [.. script];
    }
}
