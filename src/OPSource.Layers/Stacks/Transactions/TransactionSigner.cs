using System.Buffers.Binary;
using System.Collections.Immutable;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Layers.Stacks.Transactions;

/// <summary>
/// The SIP-005 signature-hash chain: the initial sighash is the txid of the transaction with its
/// authorization cleared; each signer signs presign = SHA-512/256(sighash ‖ auth type ‖ fee ‖ nonce) with
/// a recoverable ECDSA signature written recid‖r‖s, and the next sighash is postsign =
/// SHA-512/256(presign ‖ key encoding ‖ signature). Origins sign with the standard auth type, sponsors with
/// the sponsored one, after the origin's chain (SIP-005 "Transaction Signing and Verifying").
/// </summary>
public static class TransactionSigner
{
    /// <summary>The initial sighash of <paramref name="tx"/>.</summary>
    public static byte[] InitialSigHash(StacksTransaction tx)
    {
        var cleared = tx.Auth.Type == AuthType.Standard
            ? Authorization.Standard(tx.Auth.Origin.Cleared())
            : new Authorization(AuthType.Sponsored, tx.Auth.Origin.Cleared(), Authorization.EmptySponsor);
        return Sha512_256.Hash((tx with { Auth = cleared }).Serialize());
    }

    /// <summary>presign-sighash.</summary>
    public static byte[] PreSign(ReadOnlySpan<byte> sigHash, AuthType authType, ulong fee, ulong nonce)
    {
        Span<byte> buffer = stackalloc byte[32 + 1 + 8 + 8];
        sigHash.CopyTo(buffer);
        buffer[32] = (byte)authType;
        BinaryPrimitives.WriteUInt64BigEndian(buffer[33..], fee);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[41..], nonce);
        return Sha512_256.Hash(buffer);
    }

    /// <summary>postsign-sighash.</summary>
    public static byte[] PostSign(ReadOnlySpan<byte> preSign, KeyEncoding encoding, ReadOnlySpan<byte> signature65)
    {
        Span<byte> buffer = stackalloc byte[32 + 1 + 65];
        preSign.CopyTo(buffer);
        buffer[32] = (byte)encoding;
        signature65.CopyTo(buffer[33..]);
        return Sha512_256.Hash(buffer);
    }

    /// <summary>A recoverable signature in Stacks' recid‖r‖s order.</summary>
    public static byte[] SignHash(SecretKey key, ReadOnlySpan<byte> hash32)
    {
        var sig = Ecdsa.SignRecoverable(key, hash32);
        var result = new byte[65];
        sig.WriteCompact(result.AsSpan(1), out int recid);
        result[0] = (byte)recid;
        return result;
    }

    /// <summary>Recovers the public key of a recid‖r‖s signature; false for a malformed one.</summary>
    public static bool TryRecover(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> signature65, out PublicKey key)
    {
        key = default;
        return signature65.Length == 65 &&
            RecoverableSignature.TryParseCompact(signature65[1..], signature65[0], out var sig) &&
            Ecdsa.TryRecover(sig, hash32, out key);
    }

    /// <summary>Signs a single-sig origin.</summary>
    public static StacksTransaction SignOrigin(StacksTransaction tx, StacksPrivateKey key)
    {
        if (tx.Auth.Origin is not SingleSigCondition single)
        {
            throw new StacksException("stacks_sign", "stacks sign: the origin is multi-sig; use SignOriginMultiSig");
        }

        CheckSigner(single, key);
        var pre = PreSign(InitialSigHash(tx), AuthType.Standard, single.Fee, single.Nonce);
        var signature = SignHash(key.Secret, pre);
        return tx with { Auth = tx.Auth with { Origin = single with { Signature = [.. signature] } } };
    }

    /// <summary>
    /// Signs a multi-sig origin: for each public key in order, a signature by the matching key of
    /// <paramref name="signers"/> or else the public key itself (as stacks.js's multi-sig builders do).
    /// </summary>
    public static StacksTransaction SignOriginMultiSig(StacksTransaction tx, IReadOnlyList<byte[]> publicKeys, IReadOnlyList<StacksPrivateKey> signers)
    {
        if (tx.Auth.Origin is not MultiSigCondition multi)
        {
            throw new StacksException("stacks_sign", "stacks sign: the origin is single-sig; use SignOrigin");
        }

        byte[] expected = StacksKeys.SignerHash(multi.HashMode, multi.SignaturesRequired, publicKeys);
        if (!expected.AsSpan().SequenceEqual(multi.Signer.AsSpan()))
        {
            throw new StacksException("stacks_sign", "stacks sign: the public keys do not hash to the origin's signer");
        }

        byte[] initial = InitialSigHash(tx);
        byte[] current = initial;
        var fields = ImmutableArray.CreateBuilder<AuthField>();
        int signed = 0;
        foreach (byte[] pub in publicKeys)
        {
            var encoding = pub.Length == 33 ? KeyEncoding.Compressed : KeyEncoding.Uncompressed;
            var key = signers.FirstOrDefault(k => k.PublicKeyBytes.AsSpan().SequenceEqual(pub));
            if (key is null || signed == multi.SignaturesRequired)
            {
                fields.Add(new AuthField(false, encoding, pub));
                continue;
            }

            byte[] pre = PreSign(multi.IsNonSequential ? initial : current, AuthType.Standard, multi.Fee, multi.Nonce);
            byte[] signature = SignHash(key.Secret, pre);
            fields.Add(new AuthField(true, encoding, signature));
            current = PostSign(pre, encoding, signature);
            signed++;
        }

        if (signed < multi.SignaturesRequired)
        {
            throw new StacksException("stacks_sign", $"stacks sign: {signed} of the {multi.SignaturesRequired} required signers supplied");
        }

        return tx with { Auth = tx.Auth with { Origin = multi with { Fields = fields.ToImmutable() } } };
    }

    /// <summary>Sets the sponsor condition (single-sig, from <paramref name="key"/>) and signs it after the origin.</summary>
    public static StacksTransaction SignSponsor(StacksTransaction tx, StacksPrivateKey key, ulong fee, ulong nonce, HashMode mode = HashMode.P2pkh)
    {
        if (tx.Auth.Type != AuthType.Sponsored)
        {
            throw new StacksException("stacks_sign", "stacks sign: the transaction is not sponsored");
        }

        var condition = new SingleSigCondition(mode, [.. StacksKeys.SignerHash(mode, 1, [key.PublicKeyBytes])], nonce, fee,
            key.Compressed ? KeyEncoding.Compressed : KeyEncoding.Uncompressed, SingleSigCondition.EmptySignature);
        tx = tx with { Auth = tx.Auth with { Sponsor = condition } };
        byte[] originHash = VerifyCondition(tx.Auth.Origin, InitialSigHash(tx), AuthType.Standard);
        var pre = PreSign(originHash, AuthType.Sponsored, fee, nonce);
        var signature = SignHash(key.Secret, pre);
        return tx with { Auth = tx.Auth with { Sponsor = condition with { Signature = [.. signature] } } };
    }

    /// <summary>Verifies the origin's signatures only (a sponsored transaction awaiting its sponsor); returns the sighash after them.</summary>
    public static byte[] VerifyOrigin(StacksTransaction tx) => VerifyCondition(tx.Auth.Origin, InitialSigHash(tx), AuthType.Standard);

    /// <summary>True when the sponsor of a sponsored transaction is still the unsigned placeholder.</summary>
    public static bool AwaitsSponsor(StacksTransaction tx) =>
        tx.Auth.Type == AuthType.Sponsored && tx.Auth.Sponsor is SingleSigCondition s && !s.Signature.AsSpan().ContainsAnyExcept((byte)0);

    /// <summary>
    /// True when every signature present is valid: the origin's, and the sponsor's unless the transaction
    /// still awaits its sponsor (<see cref="AwaitsSponsor"/>).
    /// </summary>
    public static bool SignaturesValid(StacksTransaction tx)
    {
        try
        {
            if (AwaitsSponsor(tx))
            {
                VerifyOrigin(tx);
            }
            else
            {
                Verify(tx);
            }

            return true;
        }
        catch (StacksException)
        {
            return false;
        }
    }

    /// <summary>Verifies every signature of <paramref name="tx"/>; throws <see cref="StacksException"/> naming the failure.</summary>
    public static void Verify(StacksTransaction tx)
    {
        byte[] next = VerifyCondition(tx.Auth.Origin, InitialSigHash(tx), AuthType.Standard);
        if (tx.Auth.Type == AuthType.Sponsored)
        {
            VerifyCondition(tx.Auth.Sponsor!, next, AuthType.Sponsored);
        }
    }

    /// <summary>Verifies one condition from <paramref name="sigHash"/>; returns the sighash after it.</summary>
    public static byte[] VerifyCondition(SpendingCondition condition, byte[] sigHash, AuthType authType)
    {
        switch (condition)
        {
            case SingleSigCondition s:
            {
                var pre = PreSign(sigHash, authType, s.Fee, s.Nonce);
                if (!TryRecover(pre, s.Signature.AsSpan(), out var pub))
                {
                    throw new StacksException("stacks_signature", "stacks verify: the single-sig signature does not recover a public key");
                }

                byte[] keyBytes = s.KeyEncoding == KeyEncoding.Compressed ? pub.ToCompressed() : pub.ToUncompressed();
                if (!StacksKeys.SignerHash(s.HashMode, 1, [keyBytes]).AsSpan().SequenceEqual(s.Signer.AsSpan()))
                {
                    throw new StacksException("stacks_signature", "stacks verify: the signature's key does not hash to the signer");
                }

                return PostSign(pre, s.KeyEncoding, s.Signature.AsSpan());
            }

            case MultiSigCondition m:
            {
                byte[] current = sigHash;
                var keys = new List<byte[]>();
                int signatures = 0;
                foreach (var field in m.Fields)
                {
                    if (!field.IsSignature)
                    {
                        keys.Add(field.PublicKeyBytes());
                        continue;
                    }

                    var pre = PreSign(m.IsNonSequential ? sigHash : current, authType, m.Fee, m.Nonce);
                    if (!TryRecover(pre, field.Data.AsSpan(), out var pub))
                    {
                        throw new StacksException("stacks_signature", "stacks verify: a multi-sig signature does not recover a public key");
                    }

                    keys.Add(field.Encoding == KeyEncoding.Compressed ? pub.ToCompressed() : pub.ToUncompressed());
                    current = PostSign(pre, field.Encoding, field.Data.AsSpan());
                    signatures++;
                }

                if (m.IsNonSequential ? signatures < m.SignaturesRequired : signatures != m.SignaturesRequired)
                {
                    throw new StacksException("stacks_signature", $"stacks verify: {signatures} signatures, {m.SignaturesRequired} required");
                }

                if (!StacksKeys.SignerHash(m.HashMode, m.SignaturesRequired, keys).AsSpan().SequenceEqual(m.Signer.AsSpan()))
                {
                    throw new StacksException("stacks_signature", "stacks verify: the multi-sig keys do not hash to the signer");
                }

                return m.IsNonSequential ? sigHash : current;
            }

            default:
                throw new ArgumentException("unknown condition", nameof(condition));
        }
    }

    private static void CheckSigner(SingleSigCondition condition, StacksPrivateKey key)
    {
        if (!StacksKeys.SignerHash(condition.HashMode, 1, [key.PublicKeyBytes]).AsSpan().SequenceEqual(condition.Signer.AsSpan()))
        {
            throw new StacksException("stacks_sign", "stacks sign: the key does not match the origin's signer");
        }
    }
}
